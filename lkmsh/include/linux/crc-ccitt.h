/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/crc-ccitt.h>: CRC-CCITT (0x1021), reflected and not (_false). */
#ifndef _LKMSH_LINUX_CRC_CCITT_H
#define _LKMSH_LINUX_CRC_CCITT_H

#include <linux/types.h>

u16 crc_ccitt(u16 crc, const u8 *buffer, size_t len);
u16 crc_ccitt_false(u16 crc, const u8 *buffer, size_t len);

#endif
