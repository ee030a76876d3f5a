/* SPDX-License-Identifier: MIT */
/* lkmsh: NULL, true/false, offsetof, as Linux's <linux/stddef.h>. */
#ifndef _LKMSH_LINUX_STDDEF_H
#define _LKMSH_LINUX_STDDEF_H

#undef NULL
#define NULL ((void *)0)

enum {
	false	= 0,
	true	= 1
};

#undef offsetof
#define offsetof(TYPE, MEMBER)	__builtin_offsetof(TYPE, MEMBER)

#define sizeof_field(TYPE, MEMBER)	sizeof((((TYPE *)0)->MEMBER))
#define offsetofend(TYPE, MEMBER)	(offsetof(TYPE, MEMBER) + sizeof_field(TYPE, MEMBER))

#endif
