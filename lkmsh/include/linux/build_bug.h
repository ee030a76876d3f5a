/* SPDX-License-Identifier: MIT */
/* lkmsh: compile-time assertions, as Linux's <linux/build_bug.h>. */
#ifndef _LKMSH_LINUX_BUILD_BUG_H
#define _LKMSH_LINUX_BUILD_BUG_H

#include <linux/compiler.h>

#define BUILD_BUG_ON_ZERO(e)	((int)(sizeof(struct { int:(-!!(e)); })))
#define BUILD_BUG_ON_MSG(cond, msg)	_Static_assert(!(cond), msg)
#define BUILD_BUG_ON(cond)	BUILD_BUG_ON_MSG(cond, "BUILD_BUG_ON failed: " #cond)
#define BUILD_BUG()		BUILD_BUG_ON(1)
#define static_assert(expr, ...) _Static_assert(expr, "" __VA_ARGS__)

/* Zero for arrays, a build error for pointers (ARRAY_SIZE uses it). */
#define __must_be_array(a)	BUILD_BUG_ON_ZERO(__same_type((a), &(a)[0]))

#endif
