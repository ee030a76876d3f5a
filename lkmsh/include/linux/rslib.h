/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/rslib.h>, the generic Reed-Solomon codec of Linux 6.1
 * (lib/reed_solomon/). init_rs() finds or builds a codec for a Galois field
 * GF(2^symsize) and a generator polynomial of nroots roots, shared by every
 * rs_control asking for the same parameters; encode_rs8/16 compute parity,
 * decode_rs8/16 correct errors and erasures. All four coders are built in
 * (Linux's CONFIG_REED_SOLOMON_ENC8/DEC8/ENC16/DEC16), in lkmsh's kernel
 * library (lkmsh/klib/rslib.c).
 */
#ifndef _LKMSH_LINUX_RSLIB_H
#define _LKMSH_LINUX_RSLIB_H

#include <linux/list.h>
#include <linux/types.h>
#include <linux/gfp.h>

#ifndef CONFIG_REED_SOLOMON_ENC8
#define CONFIG_REED_SOLOMON_ENC8 1
#endif
#ifndef CONFIG_REED_SOLOMON_DEC8
#define CONFIG_REED_SOLOMON_DEC8 1
#endif
#ifndef CONFIG_REED_SOLOMON_ENC16
#define CONFIG_REED_SOLOMON_ENC16 1
#endif
#ifndef CONFIG_REED_SOLOMON_DEC16
#define CONFIG_REED_SOLOMON_DEC16 1
#endif

/* One codec: the field's log/antilog tables and the generator, in index form. */
struct rs_codec {
	int		mm;		/* bits per symbol */
	int		nn;		/* symbols per block, (1 << mm) - 1 */
	uint16_t	*alpha_to;	/* index -> polynomial form */
	uint16_t	*index_of;	/* polynomial -> index form (nn for zero) */
	uint16_t	*genpoly;	/* generator polynomial, index form */
	int		nroots;		/* parity symbols */
	int		fcr;		/* first consecutive root, index form */
	int		prim;		/* primitive element, index form */
	int		iprim;		/* prim-th root of 1, index form */
	int		gfpoly;		/* field generator polynomial */
	int		(*gffunc)(int);	/* or the function stepping the field */
	int		users;
	struct list_head list;
};

/* One user's handle: the codec and the decoder's scratch buffers. */
struct rs_control {
	struct rs_codec	*codec;
	uint16_t	buffers[];
};

int encode_rs8(struct rs_control *rs, uint8_t *data, int len, uint16_t *par,
	       uint16_t invmsk);
int decode_rs8(struct rs_control *rs, uint8_t *data, uint16_t *par, int len,
	       uint16_t *s, int no_eras, int *eras_pos, uint16_t invmsk,
	       uint16_t *corr);
int encode_rs16(struct rs_control *rs, uint16_t *data, int len, uint16_t *par,
		uint16_t invmsk);
int decode_rs16(struct rs_control *rs, uint16_t *data, uint16_t *par, int len,
		uint16_t *s, int no_eras, int *eras_pos, uint16_t invmsk,
		uint16_t *corr);

struct rs_control *init_rs_gfp(int symsize, int gfpoly, int fcr, int prim,
			       int nroots, gfp_t gfp);

static inline struct rs_control *init_rs(int symsize, int gfpoly, int fcr,
					 int prim, int nroots)
{
	return init_rs_gfp(symsize, gfpoly, fcr, prim, nroots, GFP_KERNEL);
}

struct rs_control *init_rs_non_canonical(int symsize, int (*func)(int),
					 int fcr, int prim, int nroots);

void free_rs(struct rs_control *rs);

/*
 * x modulo nn without a division: 2^mm is 1 modulo nn, so the bits above mm
 * fold onto the low ones (a plain % would do too; Linux's callers use this).
 */
static inline int rs_modnn(struct rs_codec *rs, int x)
{
	while (x >= rs->nn) {
		x -= rs->nn;
		x = (x >> rs->mm) + (x & rs->nn);
	}
	return x;
}

#endif
