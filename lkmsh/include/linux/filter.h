/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: Linux 6.1's <linux/filter.h> (with <uapi/linux/filter.h>): classic
 * BPF's struct sock_filter and its ancillary offsets, struct bpf_prog, the
 * eBPF instruction builders, and the program calls bpf_prog_alloc/_free,
 * bpf_prog_create/_destroy (classic: checked by bpf_check_classic's rules,
 * converted to eBPF), bpf_prog_select_runtime and bpf_prog_run. Programs run
 * on lkmsh's eBPF interpreter (lkmsh/klib/bpf.c, no JIT: jited is 0).
 */
#ifndef _LKMSH_LINUX_FILTER_H
#define _LKMSH_LINUX_FILTER_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/compiler.h>

/* ---- <uapi/linux/filter.h> ---- */
#define BPF_MAJOR_VERSION 1
#define BPF_MINOR_VERSION 1

struct sock_filter {
	__u16	code;
	__u8	jt;
	__u8	jf;
	__u32	k;
};

struct sock_fprog {
	unsigned short		len;
	struct sock_filter	*filter;
};

#define BPF_RVAL(code)  ((code) & 0x18)
#define		BPF_A		0x10
#define BPF_MISCOP(code) ((code) & 0xf8)
#define		BPF_TAX		0x00
#define		BPF_TXA		0x80

#ifndef BPF_STMT
#define BPF_STMT(code, k) { (unsigned short)(code), 0, 0, k }
#endif
#ifndef BPF_JUMP
#define BPF_JUMP(code, k, jt, jf) { (unsigned short)(code), jt, jf, k }
#endif

#define BPF_MEMWORDS 16

#define SKF_AD_OFF    (-0x1000)
#define SKF_AD_PROTOCOL 0
#define SKF_AD_PKTTYPE 	4
#define SKF_AD_IFINDEX 	8
#define SKF_AD_NLATTR	12
#define SKF_AD_NLATTR_NEST	16
#define SKF_AD_MARK 	20
#define SKF_AD_QUEUE	24
#define SKF_AD_HATYPE	28
#define SKF_AD_RXHASH	32
#define SKF_AD_CPU	36
#define SKF_AD_ALU_XOR_X	40
#define SKF_AD_VLAN_TAG	44
#define SKF_AD_VLAN_TAG_PRESENT 48
#define SKF_AD_PAY_OFFSET	52
#define SKF_AD_RANDOM	56
#define SKF_AD_VLAN_TPID	60
#define SKF_AD_MAX	64

#define SKF_NET_OFF	(-0x100000)
#define SKF_LL_OFF	(-0x200000)

#define BPF_NET_OFF	SKF_NET_OFF
#define BPF_LL_OFF	SKF_LL_OFF

/* ---- the kernel side ---- */
struct sk_buff;

/* eBPF's ABI registers */
#define BPF_REG_ARG1	BPF_REG_1
#define BPF_REG_ARG2	BPF_REG_2
#define BPF_REG_ARG3	BPF_REG_3
#define BPF_REG_ARG4	BPF_REG_4
#define BPF_REG_ARG5	BPF_REG_5
#define BPF_REG_CTX	BPF_REG_6
#define BPF_REG_FP	BPF_REG_10

/* classic A and X, and the scratch registers of the converted program */
#define BPF_REG_A	BPF_REG_0
#define BPF_REG_X	BPF_REG_7
#define BPF_REG_TMP	BPF_REG_2
#define BPF_REG_D	BPF_REG_8
#define BPF_REG_H	BPF_REG_9

#define BPF_REG_AX		MAX_BPF_REG
#define MAX_BPF_EXT_REG		(MAX_BPF_REG + 1)
#define MAX_BPF_JIT_REG		MAX_BPF_EXT_REG

#define BPF_TAIL_CALL	0xf0
#define BPF_PROBE_MEM	0x20
#define BPF_NOSPEC	0xc0

#define BPF_CALL_ARGS	0xe0

#define BPF_SIZEOF(type) ({ const int __size = bytes_to_bpf_size(sizeof(type)); __size; })
#define bytes_to_bpf_size(bytes) ((bytes) == 1 ? BPF_B : (bytes) == 2 ? BPF_H : \
				  (bytes) == 4 ? BPF_W : (bytes) == 8 ? BPF_DW : -EINVAL)

