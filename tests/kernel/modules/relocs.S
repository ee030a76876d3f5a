/* SPDX-License-Identifier: GPL-2.0 */
/*
 * relocs: one place per x86-64 relocation type the loader must apply. init
 * stores what the CPU sees at each place into `results`; the test compares
 * them with the symbol addresses the kernel reports.
 *
 * results[0]  R_X86_64_64            (.quad in data)
 * results[1]  R_X86_64_PC32          (leaq target(%rip))
 * results[2]  R_X86_64_32S           (movq $target, %rax)
 * results[3]  R_X86_64_PC64          (.reloc in data: target - place)
 * results[4]  R_X86_64_GOTPCREL      (.reloc: movq slot(%rip) -> target)
 * results[5]  R_X86_64_GOTPCRELX     (.reloc on call *slot(%rip) operand)
 * results[6]  R_X86_64_REX_GOTPCRELX (.reloc on movq slot(%rip))
 * results[7]  R_X86_64_32            (movl $small_value, %eax: a kernel symbol below 4 GiB)
 * results[8]  R_X86_64_PLT32         (call reloc_helper -> returns 0x5150)
 * results[9]  R_X86_64_NONE          (ignored; the value stays 0x4e4f4e45)
 */
#include <linux/linkage.h>

	.data
	.balign 8
	.globl results
	.type results, @object
results:
	.quad	target_data			/* 0: R_X86_64_64 */
	.quad	0				/* 1 */
	.quad	0				/* 2 */
	.reloc	., R_X86_64_PC64, target_data
	.quad	0				/* 3: target - &results[3] */
	.quad	0				/* 4 */
	.quad	0				/* 5 */
	.quad	0				/* 6 */
	.quad	0				/* 7 */
	.quad	0				/* 8 */
	.reloc	., R_X86_64_NONE, target_data
	.quad	0x4e4f4e45			/* 9 */
	.size results, . - results

	.globl target_data
	.type target_data, @object
target_data:
	.quad	0x1122334455667788
	.size target_data, . - target_data

	.text
SYM_FUNC_START(reloc_helper)
	movl	$0x5150, %eax
	ret
SYM_FUNC_END(reloc_helper)

SYM_FUNC_START(init_module)
	pushq	%rbp
	movq	%rsp, %rbp
	leaq	target_data(%rip), %rax		/* R_X86_64_PC32 */
	movq	%rax, results+8(%rip)
	movq	$target_data, %rax		/* R_X86_64_32S */
	movq	%rax, results+16(%rip)
	/* GOTPCREL: 48 8b 05 <disp32> = movq disp(%rip), %rax */
	.byte	0x48, 0x8b, 0x05
	.reloc	., R_X86_64_GOTPCREL, target_data - 4
	.long	0
	movq	%rax, results+32(%rip)
	/* GOTPCRELX on a call through the GOT: ff 15 <disp32> = call *disp(%rip) */
	.byte	0xff, 0x15
	.reloc	., R_X86_64_GOTPCRELX, reloc_helper - 4
	.long	0
	movq	%rax, results+40(%rip)
	/* REX_GOTPCRELX: 48 8b 0d <disp32> = movq disp(%rip), %rcx */
	.byte	0x48, 0x8b, 0x0d
	.reloc	., R_X86_64_REX_GOTPCRELX, target_data - 4
	.long	0
	movq	%rcx, results+48(%rip)
	movl	$small_value, %eax		/* R_X86_64_32 */
	movq	%rax, results+56(%rip)
	call	reloc_helper			/* R_X86_64_PLT32 */
	movq	%rax, results+64(%rip)
	xorl	%eax, %eax
	popq	%rbp
	ret
SYM_FUNC_END(init_module)

	MODINFO(license, "GPL")
