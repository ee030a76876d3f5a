/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/kmemleak.h>. lkmsh's kmemleak scans module memory for
 * pointers into the heap (cat /sys/kernel/debug/kmemleak) and reports what a
 * module leaves at unload; an object the module keeps on purpose with no
 * pointer to it (a hardware-owned buffer, say) is marked with
 * kmemleak_not_leak(): scanned for pointers, never reported.
 */
#ifndef _LKMSH_LINUX_KMEMLEAK_H
#define _LKMSH_LINUX_KMEMLEAK_H

void kmemleak_not_leak(const void *ptr);

#endif
