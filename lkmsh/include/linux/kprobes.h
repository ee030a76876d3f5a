/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/kprobes.h> as Linux 6.1 (CONFIG_KPROBES, CONFIG_KRETPROBES):
 * a probe on any instruction of kernel or module text calls its
 * pre_handler before the instruction runs and its post_handler after; a
 * kretprobe calls entry_handler at the function's entry and handler when it
 * returns. x86-64 keeps kretprobe instances on a rethook (as 6.1 with
 * CONFIG_KRETPROBE_ON_RETHOOK), arm64 in the kretprobe's own pool.
 */
#ifndef _LKMSH_LINUX_KPROBES_H
#define _LKMSH_LINUX_KPROBES_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/kallsyms.h>
#include <linux/ptrace.h>
#include <linux/stacktrace.h>
#include <linux/percpu.h>

#define KPROBE_HIT_ACTIVE	0x00000001
#define KPROBE_HIT_SS		0x00000002
#define KPROBE_REENTER		0x00000004
#define KPROBE_HIT_SSDONE	0x00000008

#if defined(__x86_64__)
typedef u8 kprobe_opcode_t;
#define MAX_INSN_SIZE 16
struct arch_specific_insn {
	kprobe_opcode_t *insn;
	unsigned boostable:1;
	unsigned char size;
	union {
		unsigned char opcode;
		struct {
			unsigned char type;
		} jcc;
		struct {
			unsigned char type;
			unsigned char asize;
		} loop;
		struct {
			unsigned char reg;
		} indirect;
	};
	s32 rel32;
	void (*emulate_op)(struct kprobe *p, struct pt_regs *regs);
	int tp_len;
};
#else
typedef u32 kprobe_opcode_t;
#define MAX_INSN_SIZE 1
typedef void (probe_insn_handler_t) (u32 opcode, long addr, struct pt_regs *);
struct arch_probe_insn {
	probe_insn_handler_t *handler;
};
struct arch_specific_insn {
	struct arch_probe_insn api;
	kprobe_opcode_t *xol_insn;
	unsigned long xol_restore;
};
#endif

struct kprobe;
struct kretprobe;
struct kretprobe_instance;
typedef int (*kprobe_pre_handler_t) (struct kprobe *, struct pt_regs *);
typedef void (*kprobe_post_handler_t) (struct kprobe *, struct pt_regs *,
				       unsigned long flags);
typedef int (*kretprobe_handler_t) (struct kretprobe_instance *,
				    struct pt_regs *);

struct kprobe {
	struct hlist_node hlist;
	/* list of kprobes for multi-handler support */
	struct list_head list;
	/* count the number of times this probe was temporarily disarmed */
	unsigned long nmissed;
	/* location of the probe point */
	kprobe_opcode_t *addr;
	/* Allow user to indicate symbol name of the probe point */
	const char *symbol_name;
	/* Offset into the symbol */
	unsigned int offset;
	/* Called before addr is executed. */
	kprobe_pre_handler_t pre_handler;
	/* Called after addr is executed, unless... */
	kprobe_post_handler_t post_handler;
	/* Saved opcode (which has been replaced with breakpoint) */
	kprobe_opcode_t opcode;
	/* copy of the original instruction */
	struct arch_specific_insn ainsn;
	/* Indicates various status flags. */
	u32 flags;
};

#define KPROBE_FLAG_GONE	1 /* breakpoint has already gone */
#define KPROBE_FLAG_DISABLED	2 /* probe is temporarily disabled */
#define KPROBE_FLAG_OPTIMIZED	4 /* probe is really optimized */
#define KPROBE_FLAG_FTRACE	8 /* probe is using ftrace */
#define KPROBE_FLAG_ON_FUNC_ENTRY	16 /* probe is on the function entry */

static inline bool kprobe_gone(struct kprobe *p)
{
	return p->flags & KPROBE_FLAG_GONE;
}

static inline bool kprobe_disabled(struct kprobe *p)
{
	return p->flags & (KPROBE_FLAG_DISABLED | KPROBE_FLAG_GONE);
}

