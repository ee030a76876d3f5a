// SPDX-License-Identifier: MIT
/* The out-of-line bitmap and find_bit functions of lib/bitmap.c and lib/find_bit.c. */
#include "klib.h"

static inline unsigned long ffs_word(unsigned long w)
{
	return __builtin_ctzl(w);
}

static inline unsigned long fls_word(unsigned long w)
{
	return BITS_PER_LONG - 1 - __builtin_clzl(w);
}

static inline unsigned int weight_word(unsigned long w)
{
	w = w - ((w >> 1) & 0x5555555555555555UL);
	w = (w & 0x3333333333333333UL) + ((w >> 2) & 0x3333333333333333UL);
	w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0fUL;
	return (unsigned int)((w * 0x0101010101010101UL) >> 56);
}

unsigned int __sw_hweight32(unsigned int w)
{
	return weight_word(w);
}

unsigned long __sw_hweight64(u64 w)
{
	return weight_word(w);
}

/* The first bit at or after start that is set in (addr1 [& addr2]) ^ invert, or nbits. */
static unsigned long find_bit(const unsigned long *addr1, const unsigned long *addr2,
			      unsigned long nbits, unsigned long start, unsigned long invert,
			      bool andnot)
{
	unsigned long tmp, idx;

	if (start >= nbits)
		return nbits;
	idx = BIT_WORD(start);
	tmp = addr1[idx];
	if (addr2)
		tmp = andnot ? tmp & ~addr2[idx] : tmp & addr2[idx];
	tmp ^= invert;
	tmp &= BITMAP_FIRST_WORD_MASK(start);
	while (!tmp) {
		idx++;
		if (idx * BITS_PER_LONG >= nbits)
			return nbits;
		tmp = addr1[idx];
		if (addr2)
			tmp = andnot ? tmp & ~addr2[idx] : tmp & addr2[idx];
		tmp ^= invert;
	}
	idx = idx * BITS_PER_LONG + ffs_word(tmp);
	return idx < nbits ? idx : nbits;
}

unsigned long _find_next_bit(const unsigned long *addr, unsigned long nbits, unsigned long start)
{
	return find_bit(addr, NULL, nbits, start, 0, 0);
}

unsigned long _find_next_zero_bit(const unsigned long *addr, unsigned long nbits,
				  unsigned long start)
{
	return find_bit(addr, NULL, nbits, start, ~0UL, 0);
}

unsigned long _find_next_and_bit(const unsigned long *addr1, const unsigned long *addr2,
				 unsigned long nbits, unsigned long start)
{
	return find_bit(addr1, addr2, nbits, start, 0, 0);
}

unsigned long _find_next_andnot_bit(const unsigned long *addr1, const unsigned long *addr2,
				    unsigned long nbits, unsigned long start)
{
	return find_bit(addr1, addr2, nbits, start, 0, 1);
}

unsigned long _find_first_bit(const unsigned long *addr, unsigned long size)
{
	return find_bit(addr, NULL, size, 0, 0, 0);
}

unsigned long _find_first_zero_bit(const unsigned long *addr, unsigned long size)
{
	return find_bit(addr, NULL, size, 0, ~0UL, 0);
}

unsigned long _find_first_and_bit(const unsigned long *addr1, const unsigned long *addr2,
				  unsigned long size)
{
	return find_bit(addr1, addr2, size, 0, 0, 0);
}

unsigned long _find_last_bit(const unsigned long *addr, unsigned long size)
{
	if (size) {
		unsigned long val = BITMAP_LAST_WORD_MASK(size);
		unsigned long idx = (size - 1) / BITS_PER_LONG;

		do {
			val &= addr[idx];
			if (val)
				return idx * BITS_PER_LONG + fls_word(val);
			val = ~0UL;
		} while (idx--);
	}
	return size;
}

bool __bitmap_equal(const unsigned long *a, const unsigned long *b, unsigned int bits)
{
	unsigned int k, lim = bits / BITS_PER_LONG;

	for (k = 0; k < lim; ++k)
		if (a[k] != b[k])
			return 0;
	if (bits % BITS_PER_LONG)
		if ((a[k] ^ b[k]) & BITMAP_LAST_WORD_MASK(bits))
			return 0;
	return 1;
}

void __bitmap_complement(unsigned long *dst, const unsigned long *src, unsigned int bits)
{
	unsigned int k, lim = (bits + BITS_PER_LONG - 1) / BITS_PER_LONG;

	for (k = 0; k < lim; ++k)
		dst[k] = ~src[k];
}

void __bitmap_shift_right(unsigned long *dst, const unsigned long *src, unsigned int shift,
			  unsigned int nbits)
{
	unsigned int k, lim = (nbits + BITS_PER_LONG - 1) / BITS_PER_LONG;
	unsigned int off = shift / BITS_PER_LONG, rem = shift % BITS_PER_LONG;
	unsigned long mask = BITMAP_LAST_WORD_MASK(nbits);

	for (k = 0; off + k < lim; ++k) {
		unsigned long upper, lower;

		if (!rem || off + k + 1 >= lim)
			upper = 0;
		else {
			upper = src[off + k + 1];
			if (off + k + 1 == lim - 1)
				upper &= mask;
			upper <<= (BITS_PER_LONG - rem);
		}
		lower = src[off + k];
		if (off + k == lim - 1)
			lower &= mask;
		lower >>= rem;
		dst[k] = lower | upper;
	}
	for (; k < lim; k++)
		dst[k] = 0;
}

