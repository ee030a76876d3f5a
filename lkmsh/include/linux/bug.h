/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: BUG and WARN, as Linux's <linux/bug.h>.
 *
 * BUG() executes ud2 (brk #0x800 on arm64): the kernel reports
 * "kernel BUG at ..." / "invalid opcode" in an Oops and the call fails.
 * WARN_ON()/WARN() print through __warn_printk() and let execution go on;
 * they evaluate to the condition, as Linux.
 */
#ifndef _LKMSH_LINUX_BUG_H
#define _LKMSH_LINUX_BUG_H

#include <linux/compiler.h>
#include <linux/build_bug.h>
#include <linux/types.h>

__printf(1, 2) void __warn_printk(const char *fmt, ...);

#ifdef __aarch64__
/* arm64: brk #0x800 (BUG_BRK_IMM), as Linux's asm-bug.h. */
#define __BUG_INSN	"brk #0x800"
#else
#define __BUG_INSN	"ud2"
#endif

#define BUG() do {					\
	__asm__ __volatile__(__BUG_INSN);		\
	unreachable();					\
} while (0)

#define BUG_ON(condition) do { if (unlikely(condition)) BUG(); } while (0)

#define WARN_ON(condition) ({						\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on))					\
		__warn_printk("WARNING: at %s:%d %s()\n",		\
			      __FILE__, __LINE__, __func__);		\
	unlikely(__ret_warn_on);					\
})

#define WARN(condition, format...) ({					\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on))					\
		__warn_printk(format);					\
	unlikely(__ret_warn_on);					\
})

#define WARN_ON_ONCE(condition) ({					\
	static bool __warned __section(".data.once");			\
	int __ret_warn_once = !!(condition);				\
	if (unlikely(__ret_warn_once && !__warned)) {			\
		__warned = true;					\
		WARN_ON(1);						\
	}								\
	unlikely(__ret_warn_once);					\
})

#define WARN_ONCE(condition, format...) ({				\
	static bool __warned __section(".data.once");			\
	int __ret_warn_once = !!(condition);				\
	if (unlikely(__ret_warn_once && !__warned)) {			\
		__warned = true;					\
		WARN(1, format);					\
	}								\
	unlikely(__ret_warn_once);					\
})

#endif
