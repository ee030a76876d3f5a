/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/perf_event.h>, the parts a breakpoint user touches (Linux
 * 6.1): the uapi struct perf_event_attr (PERF_ATTR_SIZE_VER7, 128 bytes),
 * the overflow handler's type, and a struct perf_event whose attr is the
 * event's copy of what was registered (lkmsh's layout; Linux's has far more).
 */
#ifndef _LKMSH_LINUX_PERF_EVENT_H
#define _LKMSH_LINUX_PERF_EVENT_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/ptrace.h>
#include <linux/percpu.h>

enum perf_type_id {
	PERF_TYPE_HARDWARE			= 0,
	PERF_TYPE_SOFTWARE			= 1,
	PERF_TYPE_TRACEPOINT			= 2,
	PERF_TYPE_HW_CACHE			= 3,
	PERF_TYPE_RAW				= 4,
	PERF_TYPE_BREAKPOINT			= 5,
	PERF_TYPE_MAX,
};

#define PERF_ATTR_SIZE_VER0	64
#define PERF_ATTR_SIZE_VER7	128

struct perf_event_attr {
	__u32			type;
	__u32			size;
	__u64			config;
	union {
		__u64		sample_period;
		__u64		sample_freq;
	};
	__u64			sample_type;
	__u64			read_format;
	__u64			disabled       :  1,
				inherit	       :  1,
				pinned	       :  1,
				exclusive      :  1,
				exclude_user   :  1,
				exclude_kernel :  1,
				exclude_hv     :  1,
				exclude_idle   :  1,
				mmap           :  1,
				comm	       :  1,
				freq           :  1,
				inherit_stat   :  1,
				enable_on_exec :  1,
				task           :  1,
				watermark      :  1,
				precise_ip     :  2,
				mmap_data      :  1,
				sample_id_all  :  1,
				exclude_host   :  1,
				exclude_guest  :  1,
				exclude_callchain_kernel : 1,
				exclude_callchain_user   : 1,
				mmap2          :  1,
				comm_exec      :  1,
				use_clockid    :  1,
				context_switch :  1,
				write_backward :  1,
				namespaces     :  1,
				ksymbol        :  1,
				bpf_event      :  1,
				aux_output     :  1,
				cgroup         :  1,
				text_poke      :  1,
				build_id       :  1,
				inherit_thread :  1,
				remove_on_exec :  1,
				sigtrap        :  1,
				__reserved_1   : 26;
	union {
		__u32		wakeup_events;
		__u32		wakeup_watermark;
	};
	__u32			bp_type;
	union {
		__u64		bp_addr;
		__u64		kprobe_func;
		__u64		uprobe_path;
		__u64		config1;
	};
	union {
		__u64		bp_len;
		__u64		kprobe_addr;
		__u64		probe_offset;
		__u64		config2;
	};
	__u64	branch_sample_type;
	__u64	sample_regs_user;
	__u32	sample_stack_user;
	__s32	clockid;
	__u64	sample_regs_intr;
	__u32	aux_watermark;
	__u16	sample_max_stack;
	__u16	__reserved_2;
	__u32	aux_sample_size;
	__u32	__reserved_3;
	__u64	sig_data;
};

enum perf_event_state {
	PERF_EVENT_STATE_DEAD		= -4,
	PERF_EVENT_STATE_EXIT		= -3,
	PERF_EVENT_STATE_ERROR		= -2,
	PERF_EVENT_STATE_OFF		= -1,
	PERF_EVENT_STATE_INACTIVE	=  0,
	PERF_EVENT_STATE_ACTIVE		=  1,
};

struct perf_event;

/* what perf hands an overflow handler: the sample's period and (a breakpoint's) address */
struct perf_sample_data {
	u64				sample_flags;
	u64				period;
	u64				type;
	u64				addr;
	unsigned long			__lkmsh_reserved[4];
};

typedef void (*perf_overflow_handler_t)(struct perf_event *,
					struct perf_sample_data *,
					struct pt_regs *regs);

struct perf_event {
	struct list_head		event_entry;
	struct perf_event_attr		attr;
	enum perf_event_state		state;
	int				cpu;
	perf_overflow_handler_t		overflow_handler;
	void				*overflow_handler_context;
	unsigned long			__lkmsh_reserved[3];
};

#endif /* _LKMSH_LINUX_PERF_EVENT_H */
