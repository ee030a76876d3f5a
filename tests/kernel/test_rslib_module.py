"""<linux/rslib.h> from a module written the way drivers use the Reed-Solomon library.

"rsecc" protects a 8-bit block as NAND ECC code does (init_rs(8, 0x11d, ...),
encode_rs8 over the data, decode_rs8 in place or into a correction buffer)
and a 10-bit one with the 16-bit coders. It prints what the test checks
against its own GF(2^m) arithmetic: the parity an encoder must give, and the
corrections. Codecs are shared by parameters (users counted), the
non-canonical form takes a module function stepping the field. Both
architectures.
"""

from __future__ import annotations

import re

from kernel_helpers import texts

from lkmsh.kernel.kernel import Kernel

RSECC = r"""
#include <linux/module.h>
#include <linux/rslib.h>
#include <linux/slab.h>
#include <linux/string.h>

#define NROOTS 16
#define LEN 64

static struct rs_control *rs8, *rs8_again, *rs10, *rs_nc;
static uint8_t data[LEN], sent[LEN];
static uint16_t par[NROOTS], sent_par[NROOTS];

/* the field GF(2^8) of 0x11d, stepped by the module: next element, or 1 for 0 */
static int gf256_next(int x)
{
	if (!x)
		return 1;
	x <<= 1;
	return x & 0x100 ? x ^ 0x11d : x;
}

static void fill(void)
{
	int i;

	for (i = 0; i < LEN; i++)
		data[i] = (i * 37 + 11) & 0xff;
	memset(par, 0, sizeof(par));
	encode_rs8(rs8, data, LEN, par, 0);
	memcpy(sent, data, LEN);
	memcpy(sent_par, par, sizeof(par));
}

static int check_decodes(void)
{
	static const int where[] = { 0, 5, 9, 20, 33, 47, 62, 63 };
	int eras_pos[NROOTS];
	uint16_t corr[NROOTS];
	int i, n;

	fill();
	pr_info("rsecc: parity %*ph\n", NROOTS * 2, par);

	/* t = 8 errors, in place */
	for (i = 0; i < ARRAY_SIZE(where); i++)
		data[where[i]] ^= 0x5a + i;
	n = decode_rs8(rs8, data, par, LEN, NULL, 0, NULL, 0, NULL);
	pr_info("rsecc: 8 errors: %d, %s\n", n, memcmp(data, sent, LEN) ? "wrong" : "restored");

	/* 6 errors (two in the parity) reported, not applied */
	fill();
	data[3] ^= 1; data[17] ^= 0x80; data[40] ^= 0xff; data[41] ^= 7;
	par[0] ^= 0x33; par[15] ^= 0x44;
	n = decode_rs8(rs8, data, par, LEN, NULL, 0, eras_pos, 0, corr);
	pr_info("rsecc: corrections %d:", n);
	for (i = 0; i < n && i < NROOTS; i++)
		pr_cont(" %d^%02x", eras_pos[i], corr[i]);
	pr_cont("\n");

	/* 16 erasures, half of them with the symbol intact */
	fill();
	for (i = 0; i < NROOTS; i++) {
		eras_pos[i] = i * 4 + 1;
		if (i & 1)
			data[eras_pos[i]] ^= 0x21;
	}
	n = decode_rs8(rs8, data, par, LEN, NULL, NROOTS, eras_pos, 0, NULL);
	pr_info("rsecc: 16 erasures: %d, %s\n", n, memcmp(data, sent, LEN) ? "wrong" : "restored");

	/* a codeword's syndrome given by the caller (index form: all nn) */
	for (i = 0; i < NROOTS; i++)
		corr[i] = rs8->codec->nn;
	pr_info("rsecc: zero syndrome: %d\n",
		decode_rs8(rs8, NULL, NULL, LEN, corr, 0, NULL, 0, NULL));

	/* 9 errors: beyond the code, detected */
	fill();
	for (i = 0; i < 9; i++)
		data[i * 7] ^= 0x11 * (i + 1);
	pr_info("rsecc: 9 errors: %d\n", decode_rs8(rs8, data, par, LEN, NULL, 0, NULL, 0, NULL));

	/* the inverted-data mask: parity of ~data equals parity with invmsk 0xff */
	memset(par, 0, sizeof(par));
	encode_rs8(rs8, sent, LEN, par, 0xff);
	for (i = 0; i < LEN; i++)
		data[i] = ~sent[i];
	memset(sent_par, 0, sizeof(sent_par));
	encode_rs8(rs8, data, LEN, sent_par, 0);
	pr_info("rsecc: invmsk %s\n", memcmp(par, sent_par, sizeof(par)) ? "differs" : "matches");

	pr_info("rsecc: too long: %d\n", encode_rs8(rs8, data, 255 - NROOTS + 1, par, 0));
	return 0;
}

static int check_wide(void)
{
	uint16_t w[100], w_sent[100], p[6] = { 0 };
	int i, n;

	for (i = 0; i < 100; i++)
		w[i] = (i * 977 + 5) & 0x3ff;
	encode_rs16(rs10, w, 100, p, 0);
	pr_info("rsecc: wide parity %03x %03x %03x %03x %03x %03x\n",
		p[0], p[1], p[2], p[3], p[4], p[5]);
	memcpy(w_sent, w, sizeof(w));
	w[1] ^= 0x3ff; w[50] ^= 0x100; w[99] ^= 1;
	n = decode_rs16(rs10, w, p, 100, NULL, 0, NULL, 0, NULL);
	pr_info("rsecc: wide 3 errors: %d, %s\n", n, memcmp(w, w_sent, sizeof(w)) ? "wrong" : "restored");
	return 0;
}

static int __init rsecc_init(void)
{
	pr_info("rsecc: bad symsize %p, not primitive %p\n",
		init_rs(0, 0x11d, 0, 1, NROOTS), init_rs(8, 0x101, 0, 1, NROOTS));

	rs8 = init_rs(8, 0x11d, 0, 1, NROOTS);
	rs8_again = init_rs_gfp(8, 0x11d, 0, 1, NROOTS, GFP_KERNEL);
	rs10 = init_rs(10, 0x409, 1, 1, 6);
	rs_nc = init_rs_non_canonical(8, gf256_next, 0, 1, NROOTS);
	if (!rs8 || !rs8_again || !rs10 || !rs_nc)
		goto fail;
	pr_info("rsecc: shared %d users %d, non-canonical %s tables %s\n",
		rs8->codec == rs8_again->codec, rs8->codec->users,
		rs_nc->codec == rs8->codec ? "shares" : "has its own",
		memcmp(rs_nc->codec->alpha_to, rs8->codec->alpha_to, 256 * 2) ? "differ" : "match");
	pr_info("rsecc: codec mm %d nn %d nroots %d fcr %d prim %d iprim %d\n",
		rs10->codec->mm, rs10->codec->nn, rs10->codec->nroots, rs10->codec->fcr,
		rs10->codec->prim, rs10->codec->iprim);
	free_rs(rs8_again);
	pr_info("rsecc: users after a free %d\n", rs8->codec->users);
	check_decodes();
	check_wide();
	return 0;
fail:
	free_rs(rs_nc);
	free_rs(rs10);
	free_rs(rs8_again);
	free_rs(rs8);
	return -ENOMEM;
}

static void __exit rsecc_exit(void)
{
	free_rs(rs_nc);
	free_rs(rs10);
	free_rs(rs8);
	pr_info("rsecc: freed\n");
}

module_init(rsecc_init);
module_exit(rsecc_exit);
MODULE_LICENSE("GPL");
"""


