// SPDX-License-Identifier: GPL-2.0
/*
 * <linux/string_helpers.h> and <linux/ctype.h> with our own cases, beyond what
 * lib/test-string_helpers.c checks: a size in a buffer too small for it, the
 * unescape size limit, ESCAPE_APPEND with ESCAPE_NP, escaping as a log line
 * would quote a user string, and the Latin-1 classes of _ctype[].
 */
#include <kunit/test.h>
#include <linux/ctype.h>
#include <linux/module.h>
#include <linux/string_helpers.h>

static void get_size_test(struct kunit *test)
{
	char buf[16];

	/* three significant figures, even of one byte (as Linux prints it) */
	string_get_size(1, 1, STRING_UNITS_10, buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf, "1.00 B");
	string_get_size(1023, 1, STRING_UNITS_2, buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf, "1023 B");
	string_get_size(1536, 1, STRING_UNITS_2, buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf, "1.50 KiB");
	string_get_size(999999, 1, STRING_UNITS_10, buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf, "1000 kB");
	string_get_size(2097152, 512, STRING_UNITS_2, buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf, "1.00 GiB");
	/* snprintf's truncation: always terminated */
	string_get_size(1536, 1, STRING_UNITS_2, buf, 5);
	KUNIT_EXPECT_STREQ(test, buf, "1.50");
	string_get_size(42, 0, STRING_UNITS_10, buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf, "0 B");
}

static void unescape_test(struct kunit *test)
{
	char src[] = "a\\tb\\x41\\101\\q\\\\";
	char dst[32];

	KUNIT_EXPECT_EQ(test, string_unescape_any(src, dst, sizeof(dst)), 8);
	KUNIT_EXPECT_STREQ(test, dst, "a\tbAA\\q\\");
	/* only the classes asked for: \t stays as written */
	KUNIT_EXPECT_EQ(test, string_unescape(src, dst, sizeof(dst), UNESCAPE_HEX), 13);
	KUNIT_EXPECT_STREQ(test, dst, "a\\tbA\\101\\q\\\\");
	/* @size counts source bytes, the NUL's room included: "a\t" is three */
	KUNIT_EXPECT_EQ(test, string_unescape_any(src, dst, 4), 2);
	KUNIT_EXPECT_STREQ(test, dst, "a\t");
	KUNIT_EXPECT_EQ(test, string_unescape_any_inplace(src), 8);
	KUNIT_EXPECT_STREQ(test, src, "a\tbAA\\q\\");
}

static void escape_test(struct kunit *test)
{
	const char in[] = "say \"hi\"\n\xe9";
	char out[64];
	int n;

	n = string_escape_mem(in, sizeof(in) - 1, out, sizeof(out), ESCAPE_HEX | ESCAPE_NP, NULL);
	out[n] = '\0';
	KUNIT_EXPECT_STREQ(test, out, "say \"hi\"\\x0a\xe9");
	/* ESCAPE_APPEND: the dictionary's characters are escaped although printable */
	n = string_escape_mem(in, sizeof(in) - 1, out, sizeof(out),
			      ESCAPE_HEX | ESCAPE_NAP | ESCAPE_APPEND, "\"");
	out[n] = '\0';
	KUNIT_EXPECT_STREQ(test, out, "say \\x22hi\\x22\\x0a\\xe9");
	n = string_escape_str(in, out, sizeof(out), ESCAPE_SPACE | ESCAPE_SPECIAL, NULL);
	out[n] = '\0';
	KUNIT_EXPECT_STREQ(test, out, "say \\\"hi\\\"\\n\xe9");
	/* the size it would need, written or not: NP lets '"' and Latin-1's 0xe9 pass */
	KUNIT_EXPECT_EQ(test, string_escape_str_any_np(in, out, 3, NULL), 11);
	KUNIT_EXPECT_EQ(test, string_escape_str_any_np(in, NULL, 0, NULL), 11);
}

static void ctype_test(struct kunit *test)
{
	char s[] = "MiXeD 42";

	KUNIT_EXPECT_TRUE(test, isprint(' ') && !isgraph(' ') && isspace(' '));
	KUNIT_EXPECT_TRUE(test, isspace('\v') && iscntrl('\n') && !isprint('\n'));
	KUNIT_EXPECT_TRUE(test, isxdigit('F') && isxdigit('a') && !isxdigit('g'));
	KUNIT_EXPECT_TRUE(test, isalpha(0xe9) && islower(0xe9) && isupper(0xc9));
	KUNIT_EXPECT_TRUE(test, iscntrl(0x85) && !isprint(0x85) && isprint(0xa0));
	KUNIT_EXPECT_TRUE(test, ispunct(0xd7) && !isascii(0xd7) && isodigit('7') && !isodigit('8'));
	KUNIT_EXPECT_EQ(test, toupper(0xe9), 0xc9);
	KUNIT_EXPECT_EQ(test, tolower('Q'), 'q');
	string_lower(s, s);
	KUNIT_EXPECT_STREQ(test, s, "mixed 42");
	string_upper(s, s);
	KUNIT_EXPECT_STREQ(test, s, "MIXED 42");
	KUNIT_EXPECT_STREQ(test, str_yes_no(true), "yes");
	KUNIT_EXPECT_STREQ(test, str_enabled_disabled(false), "disabled");
}

static struct kunit_case string_helpers_cases[] = {
	KUNIT_CASE(get_size_test),
	KUNIT_CASE(unescape_test),
	KUNIT_CASE(escape_test),
	KUNIT_CASE(ctype_test),
	{}
};

static struct kunit_suite string_helpers_suite = {
	.name = "string_helpers",
	.test_cases = string_helpers_cases,
};
kunit_test_suite(string_helpers_suite);

MODULE_LICENSE("GPL");
