/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: device-tree nodes and their properties, as Linux 6.1's <linux/of.h>.
 * The nodes are the ones the shell makes (`device add platform NAME
 * compatible=... key=value`); their properties are read with Linux's
 * functions and errors (-EINVAL: no such property, -ENODATA: no value,
 * -EOVERFLOW: fewer values than asked for, -EILSEQ: not a string).
 */
#ifndef _LKMSH_LINUX_OF_H
#define _LKMSH_LINUX_OF_H

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/mod_devicetable.h>
#include <linux/types.h>
#include <linux/fwnode.h>

typedef u32 phandle;

struct property {
	char	*name;
	int	length;
	void	*value;
	struct property *next;
};

struct device_node {
	const char *name;
	phandle phandle;
	const char *full_name;
	struct fwnode_handle fwnode;

	struct	property *properties;
	struct	property *deadprops;	/* removed properties */
	struct	device_node *parent;
	struct	device_node *child;
	struct	device_node *sibling;
	unsigned long _flags;
	void	*data;
};

struct device;

extern struct property *of_find_property(const struct device_node *np,
					 const char *name, int *lenp);
extern const void *of_get_property(const struct device_node *node,
				   const char *name, int *lenp);
extern int of_property_read_string(const struct device_node *np,
				   const char *propname, const char **out_string);
extern int of_property_read_string_helper(const struct device_node *np,
					  const char *propname, const char **out_strs,
					  size_t sz, int index);
extern int of_property_match_string(const struct device_node *np,
				    const char *propname, const char *string);
extern int of_property_read_variable_u32_array(const struct device_node *np,
					       const char *propname, u32 *out_values,
					       size_t sz_min, size_t sz_max);
extern int of_property_count_elems_of_size(const struct device_node *np,
					   const char *propname, int elem_size);
extern int of_device_is_compatible(const struct device_node *device, const char *);
extern struct device_node *of_node_get(struct device_node *node);
extern void of_node_put(struct device_node *node);

static inline int of_property_read_u32_array(const struct device_node *np,
					     const char *propname, u32 *out_values, size_t sz)
{
	int ret = of_property_read_variable_u32_array(np, propname, out_values, sz, 0);

	if (ret >= 0)
		return 0;
	else
		return ret;
}

static inline int of_property_read_u32(const struct device_node *np,
				       const char *propname, u32 *out_value)
{
	return of_property_read_u32_array(np, propname, out_value, 1);
}

static inline int of_property_read_s32(const struct device_node *np,
				       const char *propname, s32 *out_value)
{
	return of_property_read_u32(np, propname, (u32 *)out_value);
}

static inline bool of_property_read_bool(const struct device_node *np,
					 const char *propname)
{
	struct property *prop = of_find_property(np, propname, NULL);

	return prop ? true : false;
}

static inline int of_property_count_u32_elems(const struct device_node *np,
					      const char *propname)
{
	return of_property_count_elems_of_size(np, propname, sizeof(u32));
}

static inline int of_property_read_string_index(const struct device_node *np,
						const char *propname, int index,
						const char **output)
{
	int rc = of_property_read_string_helper(np, propname, output, 1, index);

	return rc < 0 ? rc : 0;
}

static inline int of_property_count_strings(const struct device_node *np,
					    const char *propname)
{
	return of_property_read_string_helper(np, propname, NULL, 0, 0);
}

#define of_match_ptr(_ptr)	(_ptr)

#endif /* _LKMSH_LINUX_OF_H */
