/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/mman.h>: the protection and mapping flags of vm_mmap()
 * (declared in <linux/mm.h>, as Linux). lkmsh maps anonymous private or
 * shared memory in the command's task; no file is mapped.
 */
#ifndef _LKMSH_LINUX_MMAN_H
#define _LKMSH_LINUX_MMAN_H

#include <linux/mm.h>

#define PROT_READ	0x1
#define PROT_WRITE	0x2
#define PROT_EXEC	0x4
#define PROT_NONE	0x0

#define MAP_SHARED	0x01
#define MAP_PRIVATE	0x02
#define MAP_TYPE	0x0f
#define MAP_FIXED	0x10
#define MAP_ANONYMOUS	0x20

#endif