class Field:
    """GF(2^m) of a primitive polynomial, for the test's own encoder."""

    def __init__(self, m: int, poly: int):
        self.nn = (1 << m) - 1
        self.exp, self.log = [0] * (2 * self.nn), [0] * (self.nn + 1)
        x = 1
        for i in range(self.nn):
            self.exp[i] = self.exp[i + self.nn] = x
            self.log[x] = i
            x <<= 1
            if x >> m:
                x ^= poly

    def mul(self, a: int, b: int) -> int:
        return 0 if not a or not b else self.exp[self.log[a] + self.log[b]]

    def parity(self, data: list[int], fcr: int, prim: int, nroots: int) -> list[int]:
        """The remainder of data(x) x^nroots by g(x) = prod (x - alpha^(prim (fcr + i))),
        highest coefficient first (the systematic code's parity)."""
        g = [1]
        for i in range(nroots):
            root = self.exp[(prim * (fcr + i)) % self.nn]
            g = [a ^ self.mul(b, root) for a, b in zip([*g, 0], [0, *g], strict=True)]
        rem = list(data) + [0] * nroots
        for i in range(len(data)):
            coef = rem[i]
            if coef:
                for j in range(nroots + 1):
                    rem[i + j] ^= self.mul(g[j], coef)
        return rem[len(data) :]


