/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: the part of Linux 6.1's mm/slab.h (the allocator's internal header,
 * which lib/slub_kunit.c includes as "../mm/slab.h") that code outside mm/
 * can use: struct kmem_cache, the flag masks, and CONFIG_SLUB_DEBUG's
 * validate_slab_cache() and print_tracking(). lkmsh's build finds it for
 * "../mm/slab.h" from any directory (-iquote of this directory).
 */
#ifndef _LKMSH_MM_SLAB_H
#define _LKMSH_MM_SLAB_H

#include <linux/slab.h>
#include <linux/slub_def.h>
#include <linux/kasan.h>
#include <linux/kmemleak.h>
#include <linux/random.h>

/* Legal flag mask for kmem_cache_create(), for various configurations */
#define SLAB_CORE_FLAGS (SLAB_HWCACHE_ALIGN | SLAB_CACHE_DMA | \
			 SLAB_CACHE_DMA32 | SLAB_PANIC | \
			 SLAB_TYPESAFE_BY_RCU | SLAB_DEBUG_OBJECTS )

#define SLAB_DEBUG_FLAGS (SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | \
			  SLAB_TRACE | SLAB_CONSISTENCY_CHECKS)

#define SLAB_CACHE_FLAGS (SLAB_NOLEAKTRACE | SLAB_RECLAIM_ACCOUNT | \
			  SLAB_TEMPORARY | SLAB_ACCOUNT | SLAB_NO_USER_FLAGS)

#define CACHE_CREATE_MASK (SLAB_CORE_FLAGS | SLAB_DEBUG_FLAGS | SLAB_CACHE_FLAGS)

/* Checks every slab of @s as /sys/kernel/slab/<s>/validate does: the slabs it saw. */
long validate_slab_cache(struct kmem_cache *s);
/* The SLAB_STORE_USER records of @object: "Allocated in ..." / "Freed in ..." */
void print_tracking(struct kmem_cache *s, void *object);

#endif
