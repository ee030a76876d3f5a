/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <asm/byteorder.h>: both architectures lkmsh runs are little-endian,
 * so the cpu_to_* and *_to_cpu conversions of Linux's byteorder headers,
 * and the network-order htons/ntohs family, swap big-endian values only.
 */
#ifndef _LKMSH_ASM_BYTEORDER_H
#define _LKMSH_ASM_BYTEORDER_H

#include <linux/types.h>

#define __LITTLE_ENDIAN 1234

#define cpu_to_le64(x) ((__u64)(x))
#define le64_to_cpu(x) ((__u64)(x))
#define cpu_to_le32(x) ((__u32)(x))
#define le32_to_cpu(x) ((__u32)(x))
#define cpu_to_le16(x) ((__u16)(x))
#define le16_to_cpu(x) ((__u16)(x))
#define cpu_to_be64(x) ((__u64)__builtin_bswap64((__u64)(x)))
#define be64_to_cpu(x) ((__u64)__builtin_bswap64((__u64)(x)))
#define cpu_to_be32(x) ((__u32)__builtin_bswap32((__u32)(x)))
#define be32_to_cpu(x) ((__u32)__builtin_bswap32((__u32)(x)))
#define cpu_to_be16(x) ((__u16)__builtin_bswap16((__u16)(x)))
#define be16_to_cpu(x) ((__u16)__builtin_bswap16((__u16)(x)))

#define htonl(x) cpu_to_be32(x)
#define ntohl(x) be32_to_cpu(x)
#define htons(x) cpu_to_be16(x)
#define ntohs(x) be16_to_cpu(x)

#endif
