/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/percpu-refcount.h>: struct percpu_ref's layout (Linux 6.1's two
 * words), for the structures that embed one (struct dev_pagemap). lkmsh's kernel
 * runs the references it keeps in such a struct itself; the percpu_ref_*() API
 * is not provided.
 */
#ifndef _LKMSH_LINUX_PERCPU_REFCOUNT_H
#define _LKMSH_LINUX_PERCPU_REFCOUNT_H

#include <linux/types.h>

struct percpu_ref_data;

struct percpu_ref {
	unsigned long percpu_count_ptr;
	struct percpu_ref_data *data;
};

#endif
