/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: reference counts embedded in objects, as Linux's <linux/kref.h>.
 * struct kref is one refcount_t (4 bytes), as Linux; the helpers are inline.
 */
#ifndef _LKMSH_LINUX_KREF_H
#define _LKMSH_LINUX_KREF_H

#include <linux/atomic.h>
#include <linux/types.h>

typedef struct refcount_struct {
	atomic_t refs;
} refcount_t;

struct kref {
	refcount_t refcount;
};

#define KREF_INIT(n)	{ .refcount = { .refs = ATOMIC_INIT(n) }, }

static inline void kref_init(struct kref *kref)
{
	atomic_set(&kref->refcount.refs, 1);
}

static inline unsigned int kref_read(const struct kref *kref)
{
	return atomic_read(&kref->refcount.refs);
}

static inline void kref_get(struct kref *kref)
{
	atomic_inc(&kref->refcount.refs);
}

/* Drop a reference; the last one calls @release and returns 1. */
static inline int kref_put(struct kref *kref, void (*release)(struct kref *kref))
{
	if (atomic_sub_return(1, &kref->refcount.refs) == 0) {
		release(kref);
		return 1;
	}
	return 0;
}

#endif
