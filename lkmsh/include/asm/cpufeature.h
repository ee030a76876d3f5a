/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <asm/cpufeature.h> of x86 (Linux 6.1's arch/x86/include/asm/
 * cpufeature.h and cpufeatures.h numbering: word * 32 + bit of CPUID's
 * feature words). lkmsh's emulated CPU is the x86-64 baseline: what every
 * x86-64 processor has (Linux's REQUIRED_MASK for CONFIG_X86_64, which makes
 * boot_cpu_has() of these a constant there too) and nothing beyond it, so
 * boot_cpu_has() is a compile-time answer. arm64's <asm/cpufeature.h>
 * (capabilities, not CPUID words) is not modelled.
 */
#ifndef _LKMSH_ASM_CPUFEATURE_H
#define _LKMSH_ASM_CPUFEATURE_H

#ifdef __x86_64__

/* Intel-defined CPU features, CPUID level 0x00000001 (EDX), word 0 */
#define X86_FEATURE_FPU		( 0*32+ 0) /* Onboard FPU */
#define X86_FEATURE_VME		( 0*32+ 1) /* Virtual Mode Extensions */
#define X86_FEATURE_DE		( 0*32+ 2) /* Debugging Extensions */
#define X86_FEATURE_PSE		( 0*32+ 3) /* Page Size Extensions */
#define X86_FEATURE_TSC		( 0*32+ 4) /* Time Stamp Counter */
#define X86_FEATURE_MSR		( 0*32+ 5) /* Model-Specific Registers */
#define X86_FEATURE_PAE		( 0*32+ 6) /* Physical Address Extensions */
#define X86_FEATURE_MCE		( 0*32+ 7) /* Machine Check Exception */
#define X86_FEATURE_CX8		( 0*32+ 8) /* CMPXCHG8 instruction */
#define X86_FEATURE_APIC	( 0*32+ 9) /* Onboard APIC */
#define X86_FEATURE_SEP		( 0*32+11) /* SYSENTER/SYSEXIT */
#define X86_FEATURE_MTRR	( 0*32+12) /* Memory Type Range Registers */
#define X86_FEATURE_PGE		( 0*32+13) /* Page Global Enable */
#define X86_FEATURE_MCA		( 0*32+14) /* Machine Check Architecture */
#define X86_FEATURE_CMOV	( 0*32+15) /* CMOV instructions */
#define X86_FEATURE_PAT		( 0*32+16) /* Page Attribute Table */
#define X86_FEATURE_PSE36	( 0*32+17) /* 36-bit PSEs */
#define X86_FEATURE_CLFLUSH	( 0*32+19) /* CLFLUSH instruction */
#define X86_FEATURE_MMX		( 0*32+23) /* Multimedia Extensions */
#define X86_FEATURE_FXSR	( 0*32+24) /* FXSAVE/FXRSTOR, CR4.OSFXSR */
#define X86_FEATURE_XMM		( 0*32+25) /* "sse" */
#define X86_FEATURE_XMM2	( 0*32+26) /* "sse2" */
/* AMD-defined CPU features, CPUID level 0x80000001, word 1 */
#define X86_FEATURE_SYSCALL	( 1*32+11) /* SYSCALL/SYSRET */
#define X86_FEATURE_NX		( 1*32+20) /* Execute Disable */
#define X86_FEATURE_LM		( 1*32+29) /* Long Mode (x86-64, 64-bit support) */
/* Intel-defined CPU features, CPUID level 0x00000001 (ECX), word 4 */
#define X86_FEATURE_XMM3	( 4*32+ 0) /* "pni" SSE-3 */
#define X86_FEATURE_CX16	( 4*32+13) /* CMPXCHG16B instruction */
#define X86_FEATURE_XMM4_1	( 4*32+19) /* "sse4_1" SSE-4.1 */
#define X86_FEATURE_XMM4_2	( 4*32+20) /* "sse4_2" SSE-4.2 */
#define X86_FEATURE_POPCNT	( 4*32+23) /* POPCNT instruction */
#define X86_FEATURE_AVX		( 4*32+28) /* Advanced Vector Extensions */

/* The baseline's words 0 and 1 (every other word: none of its features). */
#define __LKMSH_X86_WORD0	((1U << 0) | (1U << 3) | (1U << 4) | (1U << 5) | (1U << 6) | \
				 (1U << 8) | (1U << 9) | (1U << 11) | (1U << 13) |	\
				 (1U << 15) | (1U << 16) | (1U << 19) | (1U << 23) |	\
				 (1U << 24) | (1U << 25) | (1U << 26))
#define __LKMSH_X86_WORD1	((1U << 11) | (1U << 20) | (1U << 29))

#define __lkmsh_cpu_has(bit)						\
	(((bit) >> 5) == 0 ? (__LKMSH_X86_WORD0 >> ((bit) & 31)) & 1 :	\
	 ((bit) >> 5) == 1 ? (__LKMSH_X86_WORD1 >> ((bit) & 31)) & 1 : 0)

#define boot_cpu_has(bit)	__lkmsh_cpu_has(bit)
#define static_cpu_has(bit)	__lkmsh_cpu_has(bit)
#define cpu_feature_enabled(bit)	__lkmsh_cpu_has(bit)
#define this_cpu_has(bit)	__lkmsh_cpu_has(bit)

#endif /* __x86_64__ */

#endif
