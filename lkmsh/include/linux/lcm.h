/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/lcm.h>. */
#ifndef _LKMSH_LINUX_LCM_H
#define _LKMSH_LINUX_LCM_H

#include <linux/compiler.h>

unsigned long lcm(unsigned long a, unsigned long b) __attribute_const__;
unsigned long lcm_not_zero(unsigned long a, unsigned long b) __attribute_const__;

#endif
