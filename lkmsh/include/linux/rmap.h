/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/rmap.h>, the part drivers call: make_device_exclusive_range()
 * (Linux 6.1) takes pages of a user range for a device's atomic access. It
 * looks the pages up as get_user_pages_remote() does, through the mm's VMAs;
 * lkmsh's address spaces hold none, so it returns -EFAULT, as Linux for a
 * range no VMA covers.
 */
#ifndef _LKMSH_LINUX_RMAP_H
#define _LKMSH_LINUX_RMAP_H

#include <linux/mm.h>

int make_device_exclusive_range(struct mm_struct *mm, unsigned long start,
				unsigned long end, struct page **pages,
				void *arg);

#endif
