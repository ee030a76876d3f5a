/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/stacktrace.h> as Linux 6.1 (CONFIG_STACKTRACE): the return
 * addresses of the running code, innermost first, through its frame records.
 */
#ifndef _LKMSH_LINUX_STACKTRACE_H
#define _LKMSH_LINUX_STACKTRACE_H

#include <linux/types.h>

struct task_struct;
struct pt_regs;

void stack_trace_print(const unsigned long *trace, unsigned int nr_entries, int spaces);
int stack_trace_snprint(char *buf, size_t size, const unsigned long *entries,
			unsigned int nr_entries, int spaces);
unsigned int stack_trace_save(unsigned long *store, unsigned int size, unsigned int skipnr);
unsigned int stack_trace_save_regs(struct pt_regs *regs, unsigned long *store,
				   unsigned int size, unsigned int skipnr);

#endif
