// SPDX-License-Identifier: MIT
/*
 * kmalloc/kzalloc/kfree's fast path, run on the emulated CPU: like SLUB's
 * per-CPU slab, one "active" slab per kmalloc cache of 8 to 1024 bytes (an
 * XArray's 576-byte node is a kmalloc-1k object)
 * that the heap (lkmsh/kernel/heap.py) lends this code. An allocation pops a
 * free slot off the slab's stack and records what the heap's reports need
 * (requested size, gfp, the caller) and zeroes it (init_on_alloc, as
 * Debian's kernel); a free checks that the pointer is the
 * start of a live object of a lent slab, poisons it (slub_debug=P) and pushes
 * the slot back, recording the freeing caller. Everything else (no slab lent,
 * another size, a pointer this code cannot vouch for, the live-object cap)
 * jumps to the kernel's own kmalloc/kzalloc/kfree slot with the arguments and
 * the return address untouched, so Python sees the call exactly as before and
 * reports a bad free in Linux's words. The heap takes the slabs back, reading
 * what happened here (slabfast.py), before it answers anything.
 *
 * Built with sibling calls on (build.py): the slow path must be a tail jump.
 */
#include "klib.h"

typedef unsigned int gfp_t;

void *memset(void *s, int c, size_t count);

#define KFAST_CTL 0xffffffff82c00000UL /* layout.KERNEL_DATA_BASE + 0xc00000: slabfast.py */
#define KFAST_CLASSES 10	       /* 8, 16, 32, 64, 96, 128, 192, 256, 512, 1024 */
#define KFAST_MAX_SIZE 1024
#define KFAST_MAX_OBJS 512
#define KFAST_BUCKETS 64
#define PAGE_SHIFT 12

/* slot states: slabfast.py reads them */
#define S_LIVE 0x01
#define S_PYLIVE 0x80  /* the heap had this object live when it lent the slab */
#define S_CALLOC 0x40  /* allocated here since: size, gfp, caller are this code's */
#define S_TOUCHED 0x20 /* listed in touched[] */
#define S_CFREED 0x10  /* freed here since: free_caller is valid */

#define POISON_FREE 0x6b
#define POISON_END 0xa5

struct kfast_ctl {
	u64 reserved;
	u64 slow_kmalloc, slow_kzalloc, slow_kfree; /* the kernel's slots */
	u64 budget;				     /* live objects this code may still add */
	u64 reserved2;
	u64 active[16];			/* cache index -> its lent slab, or 0 */
	u64 bucket[KFAST_BUCKETS];	/* (page >> 12) % 64 -> a lent slab, or 0 (each of its pages) */
};

struct kfast_slab {
	u64 base;
	u32 cache, nobj, nfree, ntouched;
	u8 state[KFAST_MAX_OBJS];
	u16 stack[KFAST_MAX_OBJS]; /* free slots, top = nfree - 1 */
	u16 touched[KFAST_MAX_OBJS];
	u32 size[KFAST_MAX_OBJS];
	u32 gfp[KFAST_MAX_OBJS];
	u64 caller[KFAST_MAX_OBJS];
	u64 free_caller[KFAST_MAX_OBJS];
};

_Static_assert(__builtin_offsetof(struct kfast_ctl, active) == 48, "ctl layout");
_Static_assert(__builtin_offsetof(struct kfast_ctl, bucket) == 176, "ctl layout");
_Static_assert(__builtin_offsetof(struct kfast_slab, state) == 24, "slab layout");
_Static_assert(__builtin_offsetof(struct kfast_slab, stack) == 536, "slab layout");
_Static_assert(__builtin_offsetof(struct kfast_slab, touched) == 1560, "slab layout");
_Static_assert(__builtin_offsetof(struct kfast_slab, size) == 2584, "slab layout");
_Static_assert(__builtin_offsetof(struct kfast_slab, gfp) == 4632, "slab layout");
_Static_assert(__builtin_offsetof(struct kfast_slab, caller) == 6680, "slab layout");
_Static_assert(__builtin_offsetof(struct kfast_slab, free_caller) == 10776, "slab layout");
_Static_assert(sizeof(struct kfast_slab) <= 0x4000, "slab layout");

/* the cache index of each size, by (size + 7) / 8 (kmalloc's size_index) */
static const u8 class_by_8[KFAST_MAX_SIZE / 8 + 1] = {
	0, 0, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5,
	6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7,
	8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
	8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
	[65 ... 128] = 9,
};

#define CTL ((struct kfast_ctl *)KFAST_CTL)

static inline __attribute__((always_inline)) void *fast_alloc(size_t size, gfp_t flags, u64 caller,
								bool zero)
{
	void *p;

	struct kfast_ctl *ctl = CTL;
	struct kfast_slab *s;
	u32 i;

	if (size - 1 >= KFAST_MAX_SIZE || !ctl->budget)
		return NULL;
	s = (struct kfast_slab *)ctl->active[class_by_8[(size + 7) >> 3]];
	if (!s || !s->nfree)
		return NULL;
	i = s->stack[--s->nfree];
	if (!(s->state[i] & S_TOUCHED))
		s->touched[s->ntouched++] = i;
	s->state[i] = (s->state[i] & S_PYLIVE) | S_TOUCHED | S_CALLOC | S_LIVE;
	s->size[i] = size;
	s->gfp[i] = flags;
	s->caller[i] = caller;
	ctl->budget--;
	p = (void *)(s->base + (u64)i * s->cache);
	return zero ? memset(p, 0, s->cache) : p;
}

void *kmalloc(size_t size, gfp_t flags)
{
	/* init_on_alloc (Debian's CONFIG_INIT_ON_ALLOC_DEFAULT_ON): kmalloc zeroes too */
	void *p = fast_alloc(size, flags, (u64)__builtin_return_address(0), 1);

	if (p)
		return p;
	return ((void *(*)(size_t, gfp_t))CTL->slow_kmalloc)(size, flags);
}

void *kzalloc(size_t size, gfp_t flags)
{
	void *p = fast_alloc(size, flags, (u64)__builtin_return_address(0), 1);

	if (p)
		return p;
	return ((void *(*)(size_t, gfp_t))CTL->slow_kzalloc)(size, flags);
}

void kfree(const void *objp)
{
	struct kfast_ctl *ctl = CTL;
	u64 p = (u64)objp, off;
	struct kfast_slab *s;
	u32 i;
	u8 *obj;

	if (p <= 16) /* ZERO_OR_NULL_PTR */
		return;
	s = (struct kfast_slab *)ctl->bucket[(p >> PAGE_SHIFT) % KFAST_BUCKETS];
	if (s && p - s->base < (u64)s->nobj * s->cache) {
		off = p - s->base;
		i = off / s->cache;
		if ((u64)i * s->cache == off && (s->state[i] & S_LIVE)) {
			obj = (u8 *)p;
			memset(obj, POISON_FREE, s->cache - 1);
			obj[s->cache - 1] = POISON_END;
			if (!(s->state[i] & S_TOUCHED))
				s->touched[s->ntouched++] = i;
			s->state[i] = (s->state[i] & (S_PYLIVE | S_CALLOC)) | S_TOUCHED | S_CFREED;
			s->free_caller[i] = (u64)__builtin_return_address(0);
			s->stack[s->nfree++] = i;
			ctl->budget++;
					return;
		}
	}
	((void (*)(const void *))ctl->slow_kfree)(objp);
}