def _lines(kernel) -> list[str]:
    return [
        t.removeprefix("rsecc: ")
        for t in texts(kernel)
        if t.startswith("rsecc: ") and "taints" not in t
    ]


def test_a_driver_encodes_and_corrects_blocks(arch_kernel):
    kernel, build = arch_kernel
    kernel.module_load(build(RSECC, "rsecc"))
    log = _lines(kernel)
    assert log[0] == "bad symsize 0000000000000000, not primitive 0000000000000000"
    assert log[1:4] == [
        "shared 1 users 2, non-canonical has its own tables match",
        "codec mm 10 nn 1023 nroots 6 fcr 1 prim 1 iprim 1",
        "users after a free 1",
    ]
    gf8 = Field(8, 0x11D)
    data = [(i * 37 + 11) & 0xFF for i in range(64)]
    want = gf8.parity(data, 0, 1, 16)
    # par[] is uint16_t: %*ph shows each symbol as two little-endian bytes
    assert log[4] == "parity " + " ".join(f"{p:02x} 00" for p in want)
    assert log[5] == "8 errors: 8, restored"
    # positions count from the first data symbol on, through the parity, in the
    # order the Chien search finds them (ascending, with prim 1)
    assert log[6] == "corrections 6: 3^01 17^80 40^ff 41^07 64^33 79^44"
    assert log[7] == "16 erasures: 8, restored"  # the intact half needs no correction
    assert log[8] == "zero syndrome: 0"
    assert log[9] == "9 errors: -74"  # -EBADMSG
    assert log[10] == "invmsk matches"
    assert log[11] == "too long: -34"  # -ERANGE
    gf10 = Field(10, 0x409)
    wide = [(i * 977 + 5) & 0x3FF for i in range(100)]
    assert log[12] == "wide parity " + " ".join(f"{p:03x}" for p in gf10.parity(wide, 1, 1, 6))
    assert log[13] == "wide 3 errors: 3, restored"
    kernel.module_unload("rsecc")
    assert _lines(kernel)[-1] == "freed"
    assert kernel.heap.allocations("rsecc") == []
    assert kernel.rs_codecs.codecs == []  # each codec went with its last user


def test_codecs_are_kept_with_the_saved_kernel(tmp_path):
    from lkmsh.build import build_module

    src = tmp_path / "rsecc.c"
    src.write_text(RSECC)
    kernel = Kernel()
    kernel.module_load(build_module([src], tmp_path / "rsecc.ko"))
    assert [(c.symsize, c.users) for c in kernel.rs_codecs.codecs] == [(8, 1), (10, 1), (8, 1)]
    again = Kernel.from_state(kernel.export_state())
    assert again.rs_codecs.codecs == kernel.rs_codecs.codecs
    again.module_unload("rsecc")
    assert again.rs_codecs.codecs == []
    assert not [t for t in texts(again) if re.search("BUG|leak|WARNING", t)]
