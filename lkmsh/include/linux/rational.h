/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/rational.h>. */
#ifndef _LKMSH_LINUX_RATIONAL_H
#define _LKMSH_LINUX_RATIONAL_H

#include <linux/compiler.h>

void rational_best_approximation(unsigned long given_numerator,
				 unsigned long given_denominator,
				 unsigned long max_numerator,
				 unsigned long max_denominator,
				 unsigned long *best_numerator,
				 unsigned long *best_denominator);

#endif