void __bitmap_shift_left(unsigned long *dst, const unsigned long *src, unsigned int shift,
			 unsigned int nbits)
{
	int k;
	unsigned int lim = (nbits + BITS_PER_LONG - 1) / BITS_PER_LONG;
	unsigned int off = shift / BITS_PER_LONG, rem = shift % BITS_PER_LONG;

	for (k = lim - off - 1; k >= 0; --k) {
		unsigned long upper, lower;

		if (rem && k > 0)
			lower = src[k - 1] >> (BITS_PER_LONG - rem);
		else
			lower = 0;
		upper = src[k] << rem;
		dst[k + off] = lower | upper;
	}
	for (k = 0; k < (int)off && k < (int)lim; k++)
		dst[k] = 0;
}

bool __bitmap_and(unsigned long *dst, const unsigned long *b1, const unsigned long *b2,
		  unsigned int bits)
{
	unsigned int k, lim = bits / BITS_PER_LONG;
	unsigned long result = 0;

	for (k = 0; k < lim; k++)
		result |= (dst[k] = b1[k] & b2[k]);
	if (bits % BITS_PER_LONG)
		result |= (dst[k] = b1[k] & b2[k] & BITMAP_LAST_WORD_MASK(bits));
	return result != 0;
}

void __bitmap_or(unsigned long *dst, const unsigned long *b1, const unsigned long *b2,
		 unsigned int bits)
{
	unsigned int k, nr = (bits + BITS_PER_LONG - 1) / BITS_PER_LONG;

	for (k = 0; k < nr; k++)
		dst[k] = b1[k] | b2[k];
}

void __bitmap_xor(unsigned long *dst, const unsigned long *b1, const unsigned long *b2,
		  unsigned int bits)
{
	unsigned int k, nr = (bits + BITS_PER_LONG - 1) / BITS_PER_LONG;

	for (k = 0; k < nr; k++)
		dst[k] = b1[k] ^ b2[k];
}

bool __bitmap_andnot(unsigned long *dst, const unsigned long *b1, const unsigned long *b2,
		     unsigned int bits)
{
	unsigned int k, lim = bits / BITS_PER_LONG;
	unsigned long result = 0;

	for (k = 0; k < lim; k++)
		result |= (dst[k] = b1[k] & ~b2[k]);
	if (bits % BITS_PER_LONG)
		result |= (dst[k] = b1[k] & ~b2[k] & BITMAP_LAST_WORD_MASK(bits));
	return result != 0;
}

void __bitmap_replace(unsigned long *dst, const unsigned long *old, const unsigned long *new,
		      const unsigned long *mask, unsigned int nbits)
{
	unsigned int k, nr = (nbits + BITS_PER_LONG - 1) / BITS_PER_LONG;

	for (k = 0; k < nr; k++)
		dst[k] = (old[k] & ~mask[k]) | (new[k] & mask[k]);
}

bool __bitmap_intersects(const unsigned long *b1, const unsigned long *b2, unsigned int bits)
{
	unsigned int k, lim = bits / BITS_PER_LONG;

	for (k = 0; k < lim; ++k)
		if (b1[k] & b2[k])
			return 1;
	if (bits % BITS_PER_LONG)
		if ((b1[k] & b2[k]) & BITMAP_LAST_WORD_MASK(bits))
			return 1;
	return 0;
}

bool __bitmap_subset(const unsigned long *b1, const unsigned long *b2, unsigned int bits)
{
	unsigned int k, lim = bits / BITS_PER_LONG;

	for (k = 0; k < lim; ++k)
		if (b1[k] & ~b2[k])
			return 0;
	if (bits % BITS_PER_LONG)
		if ((b1[k] & ~b2[k]) & BITMAP_LAST_WORD_MASK(bits))
			return 0;
	return 1;
}

unsigned int __bitmap_weight(const unsigned long *bitmap, unsigned int bits)
{
	unsigned int k, w = 0, lim = bits / BITS_PER_LONG;

	for (k = 0; k < lim; k++)
		w += weight_word(bitmap[k]);
	if (bits % BITS_PER_LONG)
		w += weight_word(bitmap[k] & BITMAP_LAST_WORD_MASK(bits));
	return w;
}

void __bitmap_set(unsigned long *map, unsigned int start, int len)
{
	unsigned long *p = map + BIT_WORD(start);
	const unsigned int size = start + len;
	int bits_to_set = BITS_PER_LONG - (start % BITS_PER_LONG);
	unsigned long mask_to_set = BITMAP_FIRST_WORD_MASK(start);

	while (len - bits_to_set >= 0) {
		*p |= mask_to_set;
		len -= bits_to_set;
		bits_to_set = BITS_PER_LONG;
		mask_to_set = ~0UL;
		p++;
	}
	if (len) {
		mask_to_set &= BITMAP_LAST_WORD_MASK(size);
		*p |= mask_to_set;
	}
}

