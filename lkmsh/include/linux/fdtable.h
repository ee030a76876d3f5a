/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/fdtable.h>. lkmsh has no processes with open-file tables;
 * what a module may name is the slab cache of them, which Linux 6.1 does not
 * export to modules (a module using it fails to load: Unknown symbol).
 */
#ifndef _LKMSH_LINUX_FDTABLE_H
#define _LKMSH_LINUX_FDTABLE_H

#include <linux/bits.h>

/* descriptors a new process's table holds before it grows */
#define NR_OPEN_DEFAULT	BITS_PER_LONG

struct kmem_cache;
extern struct kmem_cache *files_cachep;

#endif
