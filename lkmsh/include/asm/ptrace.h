/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: struct pt_regs as Linux 6.1's <asm/ptrace.h> lays it out on each
 * architecture (a kprobe handler's view of the interrupted code), and the
 * accessors modules use on it.
 */
#ifndef _LKMSH_ASM_PTRACE_H
#define _LKMSH_ASM_PTRACE_H

#include <linux/types.h>

#if defined(__x86_64__)

struct pt_regs {
	unsigned long r15;
	unsigned long r14;
	unsigned long r13;
	unsigned long r12;
	unsigned long bp;
	unsigned long bx;
	unsigned long r11;
	unsigned long r10;
	unsigned long r9;
	unsigned long r8;
	unsigned long ax;
	unsigned long cx;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
	unsigned long orig_ax;
	unsigned long ip;
	unsigned long cs;
	unsigned long flags;
	unsigned long sp;
	unsigned long ss;
};

static inline unsigned long regs_return_value(struct pt_regs *regs)
{
	return regs->ax;
}

static inline void regs_set_return_value(struct pt_regs *regs, unsigned long rc)
{
	regs->ax = rc;
}

static inline unsigned long instruction_pointer(struct pt_regs *regs)
{
	return regs->ip;
}

static inline void instruction_pointer_set(struct pt_regs *regs, unsigned long val)
{
	regs->ip = val;
}

static inline unsigned long kernel_stack_pointer(struct pt_regs *regs)
{
	return regs->sp;
}

static inline unsigned long frame_pointer(struct pt_regs *regs)
{
	return regs->bp;
}

static inline int user_mode(struct pt_regs *regs)
{
	return !!(regs->cs & 3);
}

/* the n-th argument of the probed function, at its entry (System V) */
static inline unsigned long regs_get_kernel_argument(struct pt_regs *regs, unsigned int n)
{
	switch (n) {
	case 0: return regs->di;
	case 1: return regs->si;
	case 2: return regs->dx;
	case 3: return regs->cx;
	case 4: return regs->r8;
	case 5: return regs->r9;
	}
	return *((unsigned long *)regs->sp + n - 5);
}

#elif defined(__aarch64__)

struct user_pt_regs {
	__u64 regs[31];
	__u64 sp;
	__u64 pc;
	__u64 pstate;
};

struct pt_regs {
	union {
		struct user_pt_regs user_regs;
		struct {
			u64 regs[31];
			u64 sp;
			u64 pc;
			u64 pstate;
		};
	};
	u64 orig_x0;
	s32 syscallno;
	u32 unused2;
	u64 sdei_ttbr1;
	u64 pmr_save;
	u64 stackframe[2];
	u64 lockdep_hardirqs;
	u64 exit_rcu;
};

static inline unsigned long regs_return_value(struct pt_regs *regs)
{
	return regs->regs[0];
}

static inline void regs_set_return_value(struct pt_regs *regs, unsigned long rc)
{
	regs->regs[0] = rc;
}

#define instruction_pointer(regs)	((unsigned long)(regs)->pc)

static inline void instruction_pointer_set(struct pt_regs *regs, unsigned long val)
{
	regs->pc = val;
}

static inline unsigned long kernel_stack_pointer(struct pt_regs *regs)
{
	return regs->sp;
}

#define frame_pointer(regs)	((regs)->regs[29])
#define procedure_link_pointer(regs)	((regs)->regs[30])
#define user_mode(regs)		(((regs)->pstate & 0xf) == 0)

static inline unsigned long regs_get_kernel_argument(struct pt_regs *regs, unsigned int n)
{
	return n < 8 ? regs->regs[n] : 0;
}

#endif

#define profile_pc(regs) instruction_pointer(regs)

#endif /* _LKMSH_ASM_PTRACE_H */
