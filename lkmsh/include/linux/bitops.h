/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: bit operations, as Linux's <linux/bitops.h> and <linux/find.h>:
 * atomic set_bit/clear_bit/change_bit/test_and_*_bit, their non-atomic __
 * forms, test_bit; the find_*_bit searches are <linux/find.h>'s.
 */
#ifndef _LKMSH_LINUX_BITOPS_H
#define _LKMSH_LINUX_BITOPS_H

#include <linux/compiler.h>
#include <linux/types.h>

#include <linux/find.h>	/* find_first_bit, find_next_bit, for_each_set_bit, ... */

#define BITS_PER_BYTE		8
#ifndef BIT_MASK
#define BIT_MASK(nr)		(1UL << ((nr) % BITS_PER_LONG))
#endif
#ifndef BIT_WORD
#define BIT_WORD(nr)		((nr) / BITS_PER_LONG)
#endif
#ifndef BITS_TO_LONGS
#define BITS_TO_LONGS(nr)	(((nr) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#endif
#ifndef DECLARE_BITMAP
#define DECLARE_BITMAP(name, bits)	unsigned long name[BITS_TO_LONGS(bits)]
#endif

static __always_inline void set_bit(long nr, volatile unsigned long *addr)
{ __atomic_fetch_or(&addr[BIT_WORD(nr)], BIT_MASK(nr), __ATOMIC_RELAXED); }
static __always_inline void clear_bit(long nr, volatile unsigned long *addr)
{ __atomic_fetch_and(&addr[BIT_WORD(nr)], ~BIT_MASK(nr), __ATOMIC_RELAXED); }
static __always_inline void change_bit(long nr, volatile unsigned long *addr)
{ __atomic_fetch_xor(&addr[BIT_WORD(nr)], BIT_MASK(nr), __ATOMIC_RELAXED); }
static __always_inline bool test_and_set_bit(long nr, volatile unsigned long *addr)
{ return __atomic_fetch_or(&addr[BIT_WORD(nr)], BIT_MASK(nr), __ATOMIC_SEQ_CST) & BIT_MASK(nr); }
static __always_inline bool test_and_clear_bit(long nr, volatile unsigned long *addr)
{ return __atomic_fetch_and(&addr[BIT_WORD(nr)], ~BIT_MASK(nr), __ATOMIC_SEQ_CST) & BIT_MASK(nr); }
static __always_inline bool test_and_change_bit(long nr, volatile unsigned long *addr)
{ return __atomic_fetch_xor(&addr[BIT_WORD(nr)], BIT_MASK(nr), __ATOMIC_SEQ_CST) & BIT_MASK(nr); }
static __always_inline bool generic_test_bit(long nr, const volatile unsigned long *addr)
{ return (addr[BIT_WORD(nr)] >> (nr & (BITS_PER_LONG - 1))) & 1UL; }
/* the same read without volatile, so gcc folds it when the word is known (as 6.1's) */
static __always_inline bool const_test_bit(long nr, const volatile unsigned long *addr)
{ return (((const unsigned long *)addr)[BIT_WORD(nr)] >> (nr & (BITS_PER_LONG - 1))) & 1UL; }
#define test_bit(nr, addr)							\
	((__builtin_constant_p(nr) && __builtin_constant_p((uintptr_t)(addr) != 0) &&	\
	  (uintptr_t)(addr) != 0 &&						\
	  __builtin_constant_p(*(const unsigned long *)(addr))) ?		\
	 const_test_bit(nr, addr) : generic_test_bit(nr, addr))
#define clear_bit_unlock(nr, addr)	clear_bit(nr, addr)
#define test_and_set_bit_lock(nr, addr)	test_and_set_bit(nr, addr)

/* the non-atomic forms are plain (not volatile) stores, as Linux's generic-non-atomic.h */
static __always_inline void __set_bit(long nr, volatile unsigned long *addr)
{ ((unsigned long *)addr)[BIT_WORD(nr)] |= BIT_MASK(nr); }
static __always_inline void __clear_bit(long nr, volatile unsigned long *addr)
{ ((unsigned long *)addr)[BIT_WORD(nr)] &= ~BIT_MASK(nr); }
static __always_inline void __change_bit(long nr, volatile unsigned long *addr)
{ ((unsigned long *)addr)[BIT_WORD(nr)] ^= BIT_MASK(nr); }
static __always_inline bool __test_and_set_bit(long nr, volatile unsigned long *addr)
{ bool old = test_bit(nr, addr); __set_bit(nr, addr); return old; }
static __always_inline bool __test_and_clear_bit(long nr, volatile unsigned long *addr)
{ bool old = test_bit(nr, addr); __clear_bit(nr, addr); return old; }

static __always_inline unsigned long __ffs(unsigned long word) { return __builtin_ctzl(word); }
static __always_inline unsigned long __fls(unsigned long word)
{ return BITS_PER_LONG - 1 - __builtin_clzl(word); }
static __always_inline unsigned long ffz(unsigned long word) { return __ffs(~word); }
static __always_inline int ffs(int x) { return __builtin_ffs(x); }
static __always_inline int fls(unsigned int x) { return x ? 32 - __builtin_clz(x) : 0; }
static __always_inline int fls64(u64 x) { return x ? 64 - __builtin_clzll(x) : 0; }
/*
 * Population counts in plain C, as lib/hweight.c's software fallback: gcc's
 * __builtin_popcount would call libgcc's __popcountdi2, which no kernel has.
 */
static __always_inline unsigned int __sw_hweight32(unsigned int w)
{
	w -= (w >> 1) & 0x55555555u;
	w = (w & 0x33333333u) + ((w >> 2) & 0x33333333u);
	w = (w + (w >> 4)) & 0x0f0f0f0fu;
	return (w * 0x01010101u) >> 24;
}

static __always_inline unsigned long __sw_hweight64(u64 w)
{
	w -= (w >> 1) & 0x5555555555555555ull;
	w = (w & 0x3333333333333333ull) + ((w >> 2) & 0x3333333333333333ull);
	w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (w * 0x0101010101010101ull) >> 56;
}

static __always_inline unsigned int hweight8(unsigned int w) { return __sw_hweight32(w & 0xff); }
static __always_inline unsigned int hweight16(unsigned int w) { return __sw_hweight32(w & 0xffff); }
static __always_inline unsigned int hweight32(unsigned int w) { return __sw_hweight32(w); }
static __always_inline unsigned long hweight64(u64 w) { return __sw_hweight64(w); }
static __always_inline unsigned long hweight_long(unsigned long w) { return __sw_hweight64(w); }

#endif
