/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <asm/timex.h>: the CPU's cycle counter. Linux reads the TSC (x86)
 * or CNTVCT_EL0 (arm64) inline; lkmsh's CPU is emulated, so get_cycles() is a
 * kernel function counting the virtual clock as a 1 GHz CPU would: one cycle
 * a nanosecond of virtual time, deterministic from run to run.
 */
#ifndef _LKMSH_ASM_TIMEX_H
#define _LKMSH_ASM_TIMEX_H

#ifdef __aarch64__
typedef unsigned long cycles_t;
#else
typedef unsigned long long cycles_t;
#endif

cycles_t get_cycles(void);

#define CLOCK_TICK_RATE	1193182 /* the PIT's, as x86's <asm/timex.h> */

#endif /* _LKMSH_ASM_TIMEX_H */
