/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/gcd.h>. */
#ifndef _LKMSH_LINUX_GCD_H
#define _LKMSH_LINUX_GCD_H

#include <linux/compiler.h>

unsigned long gcd(unsigned long a, unsigned long b) __attribute_const__;

#endif
