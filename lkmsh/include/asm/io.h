/* SPDX-License-Identifier: MIT */
/* lkmsh: as Linux's <asm/io.h>, the accessors of <linux/io.h>. */
#ifndef _LKMSH_ASM_IO_H
#define _LKMSH_ASM_IO_H

#include <linux/io.h>

#endif /* _LKMSH_ASM_IO_H */
