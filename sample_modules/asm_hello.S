/* SPDX-License-Identifier: GPL-2.0 */
/*
 * asm_hello: a module written in assembly. init_module and cleanup_module
 * are the names the loader looks for (module_init/module_exit make the same
 * names in C); lkmsh build adds name=, vermagic= and __this_module as for C.
 */
#include <linux/linkage.h>
#include <linux/kern_levels.h>

	.section .rodata.str1.1, "aMS", @progbits, 1
.Lhello:
	.asciz KERN_INFO "asm_hello: hello from assembly, 6 * 7 = %d\n"
.Lbye:
	.asciz KERN_INFO "asm_hello: goodbye from assembly\n"

	.text
#ifdef __aarch64__
SYM_FUNC_START(init_module)
	stp	x29, x30, [sp, #-16]!
	mov	x29, sp
	adrp	x0, .Lhello		/* R_AARCH64_ADR_PREL_PG_HI21 */
	add	x0, x0, :lo12:.Lhello	/* R_AARCH64_ADD_ABS_LO12_NC */
	mov	w1, #6
	mov	w2, #7
	mul	w1, w1, w2
	bl	printk			/* R_AARCH64_CALL26, through a PLT veneer */
	mov	w0, #0			/* return 0 */
	ldp	x29, x30, [sp], #16
	ret
SYM_FUNC_END(init_module)

SYM_FUNC_START(cleanup_module)
	stp	x29, x30, [sp, #-16]!
	mov	x29, sp
	adrp	x0, .Lbye
	add	x0, x0, :lo12:.Lbye
	bl	printk
	ldp	x29, x30, [sp], #16
	ret
SYM_FUNC_END(cleanup_module)

	MODINFO(license, "GPL")
	MODINFO(description, "A module written in AArch64 assembly")
#else
SYM_FUNC_START(init_module)
	pushq	%rbp
	movq	%rsp, %rbp
	movq	$.Lhello, %rdi		/* R_X86_64_32S, as gcc -mcmodel=kernel emits */
	movl	$6, %esi
	imull	$7, %esi, %esi
	xorl	%eax, %eax
	call	printk			/* R_X86_64_PLT32 */
	xorl	%eax, %eax		/* return 0 */
	popq	%rbp
	ret
SYM_FUNC_END(init_module)

SYM_FUNC_START(cleanup_module)
	pushq	%rbp
	movq	%rsp, %rbp
	movq	$.Lbye, %rdi
	xorl	%eax, %eax
	call	printk
	popq	%rbp
	ret
SYM_FUNC_END(cleanup_module)

	MODINFO(license, "GPL")
	MODINFO(description, "A module written in x86-64 assembly")
#endif

	.section .note.GNU-stack, "", @progbits
