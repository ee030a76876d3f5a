/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/crc32c.h>. */
#ifndef _LKMSH_LINUX_CRC32C_H
#define _LKMSH_LINUX_CRC32C_H

#include <linux/crc32.h>

static inline u32 crc32c(u32 crc, const void *address, unsigned int length)
{
	return __crc32c_le(crc, address, length);
}

#endif
