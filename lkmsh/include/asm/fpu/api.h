/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: x86's <asm/fpu/api.h> as Linux 6.1: kernel code may use the FPU and
 * SSE only between kernel_fpu_begin() and kernel_fpu_end(), and only when
 * compiled with the FPU flags (lib/Makefile's FPU_CFLAGS, given to
 * `lkmsh build --cflags`). Begin loads the default MXCSR (round to nearest,
 * exceptions masked) and, with KFPU_387, resets the x87 unit (fninit).
 * (x86's header; lkmsh declares it on arm64 too, where begin does nothing.)
 */
#ifndef _LKMSH_ASM_FPU_API_H
#define _LKMSH_ASM_FPU_API_H

#include <linux/types.h>
#include <linux/const.h>

#define KFPU_387	_BITUL(0)	/* 387 state will be initialized */
#define KFPU_MXCSR	_BITUL(1)	/* MXCSR will be initialized */

void kernel_fpu_begin_mask(unsigned int kfpu_mask);
void kernel_fpu_end(void);
bool irq_fpu_usable(void);

/* Code that is unaware of kernel_fpu_begin_mask() can use this */
static inline void kernel_fpu_begin(void)
{
	kernel_fpu_begin_mask(KFPU_387 | KFPU_MXCSR);
}

#endif /* _LKMSH_ASM_FPU_API_H */
