// SPDX-License-Identifier: MIT
/* lib/math: gcd, lcm, int_sqrt, rational_best_approximation, mul_u64_u64_div_u64. */
#include "klib.h"

unsigned long gcd(unsigned long a, unsigned long b)
{
	while (b) {
		unsigned long t = a % b;

		a = b;
		b = t;
	}
	return a;
}

unsigned long lcm(unsigned long a, unsigned long b)
{
	if (a && b)
		return (a / gcd(a, b)) * b;
	return 0;
}

unsigned long lcm_not_zero(unsigned long a, unsigned long b)
{
	unsigned long l = lcm(a, b);

	if (l)
		return l;
	return b ? b : a;
}

unsigned long int_sqrt(unsigned long x)
{
	unsigned long b, m, y = 0;

	if (x <= 1)
		return x;
	m = 1UL << ((BITS_PER_LONG - 1 - __builtin_clzl(x)) & ~1UL);
	while (m != 0) {
		b = y + m;
		y >>= 1;
		if (x >= b) {
			x -= b;
			y += m;
		}
		m >>= 2;
	}
	return y;
}

u32 int_sqrt64(u64 x)
{
	return (u32)int_sqrt(x);
}

/* The best approximation of given/given_d with numerator and denominator in range. */
void rational_best_approximation(unsigned long given_numerator, unsigned long given_denominator,
				 unsigned long max_numerator, unsigned long max_denominator,
				 unsigned long *best_numerator, unsigned long *best_denominator)
{
	unsigned long n = given_numerator, d = given_denominator;
	unsigned long n0 = 0, d1 = 0, n1 = 1, d0 = 1;

	for (;;) {
		unsigned long dp, a;

		if (d == 0)
			break;
		dp = d;
		a = n / d;
		d = n % d;
		n = dp;
		/* n1 and d1 would overflow the bounds with this term: pick a semiconvergent */
		{
			unsigned long n2 = n0 + a * n1, d2 = d0 + a * d1;

			if (n2 > max_numerator || d2 > max_denominator) {
				unsigned long t = ~0UL;

				if (d1)
					t = (max_denominator - d0) / d1;
				if (n1) {
					unsigned long tn = (max_numerator - n0) / n1;

					if (tn < t)
						t = tn;
				}
				if (!d1 || 2u * t > a || (2u * t == a && d0 * dp > d1 * d)) {
					n1 = n0 + t * n1;
					d1 = d0 + t * d1;
				}
				break;
			}
			n0 = n1;
			n1 = n2;
			d0 = d1;
			d1 = d2;
		}
	}
	*best_numerator = n1;
	*best_denominator = d1;
}

/* (a * b) / c with a 128-bit intermediate, by shift and subtract (no libgcc). */
u64 mul_u64_u64_div_u64(u64 a, u64 b, u64 c)
{
	u64 hi, lo, q = 0, r = 0;
	int i;
	u64 a_lo = (u32)a, a_hi = a >> 32, b_lo = (u32)b, b_hi = b >> 32;
	u64 p0 = a_lo * b_lo, p1 = a_lo * b_hi, p2 = a_hi * b_lo, p3 = a_hi * b_hi;
	u64 mid = (p0 >> 32) + (u32)p1 + (u32)p2;

	lo = (mid << 32) | (u32)p0;
	hi = p3 + (p1 >> 32) + (p2 >> 32) + (mid >> 32);
	if (!c)
		return ~0ULL; /* Linux divides by zero here; lkmsh saturates */
	for (i = 127; i >= 0; i--) {
		u64 bit = i >= 64 ? (hi >> (i - 64)) & 1 : (lo >> i) & 1;
		int carry = r >> 63;

		r = (r << 1) | bit;
		if (carry || r >= c) {
			r -= c;
			if (i < 64)
				q |= 1ULL << i;
		}
	}
	return q;
}
