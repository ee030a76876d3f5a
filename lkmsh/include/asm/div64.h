/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <asm/div64.h>: do_div(n, base) divides the u64 lvalue n in place by a
 * 32-bit base and yields the remainder, as Linux's 64-bit do_div.
 */
#ifndef _LKMSH_ASM_DIV64_H
#define _LKMSH_ASM_DIV64_H

#include <linux/types.h>

#define do_div(n, base) ({					\
	u32 __base = (base);					\
	u32 __rem;						\
	__rem = ((u64)(n)) % __base;				\
	(n) = ((u64)(n)) / __base;				\
	__rem;							\
 })

#endif
