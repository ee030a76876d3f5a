/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: the slab allocator's interface, as Linux's <linux/slab.h>.
 * Each function is a kernel function over lkmsh's heap, which detects double
 * and invalid frees (an Oops-style report in dmesg) and reports what a module
 * still holds when it is unloaded (kmemleak-style).
 */
#ifndef _LKMSH_LINUX_SLAB_H
#define _LKMSH_LINUX_SLAB_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/gfp.h>

#define ZERO_SIZE_PTR		((void *)16)
#define ZERO_OR_NULL_PTR(x)	((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)

void *kmalloc(size_t size, gfp_t flags) __malloc;
void *kzalloc(size_t size, gfp_t flags) __malloc;
void *kcalloc(size_t n, size_t size, gfp_t flags) __malloc;
void *kmalloc_array(size_t n, size_t size, gfp_t flags) __malloc;
void *krealloc(const void *p, size_t new_size, gfp_t flags) __must_check;
void kfree(const void *objp);
size_t ksize(const void *objp);

char *kstrdup(const char *s, gfp_t gfp) __malloc;
char *kstrndup(const char *s, size_t max, gfp_t gfp) __malloc;
void *kmemdup(const void *src, size_t len, gfp_t gfp) __malloc;

#define kfree_sensitive(p)	kfree(p)

#endif
