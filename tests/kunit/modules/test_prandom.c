// SPDX-License-Identifier: GPL-2.0
/*
 * A self-test of the seedable generator in the style of lib/random32.c's own
 * (CONFIG_RANDOM32_SELFTEST): seed with the super-duper LCG, warm up, and
 * compare with taus113 values of the GNU Scientific Library. Then the two ways
 * of drawing, word by word and a buffer at once, must give the same stream.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/string.h>
#include <asm/unaligned.h>

static const struct {
	u32 seed;
	u32 iteration;
	u32 result;
} gsl_vectors[] __initconst = {
	{  931557656U, 959U, 2975593782U },
	{ 1339693295U, 876U, 3887776532U },
	{ 1545556285U, 961U, 1615538833U },
	{   47485338U, 558U, 3521120834U },
	{  407983964U, 921U,  728767059U },
};

static unsigned int total_tests __initdata;
static unsigned int failed_tests __initdata;

static void __init seed_lcg(struct rnd_state *state, u32 seed)
{
#define LCG(x) ((x) * 69069U)
	state->s1 = __seed(LCG(seed), 2U);
	state->s2 = __seed(LCG(state->s1), 8U);
	state->s3 = __seed(LCG(state->s2), 16U);
	state->s4 = __seed(LCG(state->s3), 128U);
}

static void __init check_vectors(void)
{
	int i, j;

	for (i = 0; i < ARRAY_SIZE(gsl_vectors); i++) {
		struct rnd_state state;
		u32 got;

		seed_lcg(&state, gsl_vectors[i].seed);
		for (j = 0; j < 10; j++)	/* the warm-up */
			prandom_u32_state(&state);
		for (j = 0; j < gsl_vectors[i].iteration - 1; j++)
			prandom_u32_state(&state);
		got = prandom_u32_state(&state);
		total_tests++;
		if (got != gsl_vectors[i].result) {
			pr_err("seed %u: got %u, expected %u\n",
			       gsl_vectors[i].seed, got, gsl_vectors[i].result);
			failed_tests++;
		}
	}
}

static void __init check_bytes_match_words(void)
{
	struct rnd_state by_word, by_buffer;
	u8 words[39], buf[39];
	int i;

	prandom_seed_state(&by_word, 3141592653589793238ULL);
	prandom_seed_state(&by_buffer, 3141592653589793238ULL);
	for (i = 0; i + 4 <= sizeof(words); i += 4)
		put_unaligned(prandom_u32_state(&by_word), (u32 *)&words[i]);
	{
		u32 rem = prandom_u32_state(&by_word);

		for (; i < sizeof(words); i++, rem >>= 8)
			words[i] = rem;
	}
	prandom_bytes_state(&by_buffer, buf, sizeof(buf));
	total_tests++;
	if (memcmp(words, buf, sizeof(buf))) {
		pr_err("prandom_bytes_state differs from prandom_u32_state\n");
		failed_tests++;
	}
	/* both states moved on alike */
	total_tests++;
	if (prandom_u32_state(&by_word) != prandom_u32_state(&by_buffer)) {
		pr_err("the states parted\n");
		failed_tests++;
	}
}

static int __init test_prandom_init(void)
{
	check_vectors();
	check_bytes_match_words();
	if (failed_tests) {
		pr_err("failed %u out of %u tests\n", failed_tests, total_tests);
		return -EINVAL;
	}
	pr_info("all %u tests passed\n", total_tests);
	return 0;
}

static void __exit test_prandom_exit(void)
{
}

module_init(test_prandom_init);
module_exit(test_prandom_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("prandom_u32_state against GSL's taus113");
