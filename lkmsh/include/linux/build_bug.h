/* SPDX-License-Identifier: MIT */
/* lkmsh: compile-time assertions, as Linux's <linux/build_bug.h>. */
#ifndef _LKMSH_LINUX_BUILD_BUG_H
#define _LKMSH_LINUX_BUILD_BUG_H

#include <linux/compiler.h>

#define BUILD_BUG_ON_ZERO(e)	((int)(sizeof(struct { int:(-!!(e)); })))
/*
 * As Linux's compiletime_assert(): a call to an undefined function carrying
 * gcc's error attribute, left only when @condition is not known true after
 * optimisation. So the condition may use what -O2 folds (a local const, an
 * inline function's result, __builtin_constant_p), not only C's constant
 * expressions; a statement, as in Linux (file scope has static_assert()).
 */
#define __compiletime_assert(condition, msg, prefix, suffix)			\
	do {									\
		extern void prefix ## suffix(void) __attribute__((__noreturn__, __error__(msg))); \
		if (!(condition))						\
			prefix ## suffix();					\
	} while (0)
#define _compiletime_assert(condition, msg, prefix, suffix)	\
	__compiletime_assert(condition, msg, prefix, suffix)
#define compiletime_assert(condition, msg)	\
	_compiletime_assert(condition, msg, __compiletime_assert_, __COUNTER__)

#define BUILD_BUG_ON_MSG(cond, msg)	compiletime_assert(!(cond), msg)
#define BUILD_BUG_ON(cond)	BUILD_BUG_ON_MSG(cond, "BUILD_BUG_ON failed: " #cond)
#define BUILD_BUG()		BUILD_BUG_ON_MSG(1, "BUILD_BUG failed")
#define __BUILD_BUG_ON_NOT_POWER_OF_2(n)	BUILD_BUG_ON(((n) & ((n) - 1)) != 0)
#define BUILD_BUG_ON_NOT_POWER_OF_2(n)	BUILD_BUG_ON((n) == 0 || (((n) & ((n) - 1)) != 0))
#define static_assert(expr, ...) _Static_assert(expr, "" __VA_ARGS__)

/* Zero for arrays, a build error for pointers (ARRAY_SIZE uses it). */
#define __must_be_array(a)	BUILD_BUG_ON_ZERO(__same_type((a), &(a)[0]))

#endif
