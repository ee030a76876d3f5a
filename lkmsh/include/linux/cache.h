/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: cache-line helpers, as Linux's <linux/cache.h>. lkmsh's loader keeps
 * .data..ro_after_init writable after init (Linux makes it read-only).
 */
#ifndef _LKMSH_LINUX_CACHE_H
#define _LKMSH_LINUX_CACHE_H

#include <linux/kernel.h>

#define L1_CACHE_SHIFT		6
#define L1_CACHE_BYTES		(1 << L1_CACHE_SHIFT)
#define SMP_CACHE_BYTES		L1_CACHE_BYTES
#define L1_CACHE_ALIGN(x)	ALIGN(x, L1_CACHE_BYTES)
#define SMP_CACHE_ALIGN(x)	ALIGN(x, SMP_CACHE_BYTES)

#define ____cacheline_aligned	__attribute__((__aligned__(SMP_CACHE_BYTES)))
#define ____cacheline_aligned_in_smp	____cacheline_aligned
#define __cacheline_aligned	____cacheline_aligned
#define __cacheline_aligned_in_smp	____cacheline_aligned
#define __read_mostly		__attribute__((__section__(".data..read_mostly")))
#define __ro_after_init		__attribute__((__section__(".data..ro_after_init")))

#endif /* _LKMSH_LINUX_CACHE_H */
