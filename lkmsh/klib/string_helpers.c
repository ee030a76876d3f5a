// SPDX-License-Identifier: MIT
/*
 * lib/string_helpers.c's computation: string_get_size (three significant
 * figures in SI or binary units), string_unescape and string_escape_mem (C
 * escapes, by the classes of <linux/string_helpers.h>). Character classes are
 * those of the kernel's _ctype[] (ISO 8859-1).
 */
#include "klib.h"

#define UNESCAPE_SPACE (1U << 0)
#define UNESCAPE_OCTAL (1U << 1)
#define UNESCAPE_HEX (1U << 2)
#define UNESCAPE_SPECIAL (1U << 3)

#define ESCAPE_SPACE (1U << 0)
#define ESCAPE_SPECIAL (1U << 1)
#define ESCAPE_NULL (1U << 2)
#define ESCAPE_OCTAL (1U << 3)
#define ESCAPE_NP (1U << 4)
#define ESCAPE_HEX (1U << 5)
#define ESCAPE_NA (1U << 6)
#define ESCAPE_NAP (1U << 7)
#define ESCAPE_APPEND (1U << 8)

enum { STRING_UNITS_10, STRING_UNITS_2 };

/* _ctype's isprint: ASCII 0x20-0x7e and all of Latin-1's upper half */
static bool printable(u8 c)
{
	return (c >= 0x20 && c < 0x7f) || c >= 0xa0;
}

