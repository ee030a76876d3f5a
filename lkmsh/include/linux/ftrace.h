/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/ftrace.h>, the part a module touches: struct ftrace_ops (as
 * 6.1 with CONFIG_DYNAMIC_FTRACE; fprobe embeds one) and its flags. lkmsh's
 * ftrace users are fprobes (<linux/fprobe.h>); modules are built without
 * __fentry__ calls, so a function's ftrace location is its first instruction.
 */
#ifndef _LKMSH_LINUX_FTRACE_H
#define _LKMSH_LINUX_FTRACE_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/ptrace.h>
#include <linux/kallsyms.h>
#include <linux/stacktrace.h>	/* Linux's comes through its fs.h and sched.h */

struct ftrace_ops;
struct ftrace_regs {
	struct pt_regs regs;
};

typedef void (*ftrace_func_t)(unsigned long ip, unsigned long parent_ip,
			      struct ftrace_ops *op, struct ftrace_regs *fregs);
typedef int (*ftrace_ops_func_t)(struct ftrace_ops *op, int cmd);

enum {
	FTRACE_OPS_FL_ENABLED			= 1 << 0,
	FTRACE_OPS_FL_DYNAMIC			= 1 << 1,
	FTRACE_OPS_FL_SAVE_REGS			= 1 << 2,
	FTRACE_OPS_FL_SAVE_REGS_IF_SUPPORTED	= 1 << 3,
	FTRACE_OPS_FL_RECURSION			= 1 << 4,
	FTRACE_OPS_FL_STUB			= 1 << 5,
	FTRACE_OPS_FL_INITIALIZED		= 1 << 6,
	FTRACE_OPS_FL_DELETED			= 1 << 7,
	FTRACE_OPS_FL_ADDING			= 1 << 8,
	FTRACE_OPS_FL_REMOVING			= 1 << 9,
	FTRACE_OPS_FL_MODIFYING			= 1 << 10,
	FTRACE_OPS_FL_ALLOC_TRAMP		= 1 << 11,
	FTRACE_OPS_FL_IPMODIFY			= 1 << 12,
	FTRACE_OPS_FL_PID			= 1 << 13,
	FTRACE_OPS_FL_RCU			= 1 << 14,
	FTRACE_OPS_FL_TRACE_ARRAY		= 1 << 15,
	FTRACE_OPS_FL_PERMANENT			= 1 << 16,
	FTRACE_OPS_FL_DIRECT			= 1 << 17,
};

struct ftrace_hash;

struct ftrace_ops_hash {
	struct ftrace_hash __rcu	*notrace_hash;
	struct ftrace_hash __rcu	*filter_hash;
	struct mutex			regex_lock;
};

struct ftrace_ops {
	ftrace_func_t			func;
	struct ftrace_ops __rcu		*next;
	unsigned long			flags;
	void				*private;
	ftrace_func_t			saved_func;
	struct ftrace_ops_hash		local_hash;
	struct ftrace_ops_hash		*func_hash;
	struct ftrace_ops_hash		old_hash;
	unsigned long			trampoline;
	unsigned long			trampoline_size;
	struct list_head		list;
	ftrace_ops_func_t		ops_func;
	unsigned long			direct_call;
};

static inline struct pt_regs *ftrace_get_regs(struct ftrace_regs *fregs)
{
	return fregs ? &fregs->regs : NULL;
}

/* declared as Linux 6.1 declares it; not exported (built-in code only) */
unsigned long ftrace_location_range(unsigned long start, unsigned long end);

#endif /* _LKMSH_LINUX_FTRACE_H */
