/* SPDX-License-Identifier: MIT */
/* lkmsh: <asm/page.h>: 4 KiB pages on both architectures. */
#ifndef _LKMSH_ASM_PAGE_H
#define _LKMSH_ASM_PAGE_H

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))

#endif
