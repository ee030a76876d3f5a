/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: firmware embedded in the platform's EFI firmware
 * (<linux/efi_embedded_fw.h>). CONFIG_EFI_EMBEDDED_FIRMWARE is not set in
 * Debian's 6.1 cloud kernels nor in lkmsh: firmware_request_platform() finds
 * files only, as request_firmware() does. The structures are here for
 * lib/test_firmware.c, which includes this header.
 */
#ifndef _LKMSH_LINUX_EFI_EMBEDDED_FW_H
#define _LKMSH_LINUX_EFI_EMBEDDED_FW_H

#include <linux/list.h>
#include <linux/mod_devicetable.h>

#define EFI_EMBEDDED_FW_PREFIX_LEN		8

/* private to the efi-embedded fw code, here for lib/test_firmware.c only */
struct efi_embedded_fw {
	struct list_head list;
	const char *name;
	const u8 *data;
	size_t length;
};

struct efi_embedded_fw_desc {
	const char *name;
	u8 prefix[EFI_EMBEDDED_FW_PREFIX_LEN];
	u32 length;
	u8 sha256[32];
};

#endif /* _LKMSH_LINUX_EFI_EMBEDDED_FW_H */
