// SPDX-License-Identifier: MIT
/*
 * lib/reed_solomon/'s coders: encode_rs8/16 and decode_rs8/16 over a codec
 * that init_rs() (kapi/rslib.py, which keeps Linux's list of shared codecs)
 * built. Self-tests run them hundreds of thousands of times, so they run here
 * rather than behind a trap.
 *
 * Arithmetic is in GF(2^mm) with the codec's tables: a symbol's "index form"
 * is its logarithm (nn standing for zero), products are sums of logarithms
 * modulo nn. A received word of len data and nroots parity symbols is the
 * tail of a codeword of nn symbols whose first pad ones are zero.
 *
 * The decoder does what Linux 6.1's does, step for step where a result
 * shows: syndromes, the erasure locator, Berlekamp-Massey for the
 * error+erasure locator, a Chien search (stopping
 * at deg(lambda) roots; a root in the padding is a failure), Forney's error
 * values, and a final check that the correction's syndromes are the word's
 * (what keeps a decode beyond the code's capacity from returning a word that
 * is not a codeword). It returns the number of nonzero corrections or
 * -EBADMSG; with corr and eras_pos it reports them (in the search's order)
 * instead of applying them.
 */
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/rslib.h>
#include <linux/string.h>

/* the decoder's scratch arrays in rs_control->buffers, nroots + 1 each */
enum { B_LAMBDA, B_SYN, B_B, B_T, B_OMEGA, B_ROOT, B_REG, B_LOC };

#define A0(rs) ((rs)->nn) /* log of zero */

static inline __attribute__((always_inline)) u16 sym_at(const void *data, bool wide, int i)
{
	return wide ? ((const u16 *)data)[i] : ((const u8 *)data)[i];
}

static inline __attribute__((always_inline)) void sym_xor(void *data, bool wide, int i, u16 v)
{
	if (wide)
		((u16 *)data)[i] ^= v;
	else
		((u8 *)data)[i] ^= (u8)v;
}

/* alpha^(a + b) for logs a, b */
static inline u16 alpha_sum(struct rs_codec *rs, int a, int b)
{
	return rs->alpha_to[rs_modnn(rs, a + b)];
}

static inline __attribute__((always_inline)) int encode(struct rs_control *rsc, const void *data,
							bool wide, int len, u16 *par, u16 invmsk)
{
	struct rs_codec *rs = rsc->codec;
	int nn = rs->nn, nroots = rs->nroots;
	const u16 *g = rs->genpoly;
	u16 msk = (u16)nn;
	int pad = nn - nroots - len, i, j;

	if (pad < 0 || pad >= nn)
		return -ERANGE;
	if (!nroots)
		return 0;
	/* divide data(x) * x^nroots by g(x), one symbol at a time (an LFSR) */
	for (i = 0; i < len; i++) {
		int fb = rs->index_of[((sym_at(data, wide, i) ^ invmsk) & msk) ^ par[0]];

		if (fb == A0(rs)) {
			memmove(par, par + 1, (nroots - 1) * sizeof(*par));
			par[nroots - 1] = 0;
			continue;
		}
		for (j = 0; j < nroots - 1; j++)
			par[j] = par[j + 1] ^ alpha_sum(rs, fb, g[nroots - 1 - j]);
		par[nroots - 1] = alpha_sum(rs, fb, g[0]);
	}
	return 0;
}

/* syn[0..nroots) of the received word, in index form; false when all are zero */
static inline __attribute__((always_inline)) bool syndromes(struct rs_codec *rs, const void *data,
							    bool wide, const u16 *par, int len,
							    u16 invmsk, u16 *syn)
{
	int nroots = rs->nroots, i, j;
	u16 msk = (u16)rs->nn, any = 0;

	for (i = 0; i < nroots; i++) {
		int step = (rs->fcr + i) * rs->prim; /* the i-th root's log */
		u16 v = 0;

		/* Horner: v = v * root + symbol, over data then parity */
		for (j = 0; j < len + nroots; j++) {
			u16 s = j < len ? (sym_at(data, wide, j) ^ invmsk) & msk : par[j - len] & msk;

			v = v ? s ^ alpha_sum(rs, rs->index_of[v], step) : s;
		}
		any |= v;
		syn[i] = rs->index_of[v];
	}
	return any != 0;
}

