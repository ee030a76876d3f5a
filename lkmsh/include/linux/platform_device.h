/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: the platform bus, as Linux 6.1's <linux/platform_device.h>.
 * Devices come from modules (platform_device_register*) or from the shell
 * (`device add platform NAME compatible=...`); a driver binds to a device
 * whose compatible string is in its of_match_table, whose name is in its
 * id_table, or whose name is the driver's: probe() then runs, and remove()
 * when either side goes. Managed (devm_*) resources are freed after remove.
 */
#ifndef _LKMSH_LINUX_PLATFORM_DEVICE_H
#define _LKMSH_LINUX_PLATFORM_DEVICE_H

#include <linux/device.h>
#include <linux/ioport.h>
#include <linux/mod_devicetable.h>

#define PLATFORM_DEVID_NONE	(-1)
#define PLATFORM_DEVID_AUTO	(-2)

struct mfd_cell;
struct irq_affinity;

struct device_dma_parameters {
	unsigned int max_segment_size;
	unsigned int min_align_mask;
	unsigned long segment_boundary_mask;
};

struct pdev_archdata {
};

struct platform_device {
	const char	*name;
	int		id;
	bool		id_auto;
	struct device	dev;
	u64		platform_dma_mask;
	struct device_dma_parameters dma_parms;
	u32		num_resources;
	struct resource	*resource;

	const struct platform_device_id	*id_entry;
	/*
	 * Driver name to force a match.  Do not set directly, because core
	 * frees it.  Use driver_set_override() to set or clear it.
	 */
	const char *driver_override;

	/* MFD cell pointer */
	struct mfd_cell *mfd_cell;

	/* arch specific additions */
	struct pdev_archdata	archdata;
};

#define platform_get_device_id(pdev)	((pdev)->id_entry)
#define to_platform_device(x)		container_of((x), struct platform_device, dev)

extern struct resource *platform_get_resource(struct platform_device *dev,
					      unsigned int type, unsigned int num);
extern int platform_get_irq(struct platform_device *dev, unsigned int num);
extern int platform_get_irq_optional(struct platform_device *dev, unsigned int num);

extern int platform_device_register(struct platform_device *pdev);
extern void platform_device_unregister(struct platform_device *pdev);
extern struct platform_device *platform_device_alloc(const char *name, int id);
extern int platform_device_add_data(struct platform_device *pdev, const void *data,
				    size_t size);
extern int platform_device_add_resources(struct platform_device *pdev,
					 const struct resource *res, unsigned int num);
extern int platform_device_add(struct platform_device *pdev);
extern void platform_device_del(struct platform_device *pdev);
extern void platform_device_put(struct platform_device *pdev);
extern struct platform_device *platform_device_register_resndata(
	struct device *parent, const char *name, int id,
	const struct resource *res, unsigned int num,
	const void *data, size_t size);

static inline struct platform_device *platform_device_register_simple(
		const char *name, int id,
		const struct resource *res, unsigned int num)
{
	return platform_device_register_resndata(NULL, name, id, res, num, NULL, 0);
}

static inline struct platform_device *platform_device_register_data(
		struct device *parent, const char *name, int id,
		const void *data, size_t size)
{
	return platform_device_register_resndata(parent, name, id, NULL, 0, data, size);
}

struct platform_driver {
	int (*probe)(struct platform_device *);
	int (*remove)(struct platform_device *);
	void (*shutdown)(struct platform_device *);
	int (*suspend)(struct platform_device *, pm_message_t state);
	int (*resume)(struct platform_device *);
	struct device_driver driver;
	const struct platform_device_id *id_table;
	bool prevent_deferred_probe;
	/*
	 * For most device drivers, no need to care about this flag as long as
	 * all DMAs are handled through the kernel DMA API.
	 */
	bool driver_managed_dma;
};

#define to_platform_driver(drv)	(container_of((drv), struct platform_driver, driver))

#define platform_driver_register(drv) \
	__platform_driver_register(drv, THIS_MODULE)
extern int __platform_driver_register(struct platform_driver *, struct module *);
extern void platform_driver_unregister(struct platform_driver *);

#define module_platform_driver(__platform_driver)			\
static int __init __platform_driver##_init(void)			\
{									\
	return platform_driver_register(&(__platform_driver));		\
}									\
module_init(__platform_driver##_init);					\
static void __exit __platform_driver##_exit(void)			\
{									\
	platform_driver_unregister(&(__platform_driver));		\
}									\
module_exit(__platform_driver##_exit);

static inline void *platform_get_drvdata(const struct platform_device *pdev)
{
	return dev_get_drvdata(&pdev->dev);
}

static inline void platform_set_drvdata(struct platform_device *pdev, void *data)
{
	dev_set_drvdata(&pdev->dev, data);
}

#endif /* _LKMSH_LINUX_PLATFORM_DEVICE_H */
