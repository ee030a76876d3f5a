/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/math.h>: integer square roots (lkmsh/klib/math.c). */
#ifndef _LKMSH_LINUX_MATH_H
#define _LKMSH_LINUX_MATH_H

#include <linux/types.h>
#include <asm/div64.h>

unsigned long int_sqrt(unsigned long);
u32 int_sqrt64(u64 x);

#endif