static int hex_value(u8 c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static char *put_uint(char *p, char *end, u32 v)
{
	char digits[10];
	int n = 0;

	do {
		digits[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n && p < end)
		*p++ = digits[--n];
	return p;
}

static char *put_str(char *p, char *end, const char *s)
{
	while (*s && p < end)
		*p++ = *s++;
	return p;
}

void string_get_size(u64 size, u64 blk_size, int units, char *buf, int len)
{
	static const char *const units_10[] = { "B", "kB", "MB", "GB", "TB", "PB",
						"EB", "ZB", "YB" };
	static const char *const units_2[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB",
					       "EiB", "ZiB", "YiB" };
	static const u32 rounding[] = { 500, 50, 5 };
	u32 divisor = units == STRING_UNITS_2 ? 1024 : 1000;
	u32 remainder = 0, sf_cap;
	int i = 0, j = 0;
	char *p = buf, *end;

	if (len <= 0)
		return;
	end = buf + len - 1;
	if (blk_size == 0)
		size = 0;
	if (size) {
		/* both factors under 32 bits, so their product fits in 64 */
		for (; blk_size >> 32; i++)
			blk_size /= divisor;
		for (; size >> 32; i++)
			size /= divisor;
		size *= blk_size;
		for (; size >= divisor; i++) {
			remainder = size % divisor;
			size /= divisor;
		}
		/* j: the digits of the remainder three significant figures leave room for */
		for (sf_cap = size; sf_cap * 10 < 1000; j++)
			sf_cap *= 10;
		if (units == STRING_UNITS_2)
			remainder = (remainder * 1000) >> 10;
		remainder += rounding[j];
		if (remainder >= 1000) {
			remainder -= 1000;
			size += 1;
		}
	}
	p = put_uint(p, end, (u32)size);
	if (j && p < end) {
		char frac[3] = { '0' + remainder / 100, '0' + remainder / 10 % 10,
				 '0' + remainder % 10 };
		int k;

		*p++ = '.';
		for (k = 0; k < j && p < end; k++)
			*p++ = frac[k];
	}
	if (p < end)
		*p++ = ' ';
	if (i >= 9)
		p = put_str(p, end, "UNK");
	else
		p = put_str(p, end, units == STRING_UNITS_2 ? units_2[i] : units_10[i]);
	*p = '\0';
}

/* One escape after a backslash at *src; true when it was one of @flags' */
static bool unescape_one(char **src, char **dst, unsigned int flags)
{
	char *q = *src;
	static const char space_from[] = "nrtvf", space_to[] = "\n\r\t\v\f";
	static const char special_from[] = "\"\\ae", special_to[] = "\"\\\a\033";
	int k;

	if (flags & UNESCAPE_SPACE)
		for (k = 0; space_from[k]; k++)
			if (*q == space_from[k]) {
				*(*dst)++ = space_to[k];
				*src = q + 1;
				return true;
			}
	if (flags & UNESCAPE_OCTAL && *q >= '0' && *q <= '7') {
		u8 num = *q++ & 7;

		while (num < 32 && *q >= '0' && *q <= '7' && q - *src < 3)
			num = (num << 3) + (*q++ & 7);
		*(*dst)++ = num;
		*src = q;
		return true;
	}
	if (flags & UNESCAPE_HEX && *q == 'x' && hex_value(q[1]) >= 0) {
		u8 num = hex_value(q[1]);

		q += 2;
		if (hex_value(*q) >= 0)
			num = (num << 4) | hex_value(*q++);
		*(*dst)++ = num;
		*src = q;
		return true;
	}
	if (flags & UNESCAPE_SPECIAL)
		for (k = 0; special_from[k]; k++)
			if (*q == special_from[k]) {
				*(*dst)++ = special_to[k];
				*src = q + 1;
				return true;
			}
	return false;
}

int string_unescape(char *src, char *dst, size_t size, unsigned int flags)
{
	char *out = dst;

	/* size 0 reads as unlimited: --size wraps, as in Linux */
	while (*src && --size) {
		if (src[0] == '\\' && src[1] != '\0' && size > 1) {
			src++;
			size--;
			if (unescape_one(&src, &out, flags))
				continue;
			/* not one of @flags' escapes: kept as written */
			*out++ = '\\';
		}
		*out++ = *src++;
	}
	*out = '\0';
	return out - dst;
}

static void emit(char **p, char *end, u8 c)
{
	if (*p < end)
		**p = c;
	(*p)++;
}

/* strchr(s, c) != NULL: NUL is in every string, as its terminator */
static bool in_set(const char *s, u8 c)
{
	for (; *s; s++)
		if ((u8)*s == c)
			return true;
	return c == 0;
}

/* The two-character escape of @c among @from (to @to), if it is one */
static bool escape_pair(char **p, char *end, u8 c, const char *from, const char *to)
{
	int k;

	for (k = 0; from[k]; k++)
		if ((u8)from[k] == c) {
			emit(p, end, '\\');
			emit(p, end, to[k]);
			return true;
		}
	return false;
}

int string_escape_mem(const char *src, size_t isz, char *dst, size_t osz, unsigned int flags,
		      const char *only)
{
	static const char hex[] = "0123456789abcdef";
	char *p = dst, *end = dst + osz;
	bool is_dict = only && *only;
	bool is_append = flags & ESCAPE_APPEND;

	while (isz--) {
		u8 c = *src++;
		bool in_dict = is_dict && in_set(only, c);
		/* with ESCAPE_APPEND, @only's characters are escaped even when NP/NA/NAP pass */
		bool classes_pass = !(is_append && in_dict);

		if (!(is_append || in_dict) && is_dict) {
			emit(&p, end, c);
			continue;
		}
		if (classes_pass && ((flags & ESCAPE_NAP && c < 0x80 && printable(c)) ||
				     (flags & ESCAPE_NP && printable(c)) ||
				     (flags & ESCAPE_NA && c < 0x80))) {
			emit(&p, end, c);
			continue;
		}
		if (flags & ESCAPE_SPACE && escape_pair(&p, end, c, "\n\r\t\v\f", "nrtvf"))
			continue;
		if (flags & ESCAPE_SPECIAL && escape_pair(&p, end, c, "\\\a\033\"", "\\ae\""))
			continue;
		if (flags & ESCAPE_NULL && c == 0) {
			emit(&p, end, '\\');
			emit(&p, end, '0');
			continue;
		}
		if (flags & ESCAPE_OCTAL) {
			emit(&p, end, '\\');
			emit(&p, end, '0' + (c >> 6));
			emit(&p, end, '0' + ((c >> 3) & 7));
			emit(&p, end, '0' + (c & 7));
			continue;
		}
		if (flags & ESCAPE_HEX) {
			emit(&p, end, '\\');
			emit(&p, end, 'x');
			emit(&p, end, hex[c >> 4]);
			emit(&p, end, hex[c & 15]);
			continue;
		}
		emit(&p, end, c);
	}
	return p - dst;
}