static inline bool kprobe_optimized(struct kprobe *p)
{
	return p->flags & KPROBE_FLAG_OPTIMIZED;
}

static inline bool kprobe_ftrace(struct kprobe *p)
{
	return p->flags & KPROBE_FLAG_FTRACE;
}

struct freelist_node {
	atomic_t refs;
	struct freelist_node *next;
};

struct freelist_head {
	struct freelist_node *head;
};

#ifdef CONFIG_KRETPROBE_ON_RETHOOK
struct rethook;
struct rethook_node {
	union {
		struct freelist_node freelist;
		struct rcu_head rcu;
	};
	struct llist_node llist;
	struct rethook *rethook;
	unsigned long ret_addr;
	unsigned long frame;
};

struct rethook {
	void *data;
	void (*handler)(struct rethook_node *, void *, struct pt_regs *);
	struct freelist_head pool;
	refcount_t ref;
	struct rcu_head rcu;
};
#endif

struct kretprobe_holder {
	struct kretprobe __rcu *rp;
	refcount_t		ref;
};

struct kretprobe {
	struct kprobe kp;
	kretprobe_handler_t handler;
	kretprobe_handler_t entry_handler;
	int maxactive;
	int nmissed;
	size_t data_size;
#ifdef CONFIG_KRETPROBE_ON_RETHOOK
	struct rethook *rh;
#else
	struct freelist_head freelist;
	struct kretprobe_holder *rph;
#endif
};

#define KRETPROBE_MAX_DATA_SIZE	4096

struct kretprobe_instance {
#ifdef CONFIG_KRETPROBE_ON_RETHOOK
	struct rethook_node node;
#else
	union {
		struct freelist_node freelist;
		struct rcu_head rcu;
	};
	struct llist_node llist;
	struct kretprobe_holder *rph;
	kprobe_opcode_t *ret_addr;
	void *fp;
#endif
	char data[];
};

struct kretprobe_blackpoint {
	const char *name;
	void *addr;
};

#ifdef CONFIG_KRETPROBE_ON_RETHOOK
static inline struct kretprobe *get_kretprobe(struct kretprobe_instance *ri)
{
	/* rethook::data is non-changed field, so that you can access it freely. */
	return (struct kretprobe *)ri->node.rethook->data;
}
static inline unsigned long get_kretprobe_retaddr(struct kretprobe_instance *ri)
{
	return ri->node.ret_addr;
}
#else
static inline struct kretprobe *get_kretprobe(struct kretprobe_instance *ri)
{
	return READ_ONCE(ri->rph->rp);
}
static inline unsigned long get_kretprobe_retaddr(struct kretprobe_instance *ri)
{
	return (unsigned long)ri->ret_addr;
}
#endif

/* the probe whose handler is running on this CPU (NULL: none) */
DECLARE_PER_CPU(struct kprobe *, current_kprobe);

static inline struct kprobe *kprobe_running(void)
{
	return __this_cpu_read(current_kprobe);
}

int register_kprobe(struct kprobe *p);
void unregister_kprobe(struct kprobe *p);
int register_kprobes(struct kprobe **kps, int num);
void unregister_kprobes(struct kprobe **kps, int num);

int register_kretprobe(struct kretprobe *rp);
void unregister_kretprobe(struct kretprobe *rp);
int register_kretprobes(struct kretprobe **rps, int num);
void unregister_kretprobes(struct kretprobe **rps, int num);

int disable_kprobe(struct kprobe *kp);
int enable_kprobe(struct kprobe *kp);

static inline int disable_kretprobe(struct kretprobe *rp)
{
	return disable_kprobe(&rp->kp);
}
static inline int enable_kretprobe(struct kretprobe *rp)
{
	return enable_kprobe(&rp->kp);
}

/* where a kretprobed function returns to (x86-64's rethook, arm64's kretprobe) */
void arch_rethook_trampoline(void);
void __kretprobe_trampoline(void);

/* marks what must not be probed; lkmsh probes every instruction alike */
#define __kprobes
#define nokprobe_inline	__always_inline
#define NOKPROBE_SYMBOL(fname)

#endif /* _LKMSH_LINUX_KPROBES_H */
