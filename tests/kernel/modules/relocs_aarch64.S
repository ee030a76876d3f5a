/* SPDX-License-Identifier: GPL-2.0 */
/*
 * relocs_aarch64: one place per AArch64 relocation type the loader must
 * apply. init stores what the CPU sees at each place into `results`; the
 * test compares them with the symbol addresses the kernel reports.
 *
 * results[0]  ABS64                     (.quad in data)
 * results[1]  PREL64                    (.quad literal - .: rodata from data)
 * results[2]  PREL32 | ABS32 << 32      (.long literal - . ; .long small_value)
 * results[3]  ABS16                     (.hword small_value)
 * results[4]  ADR_PREL_PG_HI21 + ADD_ABS_LO12_NC   (adrp/add)
 * results[5]  MOVW_UABS_G3, G2_NC, G1_NC, G0_NC    (a full 64-bit address)
 * results[6]  MOVW_UABS_G0              (small_value, checked)
 * results[7]  MOVW_UABS_G1 + G0_NC      (mid_value)
 * results[8]  MOVW_UABS_G2 + G1_NC + G0_NC         (big_value)
 * results[9]  LDST64_ABS_LO12_NC        (ldr x from target_data)
 * results[10] LDST32_ABS_LO12_NC        (ldr w)
 * results[11] LDST16_ABS_LO12_NC        (ldrh)
 * results[12] LDST8_ABS_LO12_NC         (ldrb)
 * results[13] ADR_GOT_PAGE + LD64_GOT_LO12_NC      (a module symbol through the GOT)
 * results[14] ADR_GOT_PAGE + LD64_GOT_LO12_NC      (a kernel symbol through the GOT)
 * results[15] CALL26 to a kernel function (strlen), through a PLT veneer
 * results[16] JUMP26 tail call to a kernel function, through the same veneer
 * results[17] ADR_PREL_LO21             (adr)
 * results[18] CONDBR19 + TSTBR14        (cbz/tbz into another section)
 * results[19] LD_PREL_LO19              (ldr literal from rodata)
 * results[20] LDST128_ABS_LO12_NC       (ldr q, low half)
 * results[21] NONE                      (ignored; the value stays 0x4e4f4e45)
 * results[22] PREL16                    (.hword literal - .)
 */
#include <linux/linkage.h>

	.data
	.balign 16
	.globl results
	.type results, @object
results:
	.quad	target_data			/* 0 */
	.quad	literal - .			/* 1 */
	.long	literal - .			/* 2 */
	.long	small_value
	.hword	small_value			/* 3 */
	.hword	0, 0, 0
	.skip	8 * 17				/* 4 .. 20 */
	.reloc	., R_AARCH64_NONE, target_data
	.quad	0x4e4f4e45			/* 21 */
	.hword	literal - .			/* 22 */
	.hword	0, 0, 0
	.size results, . - results

	.balign 16
	.globl target_data
	.type target_data, @object
target_data:
	.quad	0x5150
	.long	0x4e4f4e45
	.hword	0x1616
	.byte	0x88
	.byte	0
	.quad	0x1281281281281281, 0
	.size target_data, . - target_data

	.section .rodata
	.balign 8
	.globl	literal
literal:
	.quad	0x1919
message:
	.asciz	"eleven char"

	.text
SYM_FUNC_START(init_module)
	stp	x29, x30, [sp, #-32]!
	mov	x29, sp
	str	x19, [sp, #16]
	adrp	x19, results
	add	x19, x19, :lo12:results

	adrp	x0, target_data
	add	x0, x0, :lo12:target_data
	str	x0, [x19, #8 * 4]

	movz	x0, #:abs_g3:target_data
	movk	x0, #:abs_g2_nc:target_data
	movk	x0, #:abs_g1_nc:target_data
	movk	x0, #:abs_g0_nc:target_data
	str	x0, [x19, #8 * 5]

	movz	x0, #:abs_g0:small_value
	str	x0, [x19, #8 * 6]

	movz	x0, #:abs_g1:mid_value
	movk	x0, #:abs_g0_nc:mid_value
	str	x0, [x19, #8 * 7]

	movz	x0, #:abs_g2:big_value
	movk	x0, #:abs_g1_nc:big_value
	movk	x0, #:abs_g0_nc:big_value
	str	x0, [x19, #8 * 8]

	adrp	x1, target_data
	ldr	x0, [x1, #:lo12:target_data]
	str	x0, [x19, #8 * 9]
	adrp	x1, target_data + 8
	ldr	w0, [x1, #:lo12:target_data + 8]
	str	x0, [x19, #8 * 10]
	adrp	x1, target_data + 12
	ldrh	w0, [x1, #:lo12:target_data + 12]
	str	x0, [x19, #8 * 11]
	adrp	x1, target_data + 14
	ldrb	w0, [x1, #:lo12:target_data + 14]
	str	x0, [x19, #8 * 12]

	adrp	x0, :got:target_data
	ldr	x0, [x0, #:got_lo12:target_data]
	str	x0, [x19, #8 * 13]
	adrp	x0, :got:small_value
	ldr	x0, [x0, #:got_lo12:small_value]
	str	x0, [x19, #8 * 14]

	adrp	x0, message
	add	x0, x0, :lo12:message
	bl	strlen
	str	x0, [x19, #8 * 15]
	bl	tail_strlen
	str	x0, [x19, #8 * 16]

	adr	x0, target_data
	str	x0, [x19, #8 * 17]

	mov	x0, #0
	cbz	x0, cond_target
	.globl	cond_back
cond_back:
	ldr	x0, literal
	str	x0, [x19, #8 * 19]

	adrp	x1, target_data + 16
	ldr	q0, [x1, #:lo12:target_data + 16]
	fmov	x0, d0
	str	x0, [x19, #8 * 20]

	mov	w0, #0
	ldr	x19, [sp, #16]
	ldp	x29, x30, [sp], #32
	ret
SYM_FUNC_END(init_module)

	.section .text.unlikely, "ax"
	.globl	cond_target
cond_target:
	mov	x0, #18
	tbz	w0, #0, tst_target
	b	cond_back
	.globl	tst_target
tst_target:
	str	x0, [x19, #8 * 18]
	b	cond_back

SYM_FUNC_START(tail_strlen)
	adrp	x0, message
	add	x0, x0, :lo12:message
	b	strlen
SYM_FUNC_END(tail_strlen)

	MODINFO(license, "GPL")

	.section .note.GNU-stack, "", @progbits
