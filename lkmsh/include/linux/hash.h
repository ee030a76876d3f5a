/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/hash.h>: multiplicative hashing with Linux's golden-ratio constants. */
#ifndef _LKMSH_LINUX_HASH_H
#define _LKMSH_LINUX_HASH_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/bits.h>

#define GOLDEN_RATIO_32 0x61C88647
#define GOLDEN_RATIO_64 0x61C8864680B583EBull
#define GOLDEN_RATIO_PRIME GOLDEN_RATIO_64

#if BITS_PER_LONG == 32
#define hash_long(val, bits) hash_32(val, bits)
#else
#define hash_long(val, bits) hash_64(val, bits)
#endif

/* Architectures with a faster multiply may define their own; lkmsh's are generic. */
#ifndef HAVE_ARCH__HASH_32
#define __hash_32 __hash_32_generic
#endif
static inline u32 __hash_32_generic(u32 val)
{
	return val * GOLDEN_RATIO_32;
}

static inline u32 hash_32(u32 val, unsigned int bits)
{
	/* High bits are more random, so use them. */
	return __hash_32(val) >> (32 - bits);
}

#ifndef HAVE_ARCH_HASH_64
#define hash_64 hash_64_generic
#endif
static __always_inline u32 hash_64_generic(u64 val, unsigned int bits)
{
	/* 64x64-bit multiply is efficient on all 64-bit processors */
	return val * GOLDEN_RATIO_64 >> (64 - bits);
}

static inline u32 hash_ptr(const void *ptr, unsigned int bits)
{
	return hash_long((unsigned long)ptr, bits);
}

static inline u32 hash32_ptr(const void *ptr)
{
	unsigned long val = (unsigned long)ptr;

	val ^= (val >> 32);
	return (u32)val;
}

#endif
