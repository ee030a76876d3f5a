/* SPDX-License-Identifier: MIT */
/* lkmsh: container_of, as Linux's <linux/container_of.h>. */
#ifndef _LKMSH_LINUX_CONTAINER_OF_H
#define _LKMSH_LINUX_CONTAINER_OF_H

#include <linux/build_bug.h>
#include <linux/stddef.h>

/* The structure of type @type whose member @member is at @ptr. */
#define container_of(ptr, type, member) ({				\
	void *__mptr = (void *)(ptr);					\
	_Static_assert(__same_type(*(ptr), ((type *)0)->member) ||	\
		       __same_type(*(ptr), void),			\
		       "pointer type mismatch in container_of()");	\
	((type *)(__mptr - offsetof(type, member))); })

#endif
