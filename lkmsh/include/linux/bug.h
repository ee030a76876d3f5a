/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: BUG and WARN, as Linux's <linux/bug.h>.
 *
 * BUG() executes ud2 (brk #0x800 on arm64): the kernel reports
 * "kernel BUG at FILE:LINE!" / "invalid opcode" in an Oops and the call fails.
 * WARN_ON()/WARN() trap the same way with a WARNING entry: the kernel prints
 * "WARNING: CPU: 0 PID: 1 at FILE:LINE func+0x../0x.." with the registers
 * and the trace, and the code goes on; they evaluate to the condition.
 */
#ifndef _LKMSH_LINUX_BUG_H
#define _LKMSH_LINUX_BUG_H

#include <linux/compiler.h>
#include <linux/build_bug.h>
#include <linux/types.h>

__printf(1, 2) void __warn_printk(const char *fmt, ...);
/* the kernel library's WARN (no trap reports it there); modules trap instead */
__printf(4, 5) void warn_slowpath_fmt(const char *file, const int line, unsigned taint,
				      const char *fmt, ...);

#ifdef __aarch64__
/* arm64: brk #0x800 (BUG_BRK_IMM), as Linux's asm-bug.h. */
#define __BUG_INSN	"brk #0x800"
#else
#define __BUG_INSN	"ud2"
#endif

#include <linux/panic.h>	/* TAINT_WARN */

#ifdef MODULE

/*
 * As Linux with CONFIG_GENERIC_BUG (both architectures use relative
 * pointers): BUG() and WARN() are the trap instruction with an entry in the
 * module's __bug_table naming its file, line and flags. The kernel's trap
 * handler (report_bug) finds the entry: a BUG is an Oops "kernel BUG at
 * FILE:LINE!"; a WARNING prints __warn()'s report with the registers, taints
 * and goes on after the instruction. WARN_ON_ONCE marks its entry done.
 */
#define BUGFLAG_WARNING		(1 << 0)
#define BUGFLAG_ONCE		(1 << 1)
#define BUGFLAG_DONE		(1 << 2)
#define BUGFLAG_NO_CUT_HERE	(1 << 3)
#define BUGFLAG_TAINT(taint)	((taint) << 8)
#define BUG_GET_TAINT(bug)	((bug)->flags >> 8)

struct bug_entry {
	signed int	bug_addr_disp;
	signed int	file_disp;
	unsigned short	line;
	unsigned short	flags;
};

#define __BUG_FLAGS(flags)						\
	__asm__ __volatile__("1:\t" __BUG_INSN "\n"			\
		".pushsection .rodata.str1.1,\"aMS\",@progbits,1\n"	\
		"3:\t.asciz \"" __FILE__ "\"\n"				\
		".popsection\n"						\
		".pushsection __bug_table,\"aw\"\n"			\
		".balign 4\n"						\
		"2:\t.long 1b - .\n"					\
		"\t.long 3b - .\n"					\
		"\t.short " __stringify(__LINE__) "\n"			\
		"\t.short " __stringify(flags) "\n"			\
		"\t.org 2b + 12\n"					\
		".popsection")

#define BUG() do {					\
	__BUG_FLAGS(0);					\
	unreachable();					\
} while (0)

#define __WARN_FLAGS(flags)	__BUG_FLAGS(BUGFLAG_WARNING | (flags))
#define __WARN()		__WARN_FLAGS(BUGFLAG_TAINT(TAINT_WARN))
/* the message first (__warn_printk prints the cut-here line and it), then the report */
#define __WARN_printf(taint, arg...) do {				\
	__warn_printk(arg);						\
	__WARN_FLAGS(BUGFLAG_NO_CUT_HERE | BUGFLAG_TAINT(taint));	\
} while (0)

#define WARN_ON(condition) ({						\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on))					\
		__WARN();						\
	unlikely(__ret_warn_on);					\
})

#define WARN(condition, format...) ({					\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on))					\
		__WARN_printf(TAINT_WARN, format);			\
	unlikely(__ret_warn_on);					\
})

#define WARN_TAINT(condition, taint, format...) ({			\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on))					\
		__WARN_printf(taint, format);				\
	unlikely(__ret_warn_on);					\
})

#define WARN_ON_ONCE(condition) ({					\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on))					\
		__WARN_FLAGS(BUGFLAG_ONCE | BUGFLAG_TAINT(TAINT_WARN));	\
	unlikely(__ret_warn_on);					\
})

#else /* the kernel library (lkmsh's own C): no bug table, Linux's generic WARN */

#define BUG() do {					\
	__asm__ __volatile__(__BUG_INSN);		\
	unreachable();					\
} while (0)

#define WARN_ON(condition) ({						\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on))					\
		warn_slowpath_fmt(__FILE__, __LINE__, TAINT_WARN, NULL); \
	unlikely(__ret_warn_on);					\
})

#define WARN(condition, format...) ({					\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on))					\
		warn_slowpath_fmt(__FILE__, __LINE__, TAINT_WARN, format); \
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

#endif /* MODULE */

#define BUG_ON(condition) do { if (unlikely(condition)) BUG(); } while (0)

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