#define BPF_ALU64_REG(OP, DST, SRC)				\
	((struct bpf_insn) {					\
		.code  = BPF_ALU64 | BPF_OP(OP) | BPF_X,	\
		.dst_reg = DST, .src_reg = SRC, .off = 0, .imm = 0 })
#define BPF_ALU32_REG(OP, DST, SRC)				\
	((struct bpf_insn) {					\
		.code  = BPF_ALU | BPF_OP(OP) | BPF_X,		\
		.dst_reg = DST, .src_reg = SRC, .off = 0, .imm = 0 })
#define BPF_ALU64_IMM(OP, DST, IMM)				\
	((struct bpf_insn) {					\
		.code  = BPF_ALU64 | BPF_OP(OP) | BPF_K,	\
		.dst_reg = DST, .src_reg = 0, .off = 0, .imm = IMM })
#define BPF_ALU32_IMM(OP, DST, IMM)				\
	((struct bpf_insn) {					\
		.code  = BPF_ALU | BPF_OP(OP) | BPF_K,		\
		.dst_reg = DST, .src_reg = 0, .off = 0, .imm = IMM })
#define BPF_ENDIAN(TYPE, DST, LEN)				\
	((struct bpf_insn) {					\
		.code  = BPF_ALU | BPF_END | BPF_SRC(TYPE),	\
		.dst_reg = DST, .src_reg = 0, .off = 0, .imm = LEN })
#define BPF_MOV64_REG(DST, SRC)					\
	((struct bpf_insn) {					\
		.code  = BPF_ALU64 | BPF_MOV | BPF_X,		\
		.dst_reg = DST, .src_reg = SRC, .off = 0, .imm = 0 })
#define BPF_MOV32_REG(DST, SRC)					\
	((struct bpf_insn) {					\
		.code  = BPF_ALU | BPF_MOV | BPF_X,		\
		.dst_reg = DST, .src_reg = SRC, .off = 0, .imm = 0 })
#define BPF_MOV64_IMM(DST, IMM)					\
	((struct bpf_insn) {					\
		.code  = BPF_ALU64 | BPF_MOV | BPF_K,		\
		.dst_reg = DST, .src_reg = 0, .off = 0, .imm = IMM })
#define BPF_MOV32_IMM(DST, IMM)					\
	((struct bpf_insn) {					\
		.code  = BPF_ALU | BPF_MOV | BPF_K,		\
		.dst_reg = DST, .src_reg = 0, .off = 0, .imm = IMM })
#define BPF_ZEXT_REG(DST)					\
	((struct bpf_insn) {					\
		.code  = BPF_ALU | BPF_MOV | BPF_X,		\
		.dst_reg = DST, .src_reg = DST, .off = 0, .imm = 1 })
#define BPF_LD_IMM64(DST, IMM)	BPF_LD_IMM64_RAW(DST, 0, IMM)
#define BPF_LD_IMM64_RAW(DST, SRC, IMM)				\
	((struct bpf_insn) {					\
		.code  = BPF_LD | BPF_DW | BPF_IMM,		\
		.dst_reg = DST, .src_reg = SRC, .off = 0,	\
		.imm   = (__u32) (IMM) }),			\
	((struct bpf_insn) {					\
		.code  = 0, .dst_reg = 0, .src_reg = 0, .off = 0, \
		.imm   = ((__u64) (IMM)) >> 32 })
#define BPF_MOV64_RAW(TYPE, DST, SRC, IMM)			\
	((struct bpf_insn) {					\
		.code  = BPF_ALU64 | BPF_MOV | BPF_SRC(TYPE),	\
		.dst_reg = DST, .src_reg = SRC, .off = 0, .imm = IMM })
#define BPF_MOV32_RAW(TYPE, DST, SRC, IMM)			\
	((struct bpf_insn) {					\
		.code  = BPF_ALU | BPF_MOV | BPF_SRC(TYPE),	\
		.dst_reg = DST, .src_reg = SRC, .off = 0, .imm = IMM })
#define BPF_LD_ABS(SIZE, IMM)					\
	((struct bpf_insn) {					\
		.code  = BPF_LD | BPF_SIZE(SIZE) | BPF_ABS,	\
		.dst_reg = 0, .src_reg = 0, .off = 0, .imm = IMM })
