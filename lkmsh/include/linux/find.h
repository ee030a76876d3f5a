/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/find.h>: searching bitmaps, as Linux 6.1. The small-constant
 * cases are inline; the rest is lkmsh's kernel library (lkmsh/klib/bitmap.c).
 */
#ifndef _LKMSH_LINUX_FIND_H
#define _LKMSH_LINUX_FIND_H

#include <linux/types.h>
#include <linux/bits.h>
#define small_const_nbits(nbits) \
	(__builtin_constant_p(nbits) && (nbits) <= BITS_PER_LONG && (nbits) > 0)

unsigned long _find_next_bit(const unsigned long *addr1, unsigned long nbits,
			     unsigned long start);
unsigned long _find_next_and_bit(const unsigned long *addr1, const unsigned long *addr2,
				 unsigned long nbits, unsigned long start);
unsigned long _find_next_andnot_bit(const unsigned long *addr1, const unsigned long *addr2,
				    unsigned long nbits, unsigned long start);
unsigned long _find_next_zero_bit(const unsigned long *addr, unsigned long nbits,
				  unsigned long start);
unsigned long _find_first_bit(const unsigned long *addr, unsigned long size);
unsigned long _find_first_and_bit(const unsigned long *addr1, const unsigned long *addr2,
				  unsigned long size);
unsigned long _find_first_zero_bit(const unsigned long *addr, unsigned long size);
unsigned long _find_last_bit(const unsigned long *addr, unsigned long size);

static inline unsigned long __lkmsh_ffs(unsigned long w)
{
	return __builtin_ctzl(w);
}

static inline unsigned long find_next_bit(const unsigned long *addr, unsigned long size,
					  unsigned long offset)
{
	if (small_const_nbits(size)) {
		unsigned long val;

		if (unlikely(offset >= size))
			return size;
		val = *addr & GENMASK(size - 1, offset);
		return val ? __lkmsh_ffs(val) : size;
	}
	return _find_next_bit(addr, size, offset);
}

static inline unsigned long find_next_and_bit(const unsigned long *addr1,
		const unsigned long *addr2, unsigned long size, unsigned long offset)
{
	if (small_const_nbits(size)) {
		unsigned long val;

		if (unlikely(offset >= size))
			return size;
		val = *addr1 & *addr2 & GENMASK(size - 1, offset);
		return val ? __lkmsh_ffs(val) : size;
	}
	return _find_next_and_bit(addr1, addr2, size, offset);
}

static inline unsigned long find_next_andnot_bit(const unsigned long *addr1,
		const unsigned long *addr2, unsigned long size, unsigned long offset)
{
	if (small_const_nbits(size)) {
		unsigned long val;

		if (unlikely(offset >= size))
			return size;
		val = *addr1 & ~*addr2 & GENMASK(size - 1, offset);
		return val ? __lkmsh_ffs(val) : size;
	}
	return _find_next_andnot_bit(addr1, addr2, size, offset);
}

static inline unsigned long find_next_zero_bit(const unsigned long *addr, unsigned long size,
					       unsigned long offset)
{
	if (small_const_nbits(size)) {
		unsigned long val;

		if (unlikely(offset >= size))
			return size;
		val = *addr | ~GENMASK(size - 1, offset);
		return val == ~0UL ? size : __lkmsh_ffs(~val);
	}
	return _find_next_zero_bit(addr, size, offset);
}

static inline unsigned long find_first_bit(const unsigned long *addr, unsigned long size)
{
	if (small_const_nbits(size)) {
		unsigned long val = *addr & GENMASK(size - 1, 0);

		return val ? __lkmsh_ffs(val) : size;
	}
	return _find_first_bit(addr, size);
}

static inline unsigned long find_first_and_bit(const unsigned long *addr1,
					       const unsigned long *addr2, unsigned long size)
{
	if (small_const_nbits(size)) {
		unsigned long val = *addr1 & *addr2 & GENMASK(size - 1, 0);

		return val ? __lkmsh_ffs(val) : size;
	}
	return _find_first_and_bit(addr1, addr2, size);
}

static inline unsigned long find_first_zero_bit(const unsigned long *addr, unsigned long size)
{
	if (small_const_nbits(size)) {
		unsigned long val = *addr | ~GENMASK(size - 1, 0);

		return val == ~0UL ? size : __lkmsh_ffs(~val);
	}
	return _find_first_zero_bit(addr, size);
}

static inline unsigned long find_last_bit(const unsigned long *addr, unsigned long size)
{
	if (small_const_nbits(size)) {
		unsigned long val = *addr & GENMASK(size - 1, 0);

		return val ? 63 - __builtin_clzl(val) : size;
	}
	return _find_last_bit(addr, size);
}

