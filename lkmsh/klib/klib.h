/* SPDX-License-Identifier: MIT */
/*
 * lkmsh's kernel library: pure C run on the emulated CPU, linked into kernel
 * text (see build.py). No libc; only what the library computes, the
 * callbacks (compare functions) module code gives it, and the few kernel
 * functions build.py's IMPORTS lists (through stubs the kernel fills at boot).
 */
#ifndef _LKMSH_KLIB_H
#define _LKMSH_KLIB_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef unsigned long size_t;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)
#define BITS_PER_LONG 64
#define BIT_WORD(nr) ((nr) / BITS_PER_LONG)
#define BITMAP_FIRST_WORD_MASK(start) (~0UL << ((start) & (BITS_PER_LONG - 1)))
#define BITMAP_LAST_WORD_MASK(nbits) (~0UL >> (-(nbits) & (BITS_PER_LONG - 1)))

struct list_head {
	struct list_head *next, *prev;
};

#endif