/*
 * Berlekamp-Massey over the syndromes s (index form), starting from the
 * erasure locator already in lambda (polynomial form); b and t are scratch.
 */
static void berlekamp_massey(struct rs_codec *rs, const u16 *s, int no_eras, u16 *lambda, u16 *b,
			     u16 *t)
{
	int nn = rs->nn, nroots = rs->nroots, el = no_eras, r, i;

	for (i = 0; i <= nroots; i++)
		b[i] = rs->index_of[lambda[i]];
	for (r = no_eras + 1; r <= nroots; r++) {
		u16 d = 0;
		int dlog;

		for (i = 0; i < r; i++)
			if (lambda[i] && s[r - 1 - i] != nn)
				d ^= alpha_sum(rs, rs->index_of[lambda[i]], s[r - 1 - i]);
		dlog = rs->index_of[d];
		if (dlog != nn) {
			/* t = lambda - d x b */
			t[0] = lambda[0];
			for (i = 0; i < nroots; i++)
				t[i + 1] = lambda[i + 1] ^ (b[i] != nn ? alpha_sum(rs, dlog, b[i]) : 0);
			if (2 * el <= r + no_eras - 1) {
				/* the locator grows: b = lambda / d */
				el = r + no_eras - el;
				for (i = 0; i <= nroots; i++)
					b[i] = lambda[i] ? rs_modnn(rs, rs->index_of[lambda[i]] - dlog + nn)
							 : nn;
				memcpy(lambda, t, (nroots + 1) * sizeof(*t));
				continue;
			}
			memcpy(lambda, t, (nroots + 1) * sizeof(*t));
		}
		/* b = x b */
		memmove(b + 1, b, nroots * sizeof(*b));
		b[0] = nn;
	}
}

