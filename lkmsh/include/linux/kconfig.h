/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/kconfig.h>, which kbuild puts in front of every source with
 * -include (so does lkmsh build): IS_ENABLED(CONFIG_FOO) and friends are 1
 * when CONFIG_FOO is defined to 1 (or to 2, "m", for IS_MODULE), else 0, and
 * usable in #if and in C alike. Of the CONFIG_ options, lkmsh's kernel
 * states CONFIG_64BIT and CONFIG_MODULES; every other one reads as off.
 */
#ifndef _LKMSH_LINUX_KCONFIG_H
#define _LKMSH_LINUX_KCONFIG_H

#define CONFIG_64BIT 1
#define CONFIG_MODULES 1

#define __ARG_PLACEHOLDER_1 0,
#define __take_second_arg(__ignored, val, ...) val

#define __and(x, y)			___and(x, y)
#define ___and(x, y)			____and(__ARG_PLACEHOLDER_##x, y)
#define ____and(arg1_or_junk, y)	__take_second_arg(arg1_or_junk y, 0)

#define __or(x, y)			___or(x, y)
#define ___or(x, y)			____or(__ARG_PLACEHOLDER_##x, y)
#define ____or(arg1_or_junk, y)		__take_second_arg(arg1_or_junk 1, y)

/* 1 when @x is defined as 1, 0 when it is undefined or anything else */
#define __is_defined(x)			___is_defined(x)
#define ___is_defined(val)		____is_defined(__ARG_PLACEHOLDER_##val)
#define ____is_defined(arg1_or_junk)	__take_second_arg(arg1_or_junk 1, 0)

#define IS_BUILTIN(option) __is_defined(option)
#define IS_MODULE(option) __is_defined(option##_MODULE)
#define IS_REACHABLE(option) __or(IS_BUILTIN(option), __and(IS_MODULE(option), __is_defined(MODULE)))
#define IS_ENABLED(option) __or(IS_BUILTIN(option), IS_MODULE(option))

#endif
