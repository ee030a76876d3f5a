// SPDX-License-Identifier: GPL-2.0
/*
 * A self-test module in the style of the kernel's lib/test_*.c: every check
 * counts, failures are printed, and init returns -EINVAL if any failed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uuid.h>

static unsigned int total_tests __initdata;
static unsigned int failed_tests __initdata;

#define expect(cond) do {						\
	total_tests++;							\
	if (!(cond)) {							\
		failed_tests++;						\
		pr_err("line %d: expected %s\n", __LINE__, #cond);	\
	}								\
} while (0)

static void __init test_strings(void)
{
	char buf[32], line[128];
	char *p, *tok;
	static const char * const colours[] = { "red", "green", "blue" };
	u16 w[4];
	u8 bytes[4] = { 0xde, 0xad, 0xbe, 0xef }, bin[4];
	int ret;

	strscpy(buf, "  padded\t\n", sizeof(buf));
	expect(!strcmp(strim(buf), "padded"));
	expect(!strcmp(skip_spaces("   x"), "x"));
	expect(sysfs_streq("on\n", "on"));
	expect(!sysfs_streq("on", "off"));
	expect(match_string(colours, ARRAY_SIZE(colours), "blue") == 2);
	expect(match_string(colours, ARRAY_SIZE(colours), "pink") == -EINVAL);
	expect(sysfs_match_string(colours, "green\n") == 1);
	strscpy(buf, "a,b,,c", sizeof(buf));
	p = buf;
	tok = strsep(&p, ",");
	expect(!strcmp(tok, "a") && !strcmp(p, "b,,c"));
	strscpy(buf, "a-b-c", sizeof(buf));
	expect(*strreplace(buf, '-', '_') == '\0');
	expect(!strcmp(buf, "a_b_c"));
	memset(buf, 'x', sizeof(buf));
	expect(strscpy_pad(buf, "hi", 8) == 2 && buf[2] == 0 && buf[7] == 0 && buf[8] == 'x');
	expect(strscpy_pad(buf, "toolongstring", 4) == -E2BIG && !strcmp(buf, "too"));
	memset16(w, 0xabcd, 4);
	expect(w[3] == 0xabcd);
	memset(buf, 0, sizeof(buf));
	buf[20] = 1;
	expect(memchr_inv(buf, 0, sizeof(buf)) == &buf[20]);
	expect(!memchr_inv(buf, 0, 20));
	expect(str_has_prefix("module", "mod") == 3);
	expect(strncasecmp("HeLLo", "hello", 5) == 0);
	expect(strspn("aabbc", "ab") == 4 && strcspn("abc;d", ";") == 3);
	expect(!strcmp(strpbrk("key=value", "=:"), "=value"));
	expect(hex_to_bin('f') == 15 && hex_to_bin('z') == -1);
	ret = hex2bin(bin, "deadbeef", 4);
	expect(ret == 0 && !memcmp(bin, bytes, 4));
	expect(hex2bin(bin, "zz", 1) == -EINVAL);
	*bin2hex(buf, bytes, 4) = '\0';
	expect(!strcmp(buf, "deadbeef"));
	p = kasprintf(GFP_KERNEL, "%s-%d", "mod", 42);
	expect(p && !strcmp(p, "mod-42"));
	kfree(p);
	p = kmemdup_nul("abcdef", 3, GFP_KERNEL);
	expect(p && !strcmp(p, "abc"));
	kfree(p);
	hex_dump_to_buffer(bytes, 4, 16, 1, line, sizeof(line), true);
	expect(!strcmp(line, "de ad be ef                                      ...."));
	hex_dump_to_buffer(bytes, 4, 16, 4, line, sizeof(line), false);
	expect(!strcmp(line, "efbeadde"));
}

static void __init test_kstrtox(void)
{
	u8 u8v;
	s8 s8v;
	u16 u16v;
	s64 s64v;
	u32 u32v;

	expect(kstrtou8("255", 10, &u8v) == 0 && u8v == 255);
	expect(kstrtou8("256", 10, &u8v) == -ERANGE);
	expect(kstrtos8("-128", 10, &s8v) == 0 && s8v == -128);
	expect(kstrtou16("0x10", 0, &u16v) == 0 && u16v == 16);
	expect(kstrtos64("-9223372036854775808", 10, &s64v) == 0);
	expect(kstrtou32("12abc", 10, &u32v) == -EINVAL);
	expect(kstrtou32("12\n", 10, &u32v) == 0 && u32v == 12);
}

static void __init test_cmdline(void)
{
	char *end, str[] = "1,2,5-7";
	char *cur = str;
	int ints[8], v;

	expect(memparse("4K", &end) == 4096 && *end == '\0');
	expect(memparse("2M", NULL) == 2 << 20);
	expect(memparse("1G", NULL) == 1ULL << 30);
	expect(get_option(&cur, &v) == 2 && v == 1);
	get_options(str, ARRAY_SIZE(ints), ints);
	expect(ints[0] == 5 && ints[1] == 1 && ints[3] == 5 && ints[5] == 7);
}

static void __init test_random(void)
{
	struct rnd_state a, b;
	u32 x, y;
	uuid_t u1, u2;
	guid_t g;
	char text[UUID_STRING_LEN + 1];
	u8 buf[8] = { 0 };

	prandom_seed_state(&a, 42);
	prandom_seed_state(&b, 42);
	x = prandom_u32_state(&a);
	y = prandom_u32_state(&b);
	expect(x == y);
	expect(prandom_u32_state(&a) != x);
	get_random_bytes(buf, sizeof(buf));
	expect(memchr_inv(buf, 0, sizeof(buf)) != NULL);
	expect(get_random_u32() != get_random_u32());
	uuid_gen(&u1);
	expect((u1.b[6] >> 4) == 4 && (u1.b[8] & 0xc0) == 0x80);
	snprintf(text, sizeof(text), "%pUb", &u1);
	expect(uuid_is_valid(text));
	expect(uuid_parse("c33f4995-3701-450e-9fbf-206a2e98e576", &u2) == 0);
	expect(u2.b[0] == 0xc3 && u2.b[15] == 0x76);
	expect(guid_parse("c33f4995-3701-450e-9fbf-206a2e98e576", &g) == 0 && g.b[0] == 0x95);
	expect(uuid_parse("c33f4995-3701-450e-9fbf-206a2e98e57", &u2) == -EINVAL);
	expect(!uuid_equal(&u1, &u2));
	expect(uuid_is_null(&uuid_null));
}

static int __init test_libstring_init(void)
{
	test_strings();
	test_kstrtox();
	test_cmdline();
	test_random();
	if (failed_tests == 0)
		pr_info("all %u tests passed\n", total_tests);
	else
		pr_err("failed %u out of %u tests\n", failed_tests, total_tests);
	return failed_tests ? -EINVAL : 0;
}

static void __exit test_libstring_exit(void)
{
}

module_init(test_libstring_init);
module_exit(test_libstring_exit);
MODULE_LICENSE("GPL");
