/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/random.h>. The kernel's random stream is deterministic per
 * kernel (a boot seed kept in the state file), so runs are reproducible.
 */
#ifndef _LKMSH_LINUX_RANDOM_H
#define _LKMSH_LINUX_RANDOM_H

#include <linux/types.h>
#include <linux/prandom.h>

void get_random_bytes(void *buf, size_t len);
u8 get_random_u8(void);
u16 get_random_u16(void);
u32 get_random_u32(void);
u64 get_random_u64(void);

static inline unsigned long get_random_long(void)
{
	return get_random_u64();
}

/* The 6.1 names kept for older callers. */
static inline u32 get_random_int(void)
{
	return get_random_u32();
}

static inline u32 prandom_u32(void)
{
	return get_random_u32();
}

static inline void prandom_bytes(void *buf, size_t nbytes)
{
	get_random_bytes(buf, nbytes);
}

/* A value in [0, ceil): Lemire's multiply-shift, as Linux's prandom_u32_max. */
static inline u32 prandom_u32_max(u32 ep_ro)
{
	return (u32)(((u64)get_random_u32() * ep_ro) >> 32);
}

static inline u32 get_random_u32_below(u32 ceil)
{
	return prandom_u32_max(ceil);
}

#endif
