/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/math64.h> for a 64-bit kernel: the divisions are inline, as
 * Linux's for BITS_PER_LONG == 64; mul_u64_u64_div_u64 is out of line
 * (lkmsh/klib/math.c) with a 128-bit intermediate.
 */
#ifndef _LKMSH_LINUX_MATH64_H
#define _LKMSH_LINUX_MATH64_H

#include <linux/types.h>

#define div64_long(x, y) div64_s64((x), (y))
#define div64_ul(x, y)   div64_u64((x), (y))

static inline u64 div_u64_rem(u64 dividend, u32 divisor, u32 *remainder)
{
	*remainder = dividend % divisor;
	return dividend / divisor;
}

static inline s64 div_s64_rem(s64 dividend, s32 divisor, s32 *remainder)
{
	*remainder = dividend % divisor;
	return dividend / divisor;
}

static inline u64 div64_u64_rem(u64 dividend, u64 divisor, u64 *remainder)
{
	*remainder = dividend % divisor;
	return dividend / divisor;
}

static inline u64 div64_u64(u64 dividend, u64 divisor)
{
	return dividend / divisor;
}

static inline s64 div64_s64(s64 dividend, s64 divisor)
{
	return dividend / divisor;
}

static inline u64 div_u64(u64 dividend, u32 divisor)
{
	u32 remainder;

	return div_u64_rem(dividend, divisor, &remainder);
}

static inline s64 div_s64(s64 dividend, s32 divisor)
{
	s32 remainder;

	return div_s64_rem(dividend, divisor, &remainder);
}

u64 mul_u64_u64_div_u64(u64 a, u64 mul, u64 div);

static inline u64 mul_u32_u32(u32 a, u32 b)
{
	return (u64)a * b;
}

static inline u64 mul_u64_u32_shr(u64 a, u32 mul, unsigned int shift)
{
	u32 ah = a >> 32, al = (u32)a;
	u64 ret;

	ret = mul_u32_u32(al, mul) >> shift;
	if (ah)
		ret += mul_u32_u32(ah, mul) << (32 - shift);
	return ret;
}

#define DIV64_U64_ROUND_UP(ll, d)	\
	({ u64 _tmp = (d); div64_u64((ll) + _tmp - 1, _tmp); })

#define DIV64_U64_ROUND_CLOSEST(dividend, divisor)	\
	({ u64 _tmp = (divisor); div64_u64((dividend) + _tmp / 2, _tmp); })

#define DIV_U64_ROUND_CLOSEST(dividend, divisor)	\
	({ u32 _tmp = (divisor); div_u64((u64)(dividend) + _tmp / 2, _tmp); })

#define DIV_S64_ROUND_CLOSEST(dividend, divisor)(			\
{									\
	s64 __x = (dividend);						\
	s32 __d = (divisor);						\
	((__x > 0) == (__d > 0)) ?					\
		div_s64((__x + (__d / 2)), __d) :			\
		div_s64((__x - (__d / 2)), __d);			\
}									\
)

#endif