unsigned long __find_nth_bit(const unsigned long *addr, unsigned long size, unsigned long n);

/* the @n-th set bit (from 0) below @size, or @size when there are not that many */
static inline unsigned long find_nth_bit(const unsigned long *addr, unsigned long size,
					 unsigned long n)
{
	if (n >= size)
		return size;
	return __find_nth_bit(addr, size, n);
}

/* the next set bit at or after @offset, wrapping around to the start once */
static inline unsigned long find_next_bit_wrap(const unsigned long *addr, unsigned long size,
					       unsigned long offset)
{
	unsigned long bit = find_next_bit(addr, size, offset);

	if (bit < size)
		return bit;
	bit = find_next_bit(addr, offset, 0);
	return bit < offset ? bit : size;
}

/* for_each_set_bit_wrap()'s step: after @n, the next bit, wrapped, that is not past @start */
static inline unsigned long __for_each_wrap(const unsigned long *addr, unsigned long size,
					    unsigned long start, unsigned long n)
{
	unsigned long bit;

	if (n > start) {
		bit = find_next_bit(addr, size, n);
		if (bit < size)
			return bit;
		n = 0;
	}
	bit = find_next_bit(addr, start, n);
	return bit < start ? bit : size;
}

/* the first 8-bit clump with a set bit at or after @offset; its bits in *@clump */
static inline unsigned long find_next_clump8(unsigned long *clump, const unsigned long *addr,
					     unsigned long size, unsigned long offset)
{
	offset = find_next_bit(addr, size, offset);
	if (offset == size)
		return size;
	offset &= ~7UL;
	*clump = (addr[offset / BITS_PER_LONG] >> (offset % BITS_PER_LONG)) & 0xFF;
	return offset;
}

#define find_first_clump8(clump, bits, size) find_next_clump8((clump), (bits), (size), 0)

#define for_each_set_bit(bit, addr, size) \
	for ((bit) = 0; (bit) = find_next_bit((addr), (size), (bit)), (bit) < (size); (bit)++)

#define for_each_and_bit(bit, addr1, addr2, size) \
	for ((bit) = 0;									\
	     (bit) = find_next_and_bit((addr1), (addr2), (size), (bit)), (bit) < (size);\
	     (bit)++)

#define for_each_set_bit_from(bit, addr, size) \
	for (; (bit) = find_next_bit((addr), (size), (bit)), (bit) < (size); (bit)++)

#define for_each_clear_bit(bit, addr, size) \
	for ((bit) = 0;									\
	     (bit) = find_next_zero_bit((addr), (size), (bit)), (bit) < (size);		\
	     (bit)++)

#define for_each_clear_bit_from(bit, addr, size) \
	for (; (bit) = find_next_zero_bit((addr), (size), (bit)), (bit) < (size); (bit)++)

/* [b, e) runs of set (or clear) bits, from 0 or from b */
#define for_each_set_bitrange(b, e, addr, size)				\
	for ((b) = 0;							\
	     (b) = find_next_bit((addr), (size), b),			\
	     (e) = find_next_zero_bit((addr), (size), (b) + 1),		\
	     (b) < (size);						\
	     (b) = (e) + 1)

#define for_each_set_bitrange_from(b, e, addr, size)			\
	for (;								\
	     (b) = find_next_bit((addr), (size), (b)),			\
	     (e) = find_next_zero_bit((addr), (size), (b) + 1),		\
	     (b) < (size);						\
	     (b) = (e) + 1)

#define for_each_clear_bitrange(b, e, addr, size)			\
	for ((b) = 0;							\
	     (b) = find_next_zero_bit((addr), (size), (b)),		\
	     (e) = find_next_bit((addr), (size), (b) + 1),		\
	     (b) < (size);						\
	     (b) = (e) + 1)

#define for_each_clear_bitrange_from(b, e, addr, size)			\
	for (;								\
	     (b) = find_next_zero_bit((addr), (size), (b)),		\
	     (e) = find_next_bit((addr), (size), (b) + 1),		\
	     (b) < (size);						\
	     (b) = (e) + 1)

/* every set bit, starting at @start and wrapping around */
#define for_each_set_bit_wrap(bit, addr, size, start)			\
	for ((bit) = find_next_bit_wrap((addr), (size), (start));		\
	     (bit) < (size);							\
	     (bit) = __for_each_wrap((addr), (size), (start), (bit) + 1))

#define for_each_set_clump8(start, clump, bits, size)			\
	for ((start) = find_first_clump8(&(clump), (bits), (size));	\
	     (start) < (size);						\
	     (start) = find_next_clump8(&(clump), (bits), (size), (start) + 8))

#endif