static inline __attribute__((always_inline)) int decode(struct rs_control *rsc, void *data,
							bool wide, u16 *par, int len, u16 *s,
							int no_eras, int *eras_pos, u16 invmsk,
							u16 *corr)
{
	struct rs_codec *rs = rsc->codec;
	int nn = rs->nn, nroots = rs->nroots, fcr = rs->fcr, prim = rs->prim;
	u16 *alpha_to = rs->alpha_to, *index_of = rs->index_of;
	u16 *lambda = rsc->buffers + B_LAMBDA * (nroots + 1);
	u16 *syn = rsc->buffers + B_SYN * (nroots + 1);
	u16 *b = rsc->buffers + B_B * (nroots + 1);
	u16 *t = rsc->buffers + B_T * (nroots + 1);
	u16 *omega = rsc->buffers + B_OMEGA * (nroots + 1);
	u16 *root = rsc->buffers + B_ROOT * (nroots + 1);
	u16 *reg = rsc->buffers + B_REG * (nroots + 1);
	u16 *loc = rsc->buffers + B_LOC * (nroots + 1);
	int pad = nn - nroots - len;
	int deg_lambda, deg_omega, count, fixed, i, j, k;

	BUG_ON(pad < 0 || pad >= nn - nroots);

	if (s) {
		/* the caller's syndromes, index form: all nn is a codeword */
		for (i = 0; i < nroots && s[i] == nn; i++)
			;
		if (i == nroots)
			return 0;
	} else {
		if (!syndromes(rs, data, wide, par, len, invmsk, syn))
			return 0;
		s = syn;
	}
	/* more erasures than the locator holds: Linux writes past its buffers */
	if (no_eras > nroots)
		return -EBADMSG;

	/* lambda = the erasure locator, prod (1 + X_i x), X_i = alpha^(prim (nn-1-loc_i)) */
	memset(lambda, 0, (nroots + 1) * sizeof(*lambda));
	lambda[0] = 1;
	for (i = 0; i < no_eras; i++) {
		int xlog = rs_modnn(rs, prim * (nn - 1 - (eras_pos[i] + pad)));

		for (j = i + 1; j > 0; j--)
			if (lambda[j - 1])
				lambda[j] ^= alpha_sum(rs, xlog, index_of[lambda[j - 1]]);
	}

	berlekamp_massey(rs, s, no_eras, lambda, b, t);

	deg_lambda = 0;
	for (i = 0; i <= nroots; i++) {
		lambda[i] = index_of[lambda[i]];
		if (lambda[i] != nn)
			deg_lambda = i;
	}
	if (!deg_lambda)
		return -EBADMSG; /* nonzero syndromes, yet no error located */

	/* Chien search: lambda(alpha^i) for i = 1..nn; a root i is location k */
	memcpy(reg + 1, lambda + 1, nroots * sizeof(*reg));
	count = 0;
	for (i = 1, k = rs->iprim - 1; i <= nn; i++, k = rs_modnn(rs, k + rs->iprim)) {
		u16 q = 1; /* lambda[0] is 1 */

		for (j = deg_lambda; j > 0; j--) {
			if (reg[j] != nn) {
				reg[j] = rs_modnn(rs, reg[j] + j);
				q ^= alpha_to[reg[j]];
			}
		}
		if (q)
			continue;
		if (k < pad)
			return -EBADMSG; /* an error in the padding, which is zero */
		root[count] = i;
		loc[count] = k;
		if (++count == deg_lambda)
			break;
	}
	if (count != deg_lambda)
		return -EBADMSG;

	/* omega = s lambda mod x^deg_lambda, index form */
	deg_omega = deg_lambda - 1;
	for (i = 0; i <= deg_omega; i++) {
		u16 v = 0;

		for (j = 0; j <= i; j++)
			if (s[i - j] != nn && lambda[j] != nn)
				v ^= alpha_sum(rs, s[i - j], lambda[j]);
		omega[i] = index_of[v];
	}

	/* Forney: error value omega(X^-1) X^-(fcr-1) / lambda'(X^-1), kept in b */
	fixed = 0;
	for (j = 0; j < count; j++) {
		u16 num = 0, den = 0, scale;

		for (i = 0; i <= deg_omega; i++)
			if (omega[i] != nn)
				num ^= alpha_sum(rs, omega[i], i * root[j]);
		if (!num) {
			b[j] = 0;
			continue;
		}
		scale = alpha_to[rs_modnn(rs, root[j] * (fcr - 1) + nn)];
		/* the formal derivative: the odd terms, lambda[i + 1] x^i */
		for (i = min(deg_lambda, nroots - 1) & ~1; i >= 0; i -= 2)
			if (lambda[i + 1] != nn)
				den ^= alpha_sum(rs, lambda[i + 1], i * root[j]);
		b[j] = alpha_to[rs_modnn(rs, index_of[num] + index_of[scale] + nn - index_of[den])];
		fixed++;
	}

	/* the correction must have the word's syndromes */
	for (i = 0; i < nroots; i++) {
		int rlog = rs_modnn(rs, (fcr + i) * prim);
		u16 v = 0;

		for (j = 0; j < count; j++)
			if (b[j])
				v ^= alpha_sum(rs, index_of[b[j]], rs_modnn(rs, rlog * (nn - 1 - loc[j])));
		if (v != alpha_to[s[i]])
			return -EBADMSG;
	}

	if (corr && eras_pos) {
		for (i = 0, j = 0; i < count; i++) {
			if (b[i]) {
				corr[j] = b[i];
				eras_pos[j++] = loc[i] - pad;
			}
		}
	} else if (data && par) {
		for (i = 0; i < count; i++) {
			if (loc[i] < nn - nroots)
				sym_xor(data, wide, loc[i] - pad, b[i]);
			else
				par[loc[i] - pad - len] ^= b[i];
		}
	}
	return fixed;
}

int encode_rs8(struct rs_control *rsc, uint8_t *data, int len, uint16_t *par, uint16_t invmsk)
{
	return encode(rsc, data, false, len, par, invmsk);
}

int encode_rs16(struct rs_control *rsc, uint16_t *data, int len, uint16_t *par, uint16_t invmsk)
{
	return encode(rsc, data, true, len, par, invmsk);
}

int decode_rs8(struct rs_control *rsc, uint8_t *data, uint16_t *par, int len, uint16_t *s,
	       int no_eras, int *eras_pos, uint16_t invmsk, uint16_t *corr)
{
	return decode(rsc, data, false, par, len, s, no_eras, eras_pos, invmsk, corr);
}

int decode_rs16(struct rs_control *rsc, uint16_t *data, uint16_t *par, int len, uint16_t *s,
		int no_eras, int *eras_pos, uint16_t invmsk, uint16_t *corr)
{
	return decode(rsc, data, true, par, len, s, no_eras, eras_pos, invmsk, corr);
}
