/* SPDX-License-Identifier: MIT */
/* lkmsh: turning macro arguments into strings, as Linux's <linux/stringify.h>. */
#ifndef _LKMSH_LINUX_STRINGIFY_H
#define _LKMSH_LINUX_STRINGIFY_H

#define __stringify_1(x...)	#x
#define __stringify(x...)	__stringify_1(x)

#define ___PASTE(a, b)		a##b
#define __PASTE(a, b)		___PASTE(a, b)

#endif
