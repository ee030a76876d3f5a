/* SPDX-License-Identifier: MIT */
/* lkmsh: matching devices by device-tree node, as Linux 6.1's <linux/of_device.h>. */
#ifndef _LKMSH_LINUX_OF_DEVICE_H
#define _LKMSH_LINUX_OF_DEVICE_H

#include <linux/device.h>
#include <linux/mod_devicetable.h>
#include <linux/of.h>
#include <linux/platform_device.h>

extern const struct of_device_id *of_match_device(const struct of_device_id *matches,
						   const struct device *dev);
extern const void *of_device_get_match_data(const struct device *dev);

#endif /* _LKMSH_LINUX_OF_DEVICE_H */
