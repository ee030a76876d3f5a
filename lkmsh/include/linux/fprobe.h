/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/fprobe.h> as Linux 6.1 (CONFIG_FPROBE): a probe on the entry
 * (entry_handler) and the exit (exit_handler) of many functions at once,
 * chosen by a glob over kernel and module function names, a symbol array or
 * an address array. lkmsh builds it on its kprobes: the entry is a probe at
 * the function's first instruction, the exit a return through the rethook
 * trampoline, each call with its own node (entry_data_size bytes of data).
 */
#ifndef _LKMSH_LINUX_FPROBE_H
#define _LKMSH_LINUX_FPROBE_H

#include <linux/compiler.h>
#include <linux/ftrace.h>

struct rethook;

struct fprobe {
	struct ftrace_ops	ops;
	unsigned long		nmissed;
	unsigned int		flags;
	struct rethook		*rethook;
	size_t			entry_data_size;
	int			nr_maxactive;

	void (*entry_handler)(struct fprobe *fp, unsigned long entry_ip,
			      struct pt_regs *regs, void *entry_data);
	void (*exit_handler)(struct fprobe *fp, unsigned long entry_ip,
			     struct pt_regs *regs, void *entry_data);
};

/* This fprobe is soft-disabled. */
#define FPROBE_FL_DISABLED	1

/* This fprobe handler will be shared with kprobes (kprobe_running() is set in it). */
#define FPROBE_FL_KPROBE_SHARED	2

static inline bool fprobe_disabled(struct fprobe *fp)
{
	return (fp) ? fp->flags & FPROBE_FL_DISABLED : false;
}

static inline bool fprobe_shared_with_kprobes(struct fprobe *fp)
{
	return (fp) ? fp->flags & FPROBE_FL_KPROBE_SHARED : false;
}

int register_fprobe(struct fprobe *fp, const char *filter, const char *notfilter);
int register_fprobe_ips(struct fprobe *fp, unsigned long *addrs, int num);
int register_fprobe_syms(struct fprobe *fp, const char **syms, int num);
int unregister_fprobe(struct fprobe *fp);

static inline void disable_fprobe(struct fprobe *fp)
{
	if (fp)
		fp->flags |= FPROBE_FL_DISABLED;
}

static inline void enable_fprobe(struct fprobe *fp)
{
	if (fp)
		fp->flags &= ~FPROBE_FL_DISABLED;
}

#endif /* _LKMSH_LINUX_FPROBE_H */
