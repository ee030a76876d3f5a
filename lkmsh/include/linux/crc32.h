/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/crc32.h>. crc32_le/crc32_be are IEEE 802.3 (0x04c11db7),
 * __crc32c_le is Castagnoli (0x1edc6f41); no initial or final inversion,
 * as Linux. Computed by lkmsh's kernel library (lkmsh/klib/crc.c).
 */
#ifndef _LKMSH_LINUX_CRC32_H
#define _LKMSH_LINUX_CRC32_H

#include <linux/types.h>

u32 __pure crc32_le(u32 crc, unsigned char const *p, size_t len);
u32 __pure crc32_be(u32 crc, unsigned char const *p, size_t len);
u32 __pure __crc32c_le(u32 crc, unsigned char const *p, size_t len);

#define crc32(seed, data, length)  crc32_le(seed, (unsigned char const *)(data), length)

#endif
