// SPDX-License-Identifier: GPL-2.0
/*
 * compute: real work in init — CRC-32, a prime sieve, sorting through
 * function pointers, 64-bit arithmetic, a switch-driven stack machine — and
 * prints the results. The same file builds as a host program:
 *
 *   gcc -DHOST_BUILD -O2 -o compute_host compute.c && ./compute_host
 *
 * and both print exactly the same lines, so the emulated CPU can be checked
 * against the real one.
 */
#ifdef HOST_BUILD
#include <stdio.h>

typedef unsigned char u8;
typedef unsigned int u32;
typedef int s32;
typedef unsigned long long u64;
typedef long long s64;
typedef unsigned long size_t_;

#define __init
#define __exit
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define pr_info(fmt, ...) printf("compute: " fmt, ##__VA_ARGS__)
#else
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#endif

/* ---- CRC-32 (IEEE 802.3, reflected), table built at run time ---------- */

static u32 crc_table[256];

static void crc32_build_table(void)
{
	u32 i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static u32 crc32_of(const u8 *buf, unsigned long len)
{
	u32 c = 0xffffffffu;

	while (len--)
		c = crc_table[(c ^ *buf++) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

static const char crc_text[] = "The quick brown fox jumps over the lazy dog";

/* ---- primes below 10000 (sieve of Eratosthenes) ---------------------- */

#define SIEVE_LIMIT 10000
static u8 composite[SIEVE_LIMIT];

static int count_primes(int *largest, u64 *sum)
{
	int i, j, count = 0;

	for (i = 2; i < SIEVE_LIMIT; i++) {
		if (composite[i])
			continue;
		count++;
		*largest = i;
		*sum += (u64)i;
		for (j = i * i; j < SIEVE_LIMIT; j += i)
			composite[j] = 1;
	}
	return count;
}

/* ---- sorting through comparison function pointers -------------------- */

struct planet {
	const char *name;
	s32 moons;
	u32 radius_km;
};

static struct planet planets[] = {
	{ "Mercury", 0, 2440 },  { "Venus", 0, 6052 },   { "Earth", 1, 6371 },
	{ "Mars", 2, 3390 },     { "Jupiter", 95, 69911 }, { "Saturn", 146, 58232 },
	{ "Uranus", 28, 25362 }, { "Neptune", 16, 24622 },
};

typedef int (*cmp_fn)(const struct planet *, const struct planet *);

static int by_moons(const struct planet *a, const struct planet *b)
{
	if (a->moons != b->moons)
		return a->moons - b->moons;
	return (int)a->radius_km - (int)b->radius_km;
}

static int by_radius_desc(const struct planet *a, const struct planet *b)
{
	return (int)b->radius_km - (int)a->radius_km;
}

static const struct {
	const char *label;
	cmp_fn cmp;
} orders[] = {
	{ "moons", by_moons },
	{ "radius desc", by_radius_desc },
};

static void insertion_sort(struct planet *v, int n, cmp_fn cmp)
{
	int i, j;

	for (i = 1; i < n; i++) {
		struct planet key = v[i];

		for (j = i - 1; j >= 0 && cmp(&v[j], &key) > 0; j--)
			v[j + 1] = v[j];
		v[j + 1] = key;
	}
}

/* ---- 64-bit arithmetic ------------------------------------------------ */

static u64 mulmod(u64 a, u64 b, u64 m)
{
	u64 r = 0;

	a %= m;
	while (b) {
		if (b & 1)
			r = (r >= m - a) ? r - (m - a) : r + a;
		a = (a >= m - a) ? a - (m - a) : a + a;
		b >>= 1;
	}
	return r;
}

static u64 powmod(u64 base, u64 exp, u64 m)
{
	u64 r = 1 % m;

	while (exp) {
		if (exp & 1)
			r = mulmod(r, base, m);
		base = mulmod(base, base, m);
		exp >>= 1;
	}
	return r;
}

static u64 xorshift64(u64 *state)
{
	u64 x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

/* ---- a tiny stack machine: switch dispatch ---------------------------- */

enum op { PUSH, ADD, SUB, MUL, DIV, MOD, DUP, SWAP, NEG, HALT };

struct insn {
	enum op op;
	s64 arg;
};

/* ((7 * 6) - 5) * -(100 / 7 % 5), then duplicated and added */
static const struct insn program[] = {
	{ PUSH, 7 }, { PUSH, 6 }, { MUL, 0 },  { PUSH, 5 }, { SUB, 0 },
	{ PUSH, 100 }, { PUSH, 7 }, { DIV, 0 }, { PUSH, 5 }, { MOD, 0 },
	{ NEG, 0 }, { MUL, 0 }, { DUP, 0 }, { ADD, 0 }, { PUSH, 3 },
	{ SWAP, 0 }, { SUB, 0 }, { HALT, 0 },
};

static s64 run_program(const struct insn *code, int *steps)
{
	s64 stack[16];
	int sp = 0, pc = 0;
	s64 a, b;

	for (;;) {
		const struct insn *in = &code[pc++];

		(*steps)++;
		switch (in->op) {
		case PUSH:
			stack[sp++] = in->arg;
			break;
		case DUP:
			stack[sp] = stack[sp - 1];
			sp++;
			break;
		case SWAP:
			a = stack[sp - 1];
			stack[sp - 1] = stack[sp - 2];
			stack[sp - 2] = a;
			break;
		case NEG:
			stack[sp - 1] = -stack[sp - 1];
			break;
		case HALT:
			return sp ? stack[sp - 1] : 0;
		default:
			b = stack[--sp];
			a = stack[--sp];
			switch (in->op) {
			case ADD: stack[sp++] = a + b; break;
			case SUB: stack[sp++] = a - b; break;
			case MUL: stack[sp++] = a * b; break;
			case DIV: stack[sp++] = b ? a / b : 0; break;
			case MOD: stack[sp++] = b ? a % b : 0; break;
			default: return -1;
			}
		}
	}
}

static int __init compute_init(void)
{
	int largest = 0, steps = 0;
	u64 prime_sum = 0, state = 88172645463325252ULL, x = 0;
	s64 result;
	unsigned int i, k;
	int n;

	crc32_build_table();
	pr_info("crc32(\"%s\") = %08x\n", crc_text, crc32_of((const u8 *)crc_text,
							   sizeof(crc_text) - 1));
	pr_info("crc32(123456789) = %08x\n", crc32_of((const u8 *)"123456789", 9));

	n = count_primes(&largest, &prime_sum);
	pr_info("primes below %d: %d, largest %d, sum %llu\n", SIEVE_LIMIT, n, largest,
		prime_sum);

	for (k = 0; k < ARRAY_SIZE(orders); k++) {
		insertion_sort(planets, (int)ARRAY_SIZE(planets), orders[k].cmp);
		pr_info("by %s: %s %s %s ... %s\n", orders[k].label, planets[0].name,
			planets[1].name, planets[2].name,
			planets[ARRAY_SIZE(planets) - 1].name);
	}

	pr_info("2^64-59 prime check: 3^(p-1) mod p = %llu\n",
		powmod(3, 18446744073709551557ULL - 1, 18446744073709551557ULL));
	pr_info("7^12345 mod 1000000007 = %llu\n", powmod(7, 12345, 1000000007ULL));
	for (i = 0; i < 1000; i++)
		x ^= xorshift64(&state);
	pr_info("xorshift64 x1000: %016llx, last %llu\n", x, state);
	pr_info("signed: %lld / %d = %lld rem %lld\n", -9000000000000000000LL, 7,
		-9000000000000000000LL / 7, -9000000000000000000LL % 7);

	result = run_program(program, &steps);
	pr_info("stack machine: %lld in %d steps\n", result, steps);
	return 0;
}

#ifdef HOST_BUILD
int main(void)
{
	return compute_init();
}
#else
static void __exit compute_exit(void)
{
	pr_info("done\n");
}

module_init(compute_init);
module_exit(compute_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Computes in init; builds natively with -DHOST_BUILD");
#endif
