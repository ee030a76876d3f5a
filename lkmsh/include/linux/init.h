/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: section markers of <linux/init.h>.
 *
 * Linux puts __init code in .init.text and frees it after init. lkmsh keeps
 * things simple: __init, __exit and friends are empty, so that code and data
 * stay in the ordinary .text/.data sections for the module's lifetime.
 * (module_init/module_exit are in <linux/module.h>.)
 */
#ifndef _LKMSH_LINUX_INIT_H
#define _LKMSH_LINUX_INIT_H

#include <linux/compiler.h>
#include <linux/types.h>

#define __init
#define __exit
#define __initdata
#define __exitdata
#define __initconst
#define __exitcall
#define __refdata
#define __ref
#define __meminit
#define __devinit
#define __devexit

#define __exit_p(x)	x

#endif
