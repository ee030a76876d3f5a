// SPDX-License-Identifier: MIT
/*
 * glob_match(): shell-style wildcards as lib/glob.c: '*' any run, '?' any one
 * character, '[...]' a class with ranges and a leading '!' for negation, '\'
 * quoting the next character. A '*' remembers one backtrack point (enough:
 * a later '*' makes earlier choices irrelevant), so matching is linear-ish.
 */
#include "klib.h"

bool glob_match(const char *pat, const char *str)
{
	const char *back_pat = NULL, *back_str = NULL;

	for (;;) {
		unsigned char c = *str++;
		unsigned char d = *pat++;

		switch (d) {
		case '?':
			if (c == '\0')
				return 0;
			break;
		case '*':
			if (*pat == '\0')
				return 1;
			back_pat = pat;
			back_str = --str;
			break;
		case '[': {
			bool match = 0, inverted = (*pat == '!');
			const char *cls = pat + inverted;
			unsigned char a = *cls++;

			do {
				unsigned char b = a;

				if (a == '\0')
					goto literal;
				if (cls[0] == '-' && cls[1] != ']') {
					b = cls[1];
					if (b == '\0')
						goto literal;
					cls += 2;
				}
				match |= (a <= c && c <= b);
			} while ((a = *cls++) != ']');
			if (match == inverted)
				goto backtrack;
			pat = cls;
			break;
		}
		case '\\':
			d = *pat++;
			/* fall through */
		default:
literal:
			if (c == d) {
				if (d == '\0')
					return 1;
				break;
			}
backtrack:
			if (c == '\0' || !back_pat)
				return 0;
			pat = back_pat;
			str = ++back_str;
			break;
		}
	}
}
