/* SPDX-License-Identifier: MIT */
/* lkmsh: firmware-agnostic device properties, as Linux 6.1's <linux/property.h>. */
#ifndef _LKMSH_LINUX_PROPERTY_H
#define _LKMSH_LINUX_PROPERTY_H

#include <linux/types.h>
#include <linux/fwnode.h>

struct device;
struct property_entry;

/* A node a driver describes in code (drivers/base/swnode.c); %pfw names it. */
struct software_node {
	const char *name;
	const struct software_node *parent;
	const struct property_entry *properties;
};

int software_node_register(const struct software_node *node);
void software_node_unregister(const struct software_node *node);
int software_node_register_nodes(const struct software_node *nodes);
void software_node_unregister_nodes(const struct software_node *nodes);
struct fwnode_handle *software_node_fwnode(const struct software_node *node);
const struct software_node *to_software_node(const struct fwnode_handle *fwnode);
bool is_software_node(const struct fwnode_handle *fwnode);

bool device_property_present(struct device *dev, const char *propname);
int device_property_read_u32_array(struct device *dev, const char *propname,
				   u32 *val, size_t nval);
int device_property_read_string(struct device *dev, const char *propname,
				const char **val);
int device_property_match_string(struct device *dev, const char *propname,
				 const char *string);
const void *device_get_match_data(const struct device *dev);

static inline bool device_property_read_bool(struct device *dev, const char *propname)
{
	return device_property_present(dev, propname);
}

static inline int device_property_read_u32(struct device *dev, const char *propname, u32 *val)
{
	return device_property_read_u32_array(dev, propname, val, 1);
}

static inline int device_property_count_u32(struct device *dev, const char *propname)
{
	return device_property_read_u32_array(dev, propname, NULL, 0);
}

#endif /* _LKMSH_LINUX_PROPERTY_H */
