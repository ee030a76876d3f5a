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
#include <linux/bits.h>

#include <linux/find.h>	/* find_first_bit, find_next_bit, for_each_set_bit, ... */

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
 * Population counts as Linux's: folded at build time for constants (usable in
 * constant expressions), else lib/hweight.c's software count (lkmsh's kernel
 * library): module code has no popcount instruction to assume and no libgcc.
 */
unsigned int __sw_hweight32(unsigned int w);
unsigned long __sw_hweight64(u64 w);

#define hweight32(w) (__builtin_constant_p(w) ? (unsigned int)__builtin_popcount((u32)(w)) \
					       : __sw_hweight32(w))
#define hweight16(w) hweight32((u16)(w))
#define hweight8(w) hweight32((u8)(w))
#define hweight64(w) (__builtin_constant_p(w) ? (unsigned long)__builtin_popcountll((u64)(w)) \
					       : __sw_hweight64(w))
#define hweight_long(w) hweight64((unsigned long)(w))

/* The rest of Linux 6.1's <linux/bitops.h> helpers, with its semantics. */
#define BITS_PER_TYPE(type)	(sizeof(type) * BITS_PER_BYTE)
#define BITS_TO_U64(nr)		__KERNEL_DIV_ROUND_UP(nr, BITS_PER_TYPE(u64))
#define BITS_TO_U32(nr)		__KERNEL_DIV_ROUND_UP(nr, BITS_PER_TYPE(u32))
#define BITS_TO_BYTES(nr)	__KERNEL_DIV_ROUND_UP(nr, BITS_PER_TYPE(char))


static __always_inline unsigned int fls_long(unsigned long l) { return l ? fls64(l) : 0; }
static __always_inline unsigned long __ffs64(u64 word) { return __ffs((unsigned long)word); }

static inline int get_bitmask_order(unsigned int count)
{
	return fls(count);
}

/* The order of the smallest power of two >= @count (-1 for 0). */
static inline int get_count_order(unsigned int count)
{
	if (count == 0)
		return -1;
	return fls(--count);
}

static inline int get_count_order_long(unsigned long l)
{
	if (l == 0UL)
		return -1;
	return (int)fls_long(--l);
}

static inline u64 rol64(u64 word, unsigned int shift) { return (word << (shift & 63)) | (word >> ((-shift) & 63)); }
static inline u64 ror64(u64 word, unsigned int shift) { return (word >> (shift & 63)) | (word << ((-shift) & 63)); }
static inline u32 rol32(u32 word, unsigned int shift) { return (word << (shift & 31)) | (word >> ((-shift) & 31)); }
static inline u32 ror32(u32 word, unsigned int shift) { return (word >> (shift & 31)) | (word << ((-shift) & 31)); }
static inline u16 rol16(u16 word, unsigned int shift) { return (word << (shift & 15)) | (word >> ((-shift) & 15)); }
static inline u16 ror16(u16 word, unsigned int shift) { return (word >> (shift & 15)) | (word << ((-shift) & 15)); }
static inline u8 rol8(u8 word, unsigned int shift) { return (word << (shift & 7)) | (word >> ((-shift) & 7)); }
static inline u8 ror8(u8 word, unsigned int shift) { return (word >> (shift & 7)) | (word << ((-shift) & 7)); }

/* Sign-extend @value from bit @index (0-based) upwards. */
static __always_inline s32 sign_extend32(u32 value, int index)
{
	u8 shift = 31 - index;

	return (s32)(value << shift) >> shift;
}

static __always_inline s64 sign_extend64(u64 value, int index)
{
	u8 shift = 63 - index;

	return (s64)(value << shift) >> shift;
}

#endif
