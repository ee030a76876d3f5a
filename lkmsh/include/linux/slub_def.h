/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: struct kmem_cache as Linux 6.1's <linux/slub_def.h> lays it out for
 * Debian's configuration (CONFIG_SLUB_CPU_PARTIAL, CONFIG_SYSFS,
 * CONFIG_SLAB_FREELIST_HARDENED, CONFIG_NUMA, CONFIG_SLAB_FREELIST_RANDOM; no
 * KASAN), so that code reading a cache's geometry (s->size, s->offset,
 * s->inuse, s->red_left_pad, s->name) finds it where Linux keeps it. lkmsh's
 * kernel (lkmsh/kernel/kapi/slabcache.py) fills these fields at
 * kmem_cache_create(); the per-CPU and per-node parts are not used.
 * Only mm/slab.h includes this header, as in Linux.
 */
#ifndef _LKMSH_LINUX_SLUB_DEF_H
#define _LKMSH_LINUX_SLUB_DEF_H

#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/reciprocal_div.h>
#include <linux/slab.h>

struct kmem_cache_cpu;
struct kmem_cache_node;

struct kmem_cache_order_objects {
	unsigned int x;
};

struct kmem_cache {
	struct kmem_cache_cpu __percpu *cpu_slab;
	/* Used for retrieving partial slabs, etc. */
	slab_flags_t flags;
	unsigned long min_partial;
	unsigned int size;	/* The size of an object including metadata */
	unsigned int object_size;/* The size of an object without metadata */
	struct reciprocal_value reciprocal_size;
	unsigned int offset;	/* Free pointer offset */
	/* Number of per cpu partial objects to keep around */
	unsigned int cpu_partial;
	/* Number of per cpu partial slabs to keep around */
	unsigned int cpu_partial_slabs;
	struct kmem_cache_order_objects oo;

	/* Allocation and freeing of slabs */
	struct kmem_cache_order_objects min;
	gfp_t allocflags;	/* gfp flags to use on each alloc */
	int refcount;		/* Refcount for slab cache destroy */
	void (*ctor)(void *);
	unsigned int inuse;		/* Offset to metadata */
	unsigned int align;		/* Alignment */
	unsigned int red_left_pad;	/* Left redzone padding size */
	const char *name;	/* Name (only for display!) */
	struct list_head list;	/* List of slab caches */
	struct kobject kobj;	/* For sysfs */
	unsigned long random;
	/* Defragmentation by allocating from a remote node. */
	unsigned int remote_node_defrag_ratio;
	unsigned int *random_seq;

	unsigned int useroffset;	/* Usercopy region offset */
	unsigned int usersize;		/* Usercopy region size */

	struct kmem_cache_node *node[1];	/* lkmsh has one memory node */
};

/* lkmsh/kernel/kapi/slabcache.py writes the fields at these offsets. */
_Static_assert(__builtin_offsetof(struct kmem_cache, size) == 24, "struct kmem_cache layout");
_Static_assert(__builtin_offsetof(struct kmem_cache, offset) == 40, "struct kmem_cache layout");
_Static_assert(__builtin_offsetof(struct kmem_cache, oo) == 52, "struct kmem_cache layout");
_Static_assert(__builtin_offsetof(struct kmem_cache, ctor) == 72, "struct kmem_cache layout");
_Static_assert(__builtin_offsetof(struct kmem_cache, name) == 96, "struct kmem_cache layout");
_Static_assert(__builtin_offsetof(struct kmem_cache, random) == 184, "struct kmem_cache layout");
_Static_assert(__builtin_offsetof(struct kmem_cache, useroffset) == 208, "struct kmem_cache layout");
_Static_assert(sizeof(struct kmem_cache) == 224, "struct kmem_cache layout");

#endif