void __bitmap_clear(unsigned long *map, unsigned int start, int len)
{
	unsigned long *p = map + BIT_WORD(start);
	const unsigned int size = start + len;
	int bits_to_clear = BITS_PER_LONG - (start % BITS_PER_LONG);
	unsigned long mask_to_clear = BITMAP_FIRST_WORD_MASK(start);

	while (len - bits_to_clear >= 0) {
		*p &= ~mask_to_clear;
		len -= bits_to_clear;
		bits_to_clear = BITS_PER_LONG;
		mask_to_clear = ~0UL;
		p++;
	}
	if (len) {
		mask_to_clear &= BITMAP_LAST_WORD_MASK(size);
		*p &= ~mask_to_clear;
	}
}

unsigned long bitmap_find_next_zero_area_off(unsigned long *map, unsigned long size,
					     unsigned long start, unsigned int nr,
					     unsigned long align_mask, unsigned long align_offset)
{
	unsigned long index, end, i;
again:
	index = _find_next_zero_bit(map, size, start);
	index = (((index + align_offset) + align_mask) & ~align_mask) - align_offset;
	end = index + nr;
	if (end > size)
		return end;
	i = _find_next_bit(map, end, index);
	if (i < end) {
		start = i + 1;
		goto again;
	}
	return index;
}

/* The index of the @n-th (from 0) set bit below @size, or @size (lib/find_bit.c). */
unsigned long __find_nth_bit(const unsigned long *addr, unsigned long size, unsigned long n)
{
	unsigned long idx, words = (size + BITS_PER_LONG - 1) / BITS_PER_LONG;

	for (idx = 0; idx < words; idx++) {
		unsigned long w = addr[idx];
		unsigned int count;

		if (idx == words - 1 && size % BITS_PER_LONG)
			w &= BITMAP_LAST_WORD_MASK(size);
		count = weight_word(w);
		if (n >= count) {
			n -= count;
			continue;
		}
		while (n--)
			w &= w - 1;	/* drop the lowest set bit */
		idx = idx * BITS_PER_LONG + ffs_word(w);
		return idx < size ? idx : size;
	}
	return size;
}

/*
 * bitmap_cut(): remove @cut bits starting at @first, the higher ones moving
 * down; the bits below @first stay. @dst and @src may overlap.
 */
void bitmap_cut(unsigned long *dst, const unsigned long *src, unsigned int first,
		unsigned int cut, unsigned int nbits)
{
	unsigned int words = (nbits + BITS_PER_LONG - 1) / BITS_PER_LONG, i, at = first;
	unsigned long low = 0;

	if (!words)
		return;
	if (first % BITS_PER_LONG)
		low = src[first / BITS_PER_LONG] & ~(~0UL << (first % BITS_PER_LONG));
	if (dst != src)
		for (i = 0; i < words; i++)
			dst[i] = src[i];
	/* bit b (b >= first) takes the value of bit b + cut, 0 past the end */
	for (; at < words * BITS_PER_LONG; at++) {
		unsigned long from = at + cut, bit = 0;

		if (from < words * BITS_PER_LONG)
			bit = (dst[from / BITS_PER_LONG] >> (from % BITS_PER_LONG)) & 1;
		if (bit)
			dst[at / BITS_PER_LONG] |= 1UL << (at % BITS_PER_LONG);
		else
			dst[at / BITS_PER_LONG] &= ~(1UL << (at % BITS_PER_LONG));
	}
	dst[first / BITS_PER_LONG] &= ~0UL << (first % BITS_PER_LONG);
	dst[first / BITS_PER_LONG] |= low;
}

/* u32 arrays <-> bitmaps (little-endian 64-bit: two u32 a word), the tail cleared */
void bitmap_from_arr32(unsigned long *bitmap, const u32 *buf, unsigned int nbits)
{
	unsigned int i, halves = (nbits + 31) / 32;

	for (i = 0; i < halves; i++) {
		if (i % 2 == 0)
			bitmap[i / 2] = buf[i];
		else
			bitmap[i / 2] |= (unsigned long)buf[i] << 32;
	}
	if (nbits % BITS_PER_LONG)
		bitmap[(halves - 1) / 2] &= BITMAP_LAST_WORD_MASK(nbits);
}

void bitmap_to_arr32(u32 *buf, const unsigned long *bitmap, unsigned int nbits)
{
	unsigned int i, halves = (nbits + 31) / 32;

	for (i = 0; i < halves; i++)
		buf[i] = i % 2 ? (u32)(bitmap[i / 2] >> 32) : (u32)bitmap[i / 2];
	if (nbits % 32)
		buf[halves - 1] &= ~0U >> (32 - nbits % 32);
}
