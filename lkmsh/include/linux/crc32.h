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

/* the CRC of A then B from crc(A), crc(B) and B's length: shift crc(A) past B, add crc(B) */
u32 __attribute_const__ crc32_le_shift(u32 crc, size_t len);
u32 __attribute_const__ __crc32c_le_shift(u32 crc, size_t len);

static inline u32 crc32_le_combine(u32 crc1, u32 crc2, size_t len2)
{
	return crc32_le_shift(crc1, len2) ^ crc2;
}

static inline u32 __crc32c_le_combine(u32 crc1, u32 crc2, size_t len2)
{
	return __crc32c_le_shift(crc1, len2) ^ crc2;
}

#endif
