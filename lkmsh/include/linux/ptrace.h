/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/ptrace.h>: the kernel's side is struct pt_regs (<asm/ptrace.h>). */
#ifndef _LKMSH_LINUX_PTRACE_H
#define _LKMSH_LINUX_PTRACE_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <asm/ptrace.h>

#endif
