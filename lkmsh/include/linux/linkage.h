/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: symbol markers for assembly sources (<linux/linkage.h>):
 *   SYM_FUNC_START(init_module) ... ret; SYM_FUNC_END(init_module)
 */
#ifndef _LKMSH_LINUX_LINKAGE_H
#define _LKMSH_LINUX_LINKAGE_H

#include <linux/compiler.h>
#include <linux/stringify.h>

#ifdef __ASSEMBLY__

#define SYM_FUNC_START(name)		\
	.globl name ;			\
	.type name, @function ;		\
	.balign 16 ;			\
	name:

#define SYM_FUNC_START_LOCAL(name)	\
	.type name, @function ;		\
	.balign 16 ;			\
	name:

#define SYM_FUNC_END(name)		\
	.size name, . - name

/* One .modinfo record from assembly: MODINFO(license, "GPL"). */
#define MODINFO(tag, value)				\
	.pushsection .modinfo, "a" ;			\
	.ascii __stringify(tag), "=" ;			\
	.asciz value ;					\
	.popsection

#endif

#endif
