/* SPDX-License-Identifier: MIT */
/* lkmsh: device ID tables drivers match by, as Linux 6.1's <linux/mod_devicetable.h>. */
#ifndef _LKMSH_LINUX_MOD_DEVICETABLE_H
#define _LKMSH_LINUX_MOD_DEVICETABLE_H

#include <linux/types.h>

typedef unsigned long kernel_ulong_t;

/*
 * Struct used for matching a device
 */
struct of_device_id {
	char	name[32];
	char	type[32];
	char	compatible[128];
	const void *data;
};

#define PLATFORM_NAME_SIZE	20
#define PLATFORM_MODULE_PREFIX	"platform:"

struct platform_device_id {
	char name[PLATFORM_NAME_SIZE];
	kernel_ulong_t driver_data;
};

#endif /* _LKMSH_LINUX_MOD_DEVICETABLE_H */
