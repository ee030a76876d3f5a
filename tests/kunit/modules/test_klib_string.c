// SPDX-License-Identifier: GPL-2.0
/*
 * Self-test of the mem* and str* functions lkmsh runs as its own C
 * (lkmsh/klib/string.c), in the style of lib/test_*.c: every size from 0 to
 * 100 at every alignment against a byte-at-a-time reference, and the values
 * Linux returns (strcmp's -1/0/1, memcmp's byte difference, strnlen's bound).
 * init returns 0 and prints "all N tests passed", or -EINVAL.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

static unsigned int total_tests __initdata;
static unsigned int failed_tests __initdata;

#define CHECK(cond)                                                        \
	do {                                                               \
		total_tests++;                                             \
		if (!(cond)) {                                             \
			pr_err("line %d: %s failed\n", __LINE__, #cond);   \
			failed_tests++;                                    \
		}                                                          \
	} while (0)

#define BUF 160

/* the size is hidden from gcc so every call below is a real call */
static size_t __init hide(size_t n)
{
	return *(volatile size_t *)&n;
}

static void __init fill(u8 *p, size_t n, u8 seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (u8)(seed + i * 7);
}

static bool __init same(const u8 *a, const u8 *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static void __init test_memcpy_memset(u8 *dst, u8 *src, u8 *ref)
{
	size_t n, off, bad = 0;

	for (off = 0; off < 8; off++) {
		for (n = 0; n <= 100; n++) {
			fill(src, BUF, (u8)n);
			memset(dst, 0xcc, BUF);
			memset(ref, 0xcc, BUF);
			for (size_t i = 0; i < n; i++)
				ref[off + i] = src[(off * 3) % 8 + i];
			if (memcpy(dst + off, src + (off * 3) % 8, hide(n)) != dst + off ||
			    !same(dst, ref, BUF))
				bad++;
			for (size_t i = 0; i < n; i++)
				ref[off + i] = 0x5a;
			if (memset(dst + off, 0x15a, hide(n)) != dst + off || !same(dst, ref, BUF))
				bad++;
		}
	}
	CHECK(bad == 0);
}

static void __init test_memmove(u8 *buf, u8 *ref)
{
	size_t n, bad = 0;
	int shift;

	for (shift = -9; shift <= 9; shift++) {
		for (n = 0; n <= 64; n++) {
			fill(buf, BUF, 3);
			fill(ref, BUF, 3);
			/* the reference copies through a bounce buffer: overlap-safe by construction */
			{
				u8 tmp[64];

				for (size_t i = 0; i < n; i++)
					tmp[i] = ref[40 + i];
				for (size_t i = 0; i < n; i++)
					ref[40 + shift + i] = tmp[i];
			}
			if (memmove(buf + 40 + shift, buf + 40, hide(n)) != buf + 40 + shift ||
			    !same(buf, ref, BUF))
				bad++;
		}
	}
	CHECK(bad == 0);
}

static void __init test_memcmp_memchr(void)
{
	u8 a[40], b[40];

	fill(a, sizeof(a), 1);
	fill(b, sizeof(b), 1);
	CHECK(memcmp(a, b, hide(40)) == 0);
	b[37] = a[37] + 5;
	CHECK(memcmp(a, b, hide(40)) == -5);
	CHECK(memcmp(b, a, hide(40)) == 5);
	CHECK(memcmp(a, b, hide(37)) == 0);
	a[3] = 0xff;
	b[3] = 0x01;
	CHECK(memcmp(a, b, hide(40)) == 0xfe); /* unsigned bytes */
	CHECK(memchr(a, a[20], hide(40)) == a + 20 || a[20] == a[3]);
	CHECK(memchr(a, 0x1ff, hide(4)) == a + 3); /* c is converted to unsigned char */
	CHECK(memchr(a, 0xee, hide(3)) == NULL);
	CHECK(memchr(a, a[0], 0) == NULL);
}

static void __init test_str(char *buf)
{
	static const char word[] = "a/b/c";

	CHECK(strlen(word) == 5);
	CHECK(strlen("") == 0);
	CHECK(strnlen(word, hide(3)) == 3);
	CHECK(strnlen(word, hide(50)) == 5);
	CHECK(strnlen(word, 0) == 0);
	CHECK(strcmp("apple", "apricot") == -1);
	CHECK(strcmp("apricot", "apple") == 1);
	CHECK(strcmp("apple", "apple") == 0);
	CHECK(strcmp("\xff", "a") == 1); /* unsigned chars */
	CHECK(strcmp("ab", "abc") == -1);
	CHECK(strncmp("apple", "apricot", hide(2)) == 0);
	CHECK(strncmp("apple", "apricot", hide(3)) == -1);
	CHECK(strncmp("ab", "ab\0x", hide(4)) == 0); /* stops at the terminator */
	CHECK(strncmp("a", "b", 0) == 0);
	CHECK(strcpy(buf, word) == buf && !memcmp(buf, "a/b/c", 6));
	CHECK(strchr(word, '/') == word + 1);
	CHECK(strrchr(word, '/') == word + 3);
	CHECK(strchr(word, 'z') == NULL);
	CHECK(strrchr(word, 'z') == NULL);
	CHECK(strchr(word, '\0') == word + 5); /* the terminator itself */
	CHECK(strrchr(word, '\0') == word + 5);
}

static int __init test_klib_string_init(void)
{
	u8 *a = kmalloc(BUF, GFP_KERNEL), *b = kmalloc(BUF, GFP_KERNEL);
	u8 *c = kmalloc(BUF, GFP_KERNEL);
	int err = 0;

	if (!a || !b || !c) {
		err = -ENOMEM;
		goto out;
	}
	test_memcpy_memset(a, b, c);
	test_memmove(a, b);
	test_memcmp_memchr();
	test_str((char *)a);

	if (failed_tests == 0) {
		pr_info("all %u tests passed\n", total_tests);
	} else {
		pr_err("failed %u out of %u tests\n", failed_tests, total_tests);
		err = -EINVAL;
	}
out:
	kfree(c);
	kfree(b);
	kfree(a);
	return err;
}

static void __exit test_klib_string_exit(void) { }

module_init(test_klib_string_init);
module_exit(test_klib_string_exit);
MODULE_DESCRIPTION("mem* and str* self-test");
MODULE_LICENSE("GPL");