#define BPF_LD_IND(SIZE, SRC, IMM)				\
	((struct bpf_insn) {					\
		.code  = BPF_LD | BPF_SIZE(SIZE) | BPF_IND,	\
		.dst_reg = 0, .src_reg = SRC, .off = 0, .imm = IMM })
#define BPF_LDX_MEM(SIZE, DST, SRC, OFF)			\
	((struct bpf_insn) {					\
		.code  = BPF_LDX | BPF_SIZE(SIZE) | BPF_MEM,	\
		.dst_reg = DST, .src_reg = SRC, .off = OFF, .imm = 0 })
#define BPF_STX_MEM(SIZE, DST, SRC, OFF)			\
	((struct bpf_insn) {					\
		.code  = BPF_STX | BPF_SIZE(SIZE) | BPF_MEM,	\
		.dst_reg = DST, .src_reg = SRC, .off = OFF, .imm = 0 })
#define BPF_ATOMIC_OP(SIZE, OP, DST, SRC, OFF)			\
	((struct bpf_insn) {					\
		.code  = BPF_STX | BPF_SIZE(SIZE) | BPF_ATOMIC,	\
		.dst_reg = DST, .src_reg = SRC, .off = OFF, .imm = OP })
#define BPF_STX_XADD(SIZE, DST, SRC, OFF) BPF_ATOMIC_OP(SIZE, BPF_ADD, DST, SRC, OFF)
#define BPF_ST_MEM(SIZE, DST, OFF, IMM)				\
	((struct bpf_insn) {					\
		.code  = BPF_ST | BPF_SIZE(SIZE) | BPF_MEM,	\
		.dst_reg = DST, .src_reg = 0, .off = OFF, .imm = IMM })
#define BPF_JMP_REG(OP, DST, SRC, OFF)				\
	((struct bpf_insn) {					\
		.code  = BPF_JMP | BPF_OP(OP) | BPF_X,		\
		.dst_reg = DST, .src_reg = SRC, .off = OFF, .imm = 0 })
#define BPF_JMP_IMM(OP, DST, IMM, OFF)				\
	((struct bpf_insn) {					\
		.code  = BPF_JMP | BPF_OP(OP) | BPF_K,		\
		.dst_reg = DST, .src_reg = 0, .off = OFF, .imm = IMM })
#define BPF_JMP32_REG(OP, DST, SRC, OFF)			\
	((struct bpf_insn) {					\
		.code  = BPF_JMP32 | BPF_OP(OP) | BPF_X,	\
		.dst_reg = DST, .src_reg = SRC, .off = OFF, .imm = 0 })
#define BPF_JMP32_IMM(OP, DST, IMM, OFF)			\
	((struct bpf_insn) {					\
		.code  = BPF_JMP32 | BPF_OP(OP) | BPF_K,	\
		.dst_reg = DST, .src_reg = 0, .off = OFF, .imm = IMM })
#define BPF_JMP_A(OFF)						\
	((struct bpf_insn) {					\
		.code  = BPF_JMP | BPF_JA,			\
		.dst_reg = 0, .src_reg = 0, .off = OFF, .imm = 0 })
#define BPF_CALL_REL(IMM)					\
	((struct bpf_insn) {					\
		.code  = BPF_JMP | BPF_CALL,			\
		.dst_reg = 0, .src_reg = BPF_PSEUDO_CALL, .off = 0, .imm = IMM })
#define BPF_CALL_IMM(x)	((void *)(x) - (void *)__bpf_call_base)
#define BPF_EMIT_CALL(FUNC)					\
	((struct bpf_insn) {					\
		.code  = BPF_JMP | BPF_CALL,			\
		.dst_reg = 0, .src_reg = 0, .off = 0, .imm = BPF_CALL_IMM(FUNC) })
#define BPF_RAW_INSN(CODE, DST, SRC, OFF, IMM)			\
	((struct bpf_insn) {					\
		.code  = CODE, .dst_reg = DST, .src_reg = SRC, .off = OFF, .imm = IMM })
#define BPF_EXIT_INSN()						\
	((struct bpf_insn) {					\
		.code  = BPF_JMP | BPF_EXIT,			\
		.dst_reg = 0, .src_reg = 0, .off = 0, .imm = 0 })
#define BPF_ST_NOSPEC()						\
	((struct bpf_insn) {					\
		.code  = BPF_ST | BPF_NOSPEC,			\
		.dst_reg = 0, .src_reg = 0, .off = 0, .imm = 0 })

