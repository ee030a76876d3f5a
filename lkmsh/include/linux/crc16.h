/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/crc16.h>: CRC-16 (polynomial 0x8005, bit-reversed). */
#ifndef _LKMSH_LINUX_CRC16_H
#define _LKMSH_LINUX_CRC16_H

#include <linux/types.h>

u16 crc16(u16 crc, const u8 *buffer, size_t len);

#endif
