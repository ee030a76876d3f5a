/* SPDX-License-Identifier: MIT */
/* lkmsh: poison values of <linux/poison.h>: non-canonical, so using a deleted entry faults. */
#ifndef _LKMSH_LINUX_POISON_H
#define _LKMSH_LINUX_POISON_H

#define POISON_POINTER_DELTA	0xdead000000000000UL
#define LIST_POISON1	((void *)(0x100 + POISON_POINTER_DELTA))
#define LIST_POISON2	((void *)(0x122 + POISON_POINTER_DELTA))

#endif