/* the classic builders as compound literals */
#define __BPF_STMT(CODE, K)	((struct sock_filter) BPF_STMT(CODE, K))
#define __BPF_JUMP(CODE, K, JT, JF) ((struct sock_filter) BPF_JUMP(CODE, K, JT, JF))

/* a helper the interpreter calls: five u64 registers in, R0 out */
#define __BPF_MAP_0(m, v, ...) v
#define __BPF_CAST(t, a) (t)(unsigned long)(a)
#define BPF_CALL_0(name) \
	u64 name(u64 __ur_1, u64 __ur_2, u64 __ur_3, u64 __ur_4, u64 __ur_5)
#define BPF_CALL_1(name, t1, a1)						\
	static __always_inline u64 ____##name(t1 a1);				\
	u64 name(u64 __ur_1, u64 __ur_2, u64 __ur_3, u64 __ur_4, u64 __ur_5);	\
	u64 name(u64 __ur_1, u64 __ur_2, u64 __ur_3, u64 __ur_4, u64 __ur_5)	\
	{ return ____##name(__BPF_CAST(t1, __ur_1)); }				\
	static __always_inline u64 ____##name(t1 a1)
#define BPF_CALL_2(name, t1, a1, t2, a2)					\
	static __always_inline u64 ____##name(t1 a1, t2 a2);			\
	u64 name(u64 __ur_1, u64 __ur_2, u64 __ur_3, u64 __ur_4, u64 __ur_5);	\
	u64 name(u64 __ur_1, u64 __ur_2, u64 __ur_3, u64 __ur_4, u64 __ur_5)	\
	{ return ____##name(__BPF_CAST(t1, __ur_1), __BPF_CAST(t2, __ur_2)); }	\
	static __always_inline u64 ____##name(t1 a1, t2 a2)

struct sock_fprog_kern {
	u16			len;
	struct sock_filter	*filter;
};

struct bpf_prog {
	u16			pages;
	u16			jited:1,
				jit_requested:1,
				gpl_compatible:1,
				cb_access:1,
				dst_needed:1,
				blinding_requested:1,
				blinded:1,
				is_func:1,
				kprobe_override:1,
				has_callchain_buf:1,
				enforce_expected_attach_type:1,
				call_get_stack:1,
				call_get_func_ip:1,
				tstamp_type_access:1;
	enum bpf_prog_type	type;
	u32			expected_attach_type;
	u32			len;
	u32			jited_len;
	u8			tag[BPF_TAG_SIZE];
	void			*stats;
	int			*active;
	unsigned int		(*bpf_func)(const void *ctx, const struct bpf_insn *insn);
	struct bpf_prog_aux	*aux;
	struct sock_fprog_kern	*orig_prog;
	union {
		struct sock_filter	insns[0];
		struct bpf_insn		insnsi[0];
	};
};

static inline unsigned int bpf_prog_size(unsigned int proglen)
{
	unsigned int insns = proglen * sizeof(struct bpf_insn);
	unsigned int base = __builtin_offsetof(struct bpf_prog, insnsi);

	return base + insns > base ? base + insns : base;
}

static inline unsigned int bpf_classic_proglen(const struct sock_fprog *fprog)
{
	return fprog->len * sizeof(fprog->filter[0]);
}

struct bpf_prog *bpf_prog_alloc(unsigned int size, gfp_t gfp_extra_flags);
void bpf_prog_free(struct bpf_prog *fp);
struct bpf_prog *bpf_prog_select_runtime(struct bpf_prog *fp, int *err);
int bpf_prog_create(struct bpf_prog **pfp, struct sock_fprog_kern *fprog);
void bpf_prog_destroy(struct bpf_prog *fp);

/* the interpreter's verdict for @ctx: the program's R0 (truncated to 32 bits) */
static inline u32 bpf_prog_run(const struct bpf_prog *prog, const void *ctx)
{
	return prog->bpf_func(ctx, prog->insnsi);
}
#define BPF_PROG_RUN(prog, ctx) bpf_prog_run(prog, ctx)

static inline u32 bpf_prog_run_save_cb(const struct bpf_prog *prog, struct sk_buff *skb)
{
	return bpf_prog_run(prog, skb);
}


#endif
