/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: Linux 6.1's <linux/bpf.h> as far as in-kernel BPF users (lib/test_bpf.c)
 * reach: the uapi instruction set of <uapi/linux/bpf.h> (struct bpf_insn, the
 * eBPF classes and operations, the atomic modifiers, the helper ids), and the
 * kernel's program, map and array objects. There is no verifier and no JIT:
 * programs run on lkmsh's interpreter (lkmsh/klib/bpf.c), as on a kernel built
 * with CONFIG_BPF_JIT off.
 */
#ifndef _LKMSH_LINUX_BPF_H
#define _LKMSH_LINUX_BPF_H

#include <linux/types.h>
#include <linux/bpf_common.h>

/* eBPF classes and fields beyond classic BPF */
#define BPF_JMP32	0x06
#define BPF_ALU64	0x07

#define BPF_DW		0x18
#define BPF_ATOMIC	0xc0
#define BPF_XADD	0xc0

#define BPF_MOV		0xb0
#define BPF_ARSH	0xc0

#define BPF_END		0xd0
#define BPF_TO_LE	0x00
#define BPF_TO_BE	0x08
#define BPF_FROM_LE	BPF_TO_LE
#define BPF_FROM_BE	BPF_TO_BE

#define BPF_JNE		0x50
#define BPF_JLT		0xa0
#define BPF_JLE		0xb0
#define BPF_JSGT	0x60
#define BPF_JSGE	0x70
#define BPF_JSLT	0xc0
#define BPF_JSLE	0xd0
#define BPF_CALL	0x80
#define BPF_EXIT	0x90

#define BPF_FETCH	0x01
#define BPF_XCHG	(0xe0 | BPF_FETCH)
#define BPF_CMPXCHG	(0xf0 | BPF_FETCH)

enum {
	BPF_REG_0 = 0,
	BPF_REG_1,
	BPF_REG_2,
	BPF_REG_3,
	BPF_REG_4,
	BPF_REG_5,
	BPF_REG_6,
	BPF_REG_7,
	BPF_REG_8,
	BPF_REG_9,
	BPF_REG_10,
	__MAX_BPF_REG,
};
#define MAX_BPF_REG	__MAX_BPF_REG

struct bpf_insn {
	__u8	code;
	__u8	dst_reg:4;
	__u8	src_reg:4;
	__s16	off;
	__s32	imm;
};

#define BPF_PSEUDO_MAP_FD	1
#define BPF_PSEUDO_MAP_VALUE	2
#define BPF_PSEUDO_BTF_ID	3
#define BPF_PSEUDO_FUNC		4
#define BPF_PSEUDO_CALL		1
#define BPF_PSEUDO_KFUNC_CALL	2

enum bpf_prog_type {
	BPF_PROG_TYPE_UNSPEC,
	BPF_PROG_TYPE_SOCKET_FILTER,
	BPF_PROG_TYPE_KPROBE,
	BPF_PROG_TYPE_SCHED_CLS,
	BPF_PROG_TYPE_SCHED_ACT,
	BPF_PROG_TYPE_TRACEPOINT,
	BPF_PROG_TYPE_XDP,
	BPF_PROG_TYPE_PERF_EVENT,
	BPF_PROG_TYPE_CGROUP_SKB,
	BPF_PROG_TYPE_CGROUP_SOCK,
	BPF_PROG_TYPE_LWT_IN,
	BPF_PROG_TYPE_LWT_OUT,
	BPF_PROG_TYPE_LWT_XMIT,
	BPF_PROG_TYPE_SOCK_OPS,
	BPF_PROG_TYPE_SK_SKB,
	BPF_PROG_TYPE_CGROUP_DEVICE,
	BPF_PROG_TYPE_SK_MSG,
	BPF_PROG_TYPE_RAW_TRACEPOINT,
	BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
	BPF_PROG_TYPE_LWT_SEG6LOCAL,
	BPF_PROG_TYPE_LIRC_MODE2,
	BPF_PROG_TYPE_SK_REUSEPORT,
	BPF_PROG_TYPE_FLOW_DISSECTOR,
	BPF_PROG_TYPE_CGROUP_SYSCTL,
	BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE,
	BPF_PROG_TYPE_CGROUP_SOCKOPT,
	BPF_PROG_TYPE_TRACING,
	BPF_PROG_TYPE_STRUCT_OPS,
	BPF_PROG_TYPE_EXT,
	BPF_PROG_TYPE_LSM,
	BPF_PROG_TYPE_SK_LOOKUP,
	BPF_PROG_TYPE_SYSCALL,
};

enum bpf_map_type {
	BPF_MAP_TYPE_UNSPEC,
	BPF_MAP_TYPE_HASH,
	BPF_MAP_TYPE_ARRAY,
	BPF_MAP_TYPE_PROG_ARRAY,
};

/*
 * The helper ids (Linux 6.1's __BPF_FUNC_MAPPER order): the ones in-kernel
 * callers name, at their uapi values; __BPF_FUNC_MAX_ID one past the last.
 */
enum bpf_func_id {
	BPF_FUNC_unspec = 0,
	BPF_FUNC_map_lookup_elem = 1,
	BPF_FUNC_map_update_elem = 2,
	BPF_FUNC_map_delete_elem = 3,
	BPF_FUNC_probe_read = 4,
	BPF_FUNC_ktime_get_ns = 5,
	BPF_FUNC_trace_printk = 6,
	BPF_FUNC_get_prandom_u32 = 7,
	BPF_FUNC_get_smp_processor_id = 8,
	BPF_FUNC_tail_call = 12,
	BPF_FUNC_get_numa_node_id = 42,
	BPF_FUNC_jiffies64 = 118,
	BPF_FUNC_ktime_get_boot_ns = 125,
	BPF_FUNC_ktime_get_coarse_ns = 160,
	__BPF_FUNC_MAX_ID = 210,
};

/* ---- the kernel side ---- */

#define MAX_TAIL_CALL_CNT	33
#define MAX_BPF_STACK		512
#define BPF_TAG_SIZE		8

struct bpf_prog;

struct bpf_map {
	enum bpf_map_type	map_type;
	u32			key_size;
	u32			value_size;
	u32			max_entries;
	u32			map_flags;
	u32			id;
};

/* a BPF_MAP_TYPE_PROG_ARRAY's (or an array's) storage; ptrs[] the programs a tail call jumps to */
struct bpf_array {
	struct bpf_map	map;
	u32		elem_size;
	u32		index_mask;
	union {
		char			value[0] __attribute__((aligned(8)));
		void			*ptrs[0] __attribute__((aligned(8)));
	};
};

struct bpf_prog_aux {
	u32	used_map_cnt;
	u32	used_btf_cnt;
	u32	max_ctx_offset;
	u32	max_pkt_offset;
	u32	max_tp_access;
	u32	stack_depth;
	u32	id;
	u32	func_cnt;
	u32	func_idx;
	u32	attach_btf_id;
	u32	ctx_arg_info_size;
	u32	max_rdonly_access;
	u32	max_rdwr_access;
	bool	verifier_zext;
	bool	offload_requested;
	bool	attach_btf_trace;
	bool	func_proto_unreliable;
	bool	sleepable;
	bool	tail_call_reachable;
	bool	xdp_has_frags;
	struct bpf_prog	*prog;
};

/* the helper a BPF_CALL names: imm is its distance from __bpf_call_base */
u64 __bpf_call_base(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5);

#endif
