/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/kasan.h> as Linux 6.1 has it without CONFIG_KASAN (Debian's
 * kernels are built without it). lkmsh's own KASAN-style reports cover heap
 * misuse at kfree/vfree, not every load and store, so there is no shadow
 * memory to pause: these are the no-ops Linux's header has for that case.
 */
#ifndef _LKMSH_LINUX_KASAN_H
#define _LKMSH_LINUX_KASAN_H

#include <linux/types.h>

static inline void kasan_enable_current(void) {}
static inline void kasan_disable_current(void) {}

static inline void *kasan_reset_tag(const void *addr)
{
	return (void *)addr;
}

static inline bool kasan_enabled(void)
{
	return false;
}

#endif
