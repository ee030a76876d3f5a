/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/tracepoint-defs.h>, the tracepoint structures as Linux 6.1
 * has them. The kernel reads and writes these in module memory: it keeps
 * each tracepoint's probe array (funcs, NULL-terminated) and its key, which
 * is 1 while the array holds a probe.
 */
#ifndef _LKMSH_LINUX_TRACEPOINT_DEFS_H
#define _LKMSH_LINUX_TRACEPOINT_DEFS_H

#include <linux/atomic.h>
#include <linux/jump_label.h>

struct static_call_key;

struct trace_print_flags {
	unsigned long		mask;
	const char		*name;
};

struct trace_print_flags_u64 {
	unsigned long long	mask;
	const char		*name;
};

struct tracepoint_func {
	void *func;
	void *data;
	int prio;
};

struct tracepoint {
	const char *name;		/* Tracepoint name */
	struct static_key key;
	struct static_call_key *static_call_key;
	void *static_call_tramp;
	void *iterator;
	int (*regfunc)(void);
	void (*unregfunc)(void);
	struct tracepoint_func *funcs;
};

typedef struct tracepoint * const tracepoint_ptr_t;

struct bpf_raw_event_map;

#endif
