/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: EXPORT_SYMBOL and friends, laid out as Linux (CONFIG_HAVE_ARCH_PREL32_RELOCATIONS).
 *
 * Each export is a 12-byte struct kernel_symbol in section "___ksymtab+NAME"
 * (or "___ksymtab_gpl+NAME"), labelled by the local symbol __ksymtab_NAME:
 *   .long NAME - .              value_offset
 *   .long __kstrtab_NAME - .    name_offset      -> "NAME" in __ksymtab_strings
 *   .long __kstrtabns_NAME - .  namespace_offset -> "" or the namespace
 * lkmsh build links with lkmsh/include/module.lds, which gathers the
 * ___ksymtab+* sections, sorted by name, into __ksymtab / __ksymtab_gpl
 * exactly as Linux's scripts/module.lds does.
 */
#ifndef _LKMSH_LINUX_EXPORT_H
#define _LKMSH_LINUX_EXPORT_H

#include <linux/compiler.h>
#include <linux/stringify.h>

#ifndef __ASSEMBLY__

struct kernel_symbol {
	int value_offset;
	int name_offset;
	int namespace_offset;
};

#define __KSYMTAB_ENTRY(sym, sec)					\
	__ADDRESSABLE(sym)						\
	__asm__("	.section \"___ksymtab" sec "+" #sym "\", \"a\"	\n"	\
		"	.balign	4					\n"	\
		"__ksymtab_" #sym ":					\n"	\
		"	.long	" #sym " - .				\n"	\
		"	.long	__kstrtab_" #sym " - .			\n"	\
		"	.long	__kstrtabns_" #sym " - .		\n"	\
		"	.previous					\n")

#define ___EXPORT_SYMBOL(sym, sec, ns)					\
	extern typeof(sym) sym;						\
	extern const char __kstrtab_##sym[];				\
	extern const char __kstrtabns_##sym[];				\
	__asm__("	.section \"__ksymtab_strings\",\"aMS\",%progbits,1	\n"	\
		"__kstrtab_" #sym ":					\n"	\
		"	.asciz 	\"" #sym "\"				\n"	\
		"__kstrtabns_" #sym ":					\n"	\
		"	.asciz 	\"" ns "\"				\n"	\
		"	.previous					\n");	\
	__KSYMTAB_ENTRY(sym, sec)

#define __EXPORT_SYMBOL(sym, sec, ns)	___EXPORT_SYMBOL(sym, sec, ns)

#define EXPORT_SYMBOL(sym)		__EXPORT_SYMBOL(sym, "", "")
#define EXPORT_SYMBOL_GPL(sym)		__EXPORT_SYMBOL(sym, "_gpl", "")
#define EXPORT_SYMBOL_NS(sym, ns)	__EXPORT_SYMBOL(sym, "", __stringify(ns))
#define EXPORT_SYMBOL_NS_GPL(sym, ns)	__EXPORT_SYMBOL(sym, "_gpl", __stringify(ns))

#endif /* !__ASSEMBLY__ */

#endif
