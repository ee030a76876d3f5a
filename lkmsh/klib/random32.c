// SPDX-License-Identifier: MIT
/*
 * lib/random32.c's seedable generator: L'Ecuyer's maximally equidistributed
 * combined Tausworthe generator (taus113), four 32-bit words of state. Module
 * code draws from it in loops (lib/test_parman.c, interval_tree_test.c), so it
 * runs here rather than behind a trap; kapi/random.py's taus113() is the same
 * step in Python and the tests hold the two to GSL's vectors.
 */
#include "klib.h"

struct rnd_state {
	u32 s1, s2, s3, s4;
};

/* One component: shift left by a, xor, shift right by b; mask c, shift left by d. */
#define TAUS(s, a, b, c, d) ((((s) & (c)) << (d)) ^ ((((s) << (a)) ^ (s)) >> (b)))

u32 prandom_u32_state(struct rnd_state *state)
{
	state->s1 = TAUS(state->s1, 6U, 13U, 4294967294U, 18U);
	state->s2 = TAUS(state->s2, 2U, 27U, 4294967288U, 2U);
	state->s3 = TAUS(state->s3, 13U, 21U, 4294967280U, 7U);
	state->s4 = TAUS(state->s4, 3U, 12U, 4294967168U, 13U);
	return state->s1 ^ state->s2 ^ state->s3 ^ state->s4;
}
