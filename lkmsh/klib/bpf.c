// SPDX-License-Identifier: MIT
/*
 * kernel/bpf/core.c and net/core/filter.c's in-kernel program calls, on
 * lkmsh's module headers: bpf_prog_alloc/_free, bpf_prog_select_runtime (the
 * interpreter; there is no JIT, jited stays 0), bpf_prog_create/_destroy
 * (classic BPF checked by bpf_check_classic's rules, then converted to eBPF
 * with A in R0, X in R7, the context in R6 and the scratch words M[] on the
 * stack), and the eBPF interpreter itself: ALU/ALU64, JMP/JMP32, loads and
 * stores, the atomics, LD_IMM64, LD_ABS/LD_IND on the sk_buff in R6, helper
 * calls (imm from __bpf_call_base) and tail calls (at most MAX_TAIL_CALL_CNT).
 * Division by zero gives 0, modulo by zero leaves the dividend, as the
 * verifier's rewrite makes 6.1's interpreter do.
 */
#include <linux/filter.h>
#include <linux/skbuff.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/errno.h>
#include <linux/random.h>
#include <linux/smp.h>
#include <linux/limits.h>

noinline u64 __bpf_call_base(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5)
{
	return 0;
}

struct bpf_prog *bpf_prog_alloc(unsigned int size, gfp_t gfp_extra_flags)
{
	struct bpf_prog *fp;
	struct bpf_prog_aux *aux;

	size = (size + 4095) & ~4095u;
	fp = kzalloc(size, GFP_KERNEL | gfp_extra_flags);
	if (!fp)
		return NULL;
	aux = kzalloc(sizeof(*aux), GFP_KERNEL | gfp_extra_flags);
	if (!aux) {
		kfree(fp);
		return NULL;
	}
	fp->pages = size / 4096;
	fp->aux = aux;
	aux->prog = fp;
	return fp;
}

void bpf_prog_free(struct bpf_prog *fp)
{
	if (!fp)
		return;
	kfree(fp->aux);
	kfree(fp);
}

/* ---- the interpreter ---- */

/*
 * skb_header_pointer() for a non-negative offset (the bytes may be in the paged
 * fragments: copied into @buf), bpf_internal_load_pointer_neg_helper() for the
 * SKF_NET_OFF and SKF_LL_OFF ones (the linear part only, as Linux)
 */
static const u8 *skb_load_ptr(const struct sk_buff *skb, int k, unsigned int size, u8 *buf)
{
	const u8 *ptr;

	if (k >= 0)
		return skb_header_pointer(skb, k, size, buf);
	if (k >= SKF_NET_OFF)
		ptr = skb->head + skb->network_header + (k - SKF_NET_OFF);
	else if (k >= SKF_LL_OFF)
		ptr = skb->head + skb->mac_header + (k - SKF_LL_OFF);
	else
		return NULL;
	if (ptr >= skb->head && ptr + size <= skb->head + skb->tail)
		return ptr;
	return NULL;
}

typedef u64 (*bpf_helper_t)(u64, u64, u64, u64, u64);

/* the slow paths of one instruction: LD_ABS/LD_IND, the atomics; 0 when the program must end */
static bool interp_ld_pkt(u64 *regs, const struct bpf_insn *insn)
{
	const struct sk_buff *skb = (void *)(unsigned long)regs[BPF_REG_CTX];
	unsigned int size = BPF_SIZE(insn->code) == BPF_W ? 4 : BPF_SIZE(insn->code) == BPF_H ? 2 : 1;
	int k = insn->imm;
	const u8 *p;
	u8 buf[4];

	if (BPF_MODE(insn->code) == BPF_IND)
		k += (u32)regs[insn->src_reg];
	p = skb_load_ptr(skb, k, size, buf);
	if (!p)
		return false;
	if (size == 4)
		regs[0] = ((u32)p[0] << 24) | ((u32)p[1] << 16) | ((u32)p[2] << 8) | p[3];
	else if (size == 2)
		regs[0] = ((u32)p[0] << 8) | p[1];
	else
		regs[0] = p[0];
	return true;
}

static bool interp_atomic(u64 *regs, const struct bpf_insn *insn)
{
	void *addr = (void *)(unsigned long)(regs[insn->dst_reg] + insn->off);
	bool dw = BPF_SIZE(insn->code) == BPF_DW;
	u64 old = dw ? *(u64 *)addr : *(u32 *)addr;
	u64 s = dw ? regs[insn->src_reg] : (u32)regs[insn->src_reg], nv;

	switch (insn->imm & ~BPF_FETCH) {
	case BPF_ADD: nv = old + s; break;
	case BPF_AND: nv = old & s; break;
	case BPF_OR: nv = old | s; break;
	case BPF_XOR: nv = old ^ s; break;
	case BPF_XCHG & ~BPF_FETCH:
		if (insn->imm != BPF_XCHG)
			return false;
		nv = s;
		break;
	case BPF_CMPXCHG & ~BPF_FETCH: {
		u64 want = dw ? regs[0] : (u32)regs[0];

		if (insn->imm != BPF_CMPXCHG)
			return false;
		nv = old == want ? s : old;
		regs[0] = old;
		goto store;
	}
	default:
		return false;
	}
	if (insn->imm & BPF_FETCH)
		regs[insn->src_reg] = old;
store:
	if (dw)
		*(u64 *)addr = nv;
	else
		*(u32 *)addr = (u32)nv;
	return true;
}

/*
 * The interpreter: one computed goto per instruction (a table indexed by the
 * opcode, as kernel/bpf/core.c's), so an instruction costs a block or two of
 * the emulated CPU rather than a chain of compares.
 */
static unsigned int bpf_interp(const void *ctx, const struct bpf_insn *insn)
{
#define OP3(cls, op, src) [BPF_##cls | BPF_##op | BPF_##src] = &&cls##_##op##_##src
#define ALU_OPS(op) OP3(ALU64, op, X), OP3(ALU64, op, K), OP3(ALU, op, X), OP3(ALU, op, K)
#define JMP_OPS(op) OP3(JMP, op, X), OP3(JMP, op, K), OP3(JMP32, op, X), OP3(JMP32, op, K)
#define MEM_OPS(sz) [BPF_LDX | BPF_MEM | BPF_##sz] = &&LDX_MEM_##sz, \
		    [BPF_STX | BPF_MEM | BPF_##sz] = &&STX_MEM_##sz, \
		    [BPF_ST | BPF_MEM | BPF_##sz] = &&ST_MEM_##sz
	static const void *const jumptable[256] = {
		[0 ... 255] = &&bad,
		ALU_OPS(ADD), ALU_OPS(SUB), ALU_OPS(AND), ALU_OPS(OR), ALU_OPS(XOR),
		ALU_OPS(MUL), ALU_OPS(LSH), ALU_OPS(RSH), ALU_OPS(ARSH), ALU_OPS(MOV),
		ALU_OPS(DIV), ALU_OPS(MOD),
		[BPF_ALU64 | BPF_NEG] = &&ALU64_NEG, [BPF_ALU | BPF_NEG] = &&ALU_NEG,
		[BPF_ALU | BPF_END | BPF_TO_LE] = &&ALU_END_LE,
		[BPF_ALU | BPF_END | BPF_TO_BE] = &&ALU_END_BE,
		JMP_OPS(JEQ), JMP_OPS(JNE), JMP_OPS(JGT), JMP_OPS(JGE), JMP_OPS(JLT),
		JMP_OPS(JLE), JMP_OPS(JSET), JMP_OPS(JSGT), JMP_OPS(JSGE), JMP_OPS(JSLT),
		JMP_OPS(JSLE),
		[BPF_JMP | BPF_JA] = &&JMP_JA,
		[BPF_JMP | BPF_CALL] = &&JMP_CALL,
		[BPF_JMP | BPF_TAIL_CALL] = &&JMP_TAIL_CALL,
		[BPF_JMP | BPF_EXIT] = &&JMP_EXIT,
		[BPF_LD | BPF_DW | BPF_IMM] = &&LD_IMM_DW,
		MEM_OPS(B), MEM_OPS(H), MEM_OPS(W), MEM_OPS(DW),
		[BPF_STX | BPF_ATOMIC | BPF_W] = &&STX_ATOMIC,
		[BPF_STX | BPF_ATOMIC | BPF_DW] = &&STX_ATOMIC,
		[BPF_ST | BPF_NOSPEC] = &&ST_NOSPEC,
		[BPF_LD | BPF_ABS | BPF_W] = &&LD_PKT, [BPF_LD | BPF_ABS | BPF_H] = &&LD_PKT,
		[BPF_LD | BPF_ABS | BPF_B] = &&LD_PKT, [BPF_LD | BPF_IND | BPF_W] = &&LD_PKT,
		[BPF_LD | BPF_IND | BPF_H] = &&LD_PKT, [BPF_LD | BPF_IND | BPF_B] = &&LD_PKT,
	};
	u64 stack[MAX_BPF_STACK / sizeof(u64)];
	u64 regs[MAX_BPF_EXT_REG];
	u32 tail_call_cnt = 0;

#define DST	regs[insn->dst_reg]
#define SRC	regs[insn->src_reg]
#define IMM	insn->imm
#define SIMM	((u64)(s64)insn->imm)
#define CONT	({ insn++; goto *jumptable[insn->code]; })
#define SELECT	goto *jumptable[insn->code]
	memset(regs, 0, sizeof(regs));
	regs[BPF_REG_FP] = (u64)(unsigned long)&stack[MAX_BPF_STACK / sizeof(u64)];
	regs[BPF_REG_ARG1] = (u64)(unsigned long)ctx;
	SELECT;

#define ALU(op, OP)						\
	ALU64_##op##_X: DST = DST OP SRC; CONT;			\
	ALU64_##op##_K: DST = DST OP SIMM; CONT;		\
	ALU_##op##_X: DST = (u32)((u32)DST OP (u32)SRC); CONT;	\
	ALU_##op##_K: DST = (u32)((u32)DST OP (u32)IMM); CONT;
	ALU(ADD, +)
	ALU(SUB, -)
	ALU(AND, &)
	ALU(OR, |)
	ALU(XOR, ^)
	ALU(MUL, *)
#undef ALU
ALU64_LSH_X: DST <<= SRC & 63; CONT;
ALU64_LSH_K: DST <<= IMM & 63; CONT;
ALU_LSH_X: DST = (u32)((u32)DST << (SRC & 31)); CONT;
ALU_LSH_K: DST = (u32)((u32)DST << (IMM & 31)); CONT;
ALU64_RSH_X: DST >>= SRC & 63; CONT;
ALU64_RSH_K: DST >>= IMM & 63; CONT;
ALU_RSH_X: DST = (u32)DST >> (SRC & 31); CONT;
ALU_RSH_K: DST = (u32)DST >> (IMM & 31); CONT;
ALU64_ARSH_X: DST = (u64)((s64)DST >> (SRC & 63)); CONT;
ALU64_ARSH_K: DST = (u64)((s64)DST >> (IMM & 63)); CONT;
ALU_ARSH_X: DST = (u32)((s32)DST >> (SRC & 31)); CONT;
ALU_ARSH_K: DST = (u32)((s32)DST >> (IMM & 31)); CONT;
ALU64_MOV_X: DST = SRC; CONT;
ALU64_MOV_K: DST = SIMM; CONT;
ALU_MOV_X: DST = (u32)SRC; CONT;
ALU_MOV_K: DST = (u32)IMM; CONT;
ALU64_NEG: DST = -DST; CONT;
ALU_NEG: DST = (u32)-(u32)DST; CONT;
ALU64_DIV_X: DST = SRC ? DST / SRC : 0; CONT;
ALU64_DIV_K: DST = IMM ? DST / SIMM : 0; CONT;
ALU_DIV_X: DST = (u32)SRC ? (u32)DST / (u32)SRC : 0; CONT;
ALU_DIV_K: DST = (u32)IMM ? (u32)DST / (u32)IMM : 0; CONT;
ALU64_MOD_X: DST = SRC ? DST % SRC : DST; CONT;
ALU64_MOD_K: DST = IMM ? DST % SIMM : DST; CONT;
ALU_MOD_X: DST = (u32)SRC ? (u32)DST % (u32)SRC : (u32)DST; CONT;
ALU_MOD_K: DST = (u32)IMM ? (u32)DST % (u32)IMM : (u32)DST; CONT;
ALU_END_LE:
	if (IMM == 16)
		DST = (u16)DST;
	else if (IMM == 32)
		DST = (u32)DST;
	CONT;
ALU_END_BE:
	if (IMM == 16)
		DST = __builtin_bswap16((u16)DST);
	else if (IMM == 32)
		DST = __builtin_bswap32((u32)DST);
	else
		DST = __builtin_bswap64(DST);
	CONT;

#define COND(op, CMP)								\
	JMP_##op##_X: if (DST CMP SRC) insn += insn->off; CONT;			\
	JMP_##op##_K: if (DST CMP SIMM) insn += insn->off; CONT;		\
	JMP32_##op##_X: if ((u32)DST CMP (u32)SRC) insn += insn->off; CONT;	\
	JMP32_##op##_K: if ((u32)DST CMP (u32)IMM) insn += insn->off; CONT;
#define SCOND(op, CMP)								\
	JMP_##op##_X: if ((s64)DST CMP (s64)SRC) insn += insn->off; CONT;	\
	JMP_##op##_K: if ((s64)DST CMP (s64)IMM) insn += insn->off; CONT;	\
	JMP32_##op##_X: if ((s32)DST CMP (s32)SRC) insn += insn->off; CONT;	\
	JMP32_##op##_K: if ((s32)DST CMP (s32)IMM) insn += insn->off; CONT;
	COND(JEQ, ==)
	COND(JNE, !=)
	COND(JGT, >)
	COND(JGE, >=)
	COND(JLT, <)
	COND(JLE, <=)
	SCOND(JSGT, >)
	SCOND(JSGE, >=)
	SCOND(JSLT, <)
	SCOND(JSLE, <=)
#undef COND
#undef SCOND
JMP_JSET_X: if (DST & SRC) insn += insn->off; CONT;
JMP_JSET_K: if (DST & SIMM) insn += insn->off; CONT;
JMP32_JSET_X: if ((u32)DST & (u32)SRC) insn += insn->off; CONT;
JMP32_JSET_K: if ((u32)DST & (u32)IMM) insn += insn->off; CONT;
JMP_JA: insn += insn->off; CONT;
JMP_CALL: {
		bpf_helper_t fn = (bpf_helper_t)((void *)__bpf_call_base + IMM);

		regs[0] = fn(regs[1], regs[2], regs[3], regs[4], regs[5]);
		CONT;
	}
JMP_TAIL_CALL: {
		struct bpf_array *array = (void *)(unsigned long)regs[BPF_REG_2];
		u32 index = (u32)regs[BPF_REG_3];
		struct bpf_prog *prog;

		if (index >= array->map.max_entries || tail_call_cnt >= MAX_TAIL_CALL_CNT)
			CONT;
		tail_call_cnt++;
		prog = array->ptrs[index];
		if (!prog)
			CONT;
		insn = prog->insnsi;
		SELECT;
	}
JMP_EXIT:
	return (unsigned int)regs[BPF_REG_0];
LD_IMM_DW:
	DST = (u64)(u32)insn[0].imm | ((u64)(u32)insn[1].imm << 32);
	insn++;
	CONT;
#define MEM(sz, T)								\
	LDX_MEM_##sz: DST = *(T *)(unsigned long)(SRC + insn->off); CONT;	\
	STX_MEM_##sz: *(T *)(unsigned long)(DST + insn->off) = (T)SRC; CONT;	\
	ST_MEM_##sz: *(T *)(unsigned long)(DST + insn->off) = (T)SIMM; CONT;
	MEM(B, u8)
	MEM(H, u16)
	MEM(W, u32)
	MEM(DW, u64)
#undef MEM
STX_ATOMIC:
	if (!interp_atomic(regs, insn))
		return 0;
	CONT;
ST_NOSPEC:
	CONT;
LD_PKT:
	if (!interp_ld_pkt(regs, insn))
		return 0;
	CONT;
bad:
	return 0;
#undef DST
#undef SRC
#undef IMM
#undef SIMM
#undef CONT
#undef SELECT
}

struct bpf_prog *bpf_prog_select_runtime(struct bpf_prog *fp, int *err)
{
	fp->bpf_func = bpf_interp;
	fp->jited = 0;
	*err = 0;
	return fp;
}

/* ---- classic BPF: the checker ---- */

static bool chk_code_allowed(u16 code)
{
	switch (code) {
	case BPF_ALU | BPF_ADD | BPF_K: case BPF_ALU | BPF_ADD | BPF_X:
	case BPF_ALU | BPF_SUB | BPF_K: case BPF_ALU | BPF_SUB | BPF_X:
	case BPF_ALU | BPF_MUL | BPF_K: case BPF_ALU | BPF_MUL | BPF_X:
	case BPF_ALU | BPF_DIV | BPF_K: case BPF_ALU | BPF_DIV | BPF_X:
	case BPF_ALU | BPF_MOD | BPF_K: case BPF_ALU | BPF_MOD | BPF_X:
	case BPF_ALU | BPF_AND | BPF_K: case BPF_ALU | BPF_AND | BPF_X:
	case BPF_ALU | BPF_OR | BPF_K: case BPF_ALU | BPF_OR | BPF_X:
	case BPF_ALU | BPF_XOR | BPF_K: case BPF_ALU | BPF_XOR | BPF_X:
	case BPF_ALU | BPF_LSH | BPF_K: case BPF_ALU | BPF_LSH | BPF_X:
	case BPF_ALU | BPF_RSH | BPF_K: case BPF_ALU | BPF_RSH | BPF_X:
	case BPF_ALU | BPF_NEG:
	case BPF_LD | BPF_W | BPF_ABS: case BPF_LD | BPF_H | BPF_ABS: case BPF_LD | BPF_B | BPF_ABS:
	case BPF_LD | BPF_W | BPF_LEN:
	case BPF_LD | BPF_W | BPF_IND: case BPF_LD | BPF_H | BPF_IND: case BPF_LD | BPF_B | BPF_IND:
	case BPF_LD | BPF_IMM: case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_W | BPF_LEN: case BPF_LDX | BPF_B | BPF_MSH:
	case BPF_LDX | BPF_IMM: case BPF_LDX | BPF_MEM:
	case BPF_ST: case BPF_STX:
	case BPF_MISC | BPF_TAX: case BPF_MISC | BPF_TXA:
	case BPF_RET | BPF_K: case BPF_RET | BPF_A:
	case BPF_JMP | BPF_JA:
	case BPF_JMP | BPF_JEQ | BPF_K: case BPF_JMP | BPF_JEQ | BPF_X:
	case BPF_JMP | BPF_JGE | BPF_K: case BPF_JMP | BPF_JGE | BPF_X:
	case BPF_JMP | BPF_JGT | BPF_K: case BPF_JMP | BPF_JGT | BPF_X:
	case BPF_JMP | BPF_JSET | BPF_K: case BPF_JMP | BPF_JSET | BPF_X:
		return true;
	}
	return false;
}

/* every M[] read must follow a store to that word on every path to it */
static int check_load_and_stores(const struct sock_filter *filter, unsigned int flen)
{
	u16 *masks, memvalid = 0;
	unsigned int pc;
	int ret = 0;

	masks = kmalloc_array(flen, sizeof(*masks), GFP_KERNEL);
	if (!masks)
		return -ENOMEM;
	memset(masks, 0xff, flen * sizeof(*masks));
	for (pc = 0; pc < flen; pc++) {
		const struct sock_filter *f = &filter[pc];

		memvalid &= masks[pc];
		switch (f->code) {
		case BPF_ST:
		case BPF_STX:
			memvalid |= 1 << f->k;
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
			if (!(memvalid & (1 << f->k))) {
				ret = -EINVAL;
				goto out;
			}
			break;
		case BPF_JMP | BPF_JA:
			masks[pc + 1 + f->k] &= memvalid;
			memvalid = ~0;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K: case BPF_JMP | BPF_JEQ | BPF_X:
		case BPF_JMP | BPF_JGE | BPF_K: case BPF_JMP | BPF_JGE | BPF_X:
		case BPF_JMP | BPF_JGT | BPF_K: case BPF_JMP | BPF_JGT | BPF_X:
		case BPF_JMP | BPF_JSET | BPF_K: case BPF_JMP | BPF_JSET | BPF_X:
			masks[pc + 1 + f->jt] &= memvalid;
			masks[pc + 1 + f->jf] &= memvalid;
			memvalid = ~0;
			break;
		}
	}
out:
	kfree(masks);
	return ret;
}

/* bpf_anc_helper(): the ancillary loads Linux 6.1 knows (SKF_AD_PAY_OFFSET among them) */
static bool anc_known(u32 k)
{
	switch ((int)k - SKF_AD_OFF) {
	case SKF_AD_PROTOCOL: case SKF_AD_PKTTYPE: case SKF_AD_IFINDEX:
	case SKF_AD_NLATTR: case SKF_AD_NLATTR_NEST: case SKF_AD_MARK:
	case SKF_AD_QUEUE: case SKF_AD_HATYPE: case SKF_AD_RXHASH:
	case SKF_AD_CPU: case SKF_AD_ALU_XOR_X: case SKF_AD_VLAN_TAG:
	case SKF_AD_VLAN_TAG_PRESENT: case SKF_AD_PAY_OFFSET: case SKF_AD_RANDOM:
	case SKF_AD_VLAN_TPID:
		return (int)k < 0;
	}
	return false;
}

static int bpf_check_classic(const struct sock_filter *filter, unsigned int flen)
{
	bool anc_found = false;
	unsigned int pc;

	if (flen == 0 || flen > BPF_MAXINSNS)
		return -EINVAL;
	for (pc = 0; pc < flen; pc++) {
		const struct sock_filter *f = &filter[pc];

		if (!chk_code_allowed(f->code))
			return -EINVAL;
		switch (f->code) {
		case BPF_ALU | BPF_DIV | BPF_K:
		case BPF_ALU | BPF_MOD | BPF_K:
			if (!f->k)
				return -EINVAL;
			break;
		case BPF_ALU | BPF_LSH | BPF_K:
		case BPF_ALU | BPF_RSH | BPF_K:
			if (f->k >= 32)
				return -EINVAL;
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
		case BPF_ST:
		case BPF_STX:
			if (f->k >= BPF_MEMWORDS)
				return -EINVAL;
			break;
		case BPF_JMP | BPF_JA:
			if (f->k >= (unsigned int)(flen - pc - 1))
				return -EINVAL;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K: case BPF_JMP | BPF_JEQ | BPF_X:
		case BPF_JMP | BPF_JGE | BPF_K: case BPF_JMP | BPF_JGE | BPF_X:
		case BPF_JMP | BPF_JGT | BPF_K: case BPF_JMP | BPF_JGT | BPF_X:
		case BPF_JMP | BPF_JSET | BPF_K: case BPF_JMP | BPF_JSET | BPF_X:
			if (pc + f->jt + 1 >= flen || pc + f->jf + 1 >= flen)
				return -EINVAL;
			break;
		case BPF_LD | BPF_W | BPF_ABS:
		case BPF_LD | BPF_H | BPF_ABS:
		case BPF_LD | BPF_B | BPF_ABS:
			/* an offset at or above SKF_AD_OFF (unsigned) must name a known
			 * ancillary load, until one has been seen (as Linux's flag stays set) */
			if (anc_known(f->k))
				anc_found = true;
			if (!anc_found && f->k >= (u32)SKF_AD_OFF)
				return -EINVAL;
			break;
		}
	}
	switch (filter[flen - 1].code) {
	case BPF_RET | BPF_K:
	case BPF_RET | BPF_A:
		return check_load_and_stores(filter, flen);
	}
	return -EINVAL;
}

/* ---- classic BPF: the conversion to eBPF ---- */

static u64 bpf_anc_cpu(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5)
{
	return raw_smp_processor_id();
}

/* bpf_skb_get_pay_offset(): where the payload starts, by the flow dissector */
static u64 bpf_anc_pay_offset(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5)
{
	return skb_get_poff((const struct sk_buff *)(unsigned long)r1);
}

static u64 bpf_anc_random(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5)
{
	return get_random_u32();
}

struct lkmsh_nlattr {
	u16 nla_len;
	u16 nla_type;
};

static const struct lkmsh_nlattr *nla_find_attr(const u8 *head, int len, u32 type)
{
	while (len >= 4) {
		const struct lkmsh_nlattr *nla = (const void *)head;

		if (nla->nla_len < 4 || nla->nla_len > len)
			return NULL;
		if ((nla->nla_type & 0x3fff) == type)
			return nla;
		len -= (nla->nla_len + 3) & ~3;
		head += (nla->nla_len + 3) & ~3;
	}
	return NULL;
}

/* SKF_AD_NLATTR (r4 0) and SKF_AD_NLATTR_NEST (r4 1): skb in r1, A in r2, X in r3 */
static u64 bpf_anc_nlattr(u64 r1, u64 a, u64 x, u64 nest, u64 r5)
{
	const struct sk_buff *skb = (void *)(unsigned long)r1;
	const struct lkmsh_nlattr *nla;
	u32 A = (u32)a;

	if (skb->data_len || skb->len < 4 || A > skb->len - 4)
		return 0;
	nla = (const void *)(skb->data + A);
	if (nest) {
		if (nla->nla_len > skb->len - A)
			return 0;
		nla = nla_find_attr((const u8 *)nla + 4, nla->nla_len - 4, (u32)x);
	} else {
		nla = nla_find_attr((const u8 *)nla, skb->len - A, (u32)x);
	}
	return nla ? (u64)((const u8 *)nla - skb->data) : 0;
}

#define EMIT(i) do { if (out) out[n] = (i); n++; } while (0)
#define CALL_IMM(fn) ((s32)((void *)(fn) - (void *)__bpf_call_base))
#define SKB_FIELD(sz, dst, field) \
	BPF_LDX_MEM(sz, dst, BPF_REG_CTX, __builtin_offsetof(struct sk_buff, field))

/* a helper call keeps A (R0) and X (R7): the arguments in R1..R4, the result to A */
static unsigned int emit_anc_call(struct bpf_insn *out, unsigned int n, s32 imm, int nest)
{
	EMIT(BPF_MOV64_REG(BPF_REG_ARG1, BPF_REG_CTX));
	EMIT(BPF_MOV64_REG(BPF_REG_ARG2, BPF_REG_A));
	EMIT(BPF_MOV64_REG(BPF_REG_ARG3, BPF_REG_X));
	EMIT(BPF_MOV64_IMM(BPF_REG_ARG4, nest));
	EMIT(BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, 0, 0, imm));
	return n;
}

/* the ancillary load at k, or 0 (n unchanged) when k names none */
static unsigned int emit_ancillary(struct bpf_insn *out, unsigned int n, u32 k)
{
	switch ((int)k - SKF_AD_OFF) {
	case SKF_AD_PROTOCOL:
		EMIT(SKB_FIELD(BPF_H, BPF_REG_A, protocol));
		EMIT(BPF_ENDIAN(BPF_FROM_BE, BPF_REG_A, 16));
		break;
	case SKF_AD_PKTTYPE:
		EMIT(BPF_LDX_MEM(BPF_B, BPF_REG_A, BPF_REG_CTX, PKT_TYPE_OFFSET));
		EMIT(BPF_ALU32_IMM(BPF_AND, BPF_REG_A, PKT_TYPE_MAX));
		break;
	case SKF_AD_IFINDEX:
	case SKF_AD_HATYPE:
		EMIT(SKB_FIELD(BPF_DW, BPF_REG_TMP, dev));
		EMIT(BPF_JMP_IMM(BPF_JNE, BPF_REG_TMP, 0, 1));
		EMIT(BPF_EXIT_INSN());
		if ((int)k - SKF_AD_OFF == SKF_AD_IFINDEX)
			EMIT(BPF_LDX_MEM(BPF_W, BPF_REG_A, BPF_REG_TMP,
					 __builtin_offsetof(struct net_device, ifindex)));
		else
			EMIT(BPF_LDX_MEM(BPF_H, BPF_REG_A, BPF_REG_TMP,
					 __builtin_offsetof(struct net_device, type)));
		break;
	case SKF_AD_MARK:
		EMIT(SKB_FIELD(BPF_W, BPF_REG_A, mark));
		break;
	case SKF_AD_RXHASH:
		EMIT(SKB_FIELD(BPF_W, BPF_REG_A, hash));
		break;
	case SKF_AD_QUEUE:
		EMIT(SKB_FIELD(BPF_H, BPF_REG_A, queue_mapping));
		break;
	case SKF_AD_VLAN_TAG:
		EMIT(SKB_FIELD(BPF_H, BPF_REG_A, vlan_tci));
		break;
	case SKF_AD_VLAN_TPID:
		EMIT(SKB_FIELD(BPF_H, BPF_REG_A, vlan_proto));
		EMIT(BPF_ENDIAN(BPF_FROM_BE, BPF_REG_A, 16));
		break;
	case SKF_AD_VLAN_TAG_PRESENT:
		EMIT(BPF_LDX_MEM(BPF_B, BPF_REG_A, BPF_REG_CTX, PKT_VLAN_PRESENT_OFFSET));
		if (PKT_VLAN_PRESENT_BIT)
			EMIT(BPF_ALU32_IMM(BPF_RSH, BPF_REG_A, PKT_VLAN_PRESENT_BIT));
		EMIT(BPF_ALU32_IMM(BPF_AND, BPF_REG_A, 1));
		break;
	case SKF_AD_PAY_OFFSET:
		n = emit_anc_call(out, n, CALL_IMM(bpf_anc_pay_offset), 0);
		break;
	case SKF_AD_ALU_XOR_X:
		EMIT(BPF_ALU32_REG(BPF_XOR, BPF_REG_A, BPF_REG_X));
		break;
	case SKF_AD_CPU:
		n = emit_anc_call(out, n, CALL_IMM(bpf_anc_cpu), 0);
		break;
	case SKF_AD_RANDOM:
		n = emit_anc_call(out, n, CALL_IMM(bpf_anc_random), 0);
		break;
	case SKF_AD_NLATTR:
		n = emit_anc_call(out, n, CALL_IMM(bpf_anc_nlattr), 0);
		break;
	case SKF_AD_NLATTR_NEST:
		n = emit_anc_call(out, n, CALL_IMM(bpf_anc_nlattr), 1);
		break;
	default:
		return n;
	}
	return n;
}

/*
 * The slow path of a classic packet load (the inline one covers a
 * non-negative offset inside the linear data): the byte, half or word at
 * @off, big-endian, or -EFAULT.
 */
static u64 bpf_skb_load(const struct sk_buff *skb, s32 off, unsigned int size)
{
	u8 buf[4];
	const u8 *p = skb_load_ptr(skb, off, size, buf);

	if (!p)
		return (u64)-EFAULT;
	if (size == 4)
		return ((u32)p[0] << 24) | ((u32)p[1] << 16) | ((u32)p[2] << 8) | p[3];
	if (size == 2)
		return ((u32)p[0] << 8) | p[1];
	return p[0];
}

static u64 bpf_skb_load_helper_8(u64 skb, u64 data, u64 headlen, u64 off, u64 r5)
{
	return bpf_skb_load((const void *)(unsigned long)skb, (s32)off, 1);
}

static u64 bpf_skb_load_helper_16(u64 skb, u64 data, u64 headlen, u64 off, u64 r5)
{
	return bpf_skb_load((const void *)(unsigned long)skb, (s32)off, 2);
}

static u64 bpf_skb_load_helper_32(u64 skb, u64 data, u64 headlen, u64 off, u64 r5)
{
	return bpf_skb_load((const void *)(unsigned long)skb, (s32)off, 4);
}

static bool seen_ld_abs(const struct sock_filter *prog, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++) {
		u16 c = prog[i].code;

		if (c == (BPF_LDX | BPF_B | BPF_MSH) ||
		    (BPF_CLASS(c) == BPF_LD && BPF_MODE(c) == BPF_IND))
			return true;
		/* an ancillary load reads the sk_buff's fields, not its data */
		if (BPF_CLASS(c) == BPF_LD && BPF_MODE(c) == BPF_ABS &&
		    !emit_ancillary(NULL, 0, prog[i].k))
			return true;
	}
	return false;
}

/*
 * A classic LD ABS/IND into A: inline from D (the data) when the offset is a
 * constant inside H (the linear length), else a call of the load helper, whose
 * error ends the program with 0.
 */
static unsigned int emit_ld_pkt(struct bpf_insn *out, unsigned int n, u16 code, u32 k)
{
	unsigned int size = BPF_SIZE(code) == BPF_W ? 4 : BPF_SIZE(code) == BPF_H ? 2 : 1;
	bool endian = size > 1, indirect = BPF_MODE(code) == BPF_IND;
	s32 off = (s32)k;
	s32 fn;

	if (!indirect && off >= 0 && off <= S16_MAX) {
		EMIT(BPF_MOV64_REG(BPF_REG_TMP, BPF_REG_H));
		if (off)
			EMIT(BPF_ALU64_IMM(BPF_SUB, BPF_REG_TMP, off));
		EMIT(BPF_JMP_IMM(BPF_JSLT, BPF_REG_TMP, size, 2 + endian));
		EMIT(BPF_LDX_MEM(BPF_SIZE(code), BPF_REG_A, BPF_REG_D, off));
		if (endian)
			EMIT(BPF_ENDIAN(BPF_FROM_BE, BPF_REG_A, size * 8));
		EMIT(BPF_JMP_A(8));
	}
	EMIT(BPF_MOV64_REG(BPF_REG_ARG1, BPF_REG_CTX));
	EMIT(BPF_MOV64_REG(BPF_REG_ARG2, BPF_REG_D));
	EMIT(BPF_MOV64_REG(BPF_REG_ARG3, BPF_REG_H));
	if (!indirect) {
		EMIT(BPF_MOV64_IMM(BPF_REG_ARG4, off));
	} else {
		EMIT(BPF_MOV64_REG(BPF_REG_ARG4, BPF_REG_X));
		if (off)
			EMIT(BPF_ALU64_IMM(BPF_ADD, BPF_REG_ARG4, off));
	}
	fn = size == 4 ? CALL_IMM(bpf_skb_load_helper_32) :
	     size == 2 ? CALL_IMM(bpf_skb_load_helper_16) : CALL_IMM(bpf_skb_load_helper_8);
	EMIT(BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, 0, 0, fn));
	EMIT(BPF_JMP_IMM(BPF_JSGE, BPF_REG_0, 0, 2));
	EMIT(BPF_ALU32_REG(BPF_XOR, BPF_REG_A, BPF_REG_A));
	EMIT(BPF_EXIT_INSN());
	return n;
}

#define MEM_OFF(k) (-(int)((BPF_MEMWORDS - (k)) * 4))

/*
 * One pass of the conversion: with @out NULL it only counts, filling addrs[]
 * (the eBPF index of each classic instruction); the second pass emits, with
 * jumps resolved through addrs[]. Returns the eBPF length, or -EINVAL when a
 * jump of the converted program would not fit its 16-bit offset.
 */
static int convert_pass(const struct sock_filter *prog, unsigned int len,
			struct bpf_insn *out, unsigned int *addrs)
{
	unsigned int n = 0, i;
	int off;

	EMIT(BPF_ALU32_REG(BPF_XOR, BPF_REG_A, BPF_REG_A));
	EMIT(BPF_ALU32_REG(BPF_XOR, BPF_REG_X, BPF_REG_X));
	EMIT(BPF_MOV64_REG(BPF_REG_CTX, BPF_REG_ARG1));
	if (seen_ld_abs(prog, len)) {
		/* the packet's data in D and its linear length in H, for the inline loads */
		EMIT(SKB_FIELD(BPF_DW, BPF_REG_D, data));
		EMIT(SKB_FIELD(BPF_W, BPF_REG_H, len));
		EMIT(SKB_FIELD(BPF_W, BPF_REG_TMP, data_len));
		EMIT(BPF_ALU32_REG(BPF_SUB, BPF_REG_H, BPF_REG_TMP));
	}
	for (i = 0; i < len; i++) {
		const struct sock_filter *f = &prog[i];
		u16 code = f->code;
		unsigned int start;

		addrs[i] = n;
		switch (code) {
		case BPF_ALU | BPF_DIV | BPF_X:
		case BPF_ALU | BPF_MOD | BPF_X:
			EMIT(BPF_JMP_IMM(BPF_JNE, BPF_REG_X, 0, 2));
			EMIT(BPF_ALU32_REG(BPF_XOR, BPF_REG_A, BPF_REG_A));
			EMIT(BPF_EXIT_INSN());
			fallthrough;
		case BPF_ALU | BPF_ADD | BPF_X: case BPF_ALU | BPF_SUB | BPF_X:
		case BPF_ALU | BPF_MUL | BPF_X: case BPF_ALU | BPF_AND | BPF_X:
		case BPF_ALU | BPF_OR | BPF_X: case BPF_ALU | BPF_XOR | BPF_X:
		case BPF_ALU | BPF_LSH | BPF_X: case BPF_ALU | BPF_RSH | BPF_X:
			EMIT(BPF_ALU32_REG(BPF_OP(code), BPF_REG_A, BPF_REG_X));
			break;
		case BPF_ALU | BPF_ADD | BPF_K: case BPF_ALU | BPF_SUB | BPF_K:
		case BPF_ALU | BPF_MUL | BPF_K: case BPF_ALU | BPF_DIV | BPF_K:
		case BPF_ALU | BPF_MOD | BPF_K: case BPF_ALU | BPF_AND | BPF_K:
		case BPF_ALU | BPF_OR | BPF_K: case BPF_ALU | BPF_XOR | BPF_K:
		case BPF_ALU | BPF_LSH | BPF_K: case BPF_ALU | BPF_RSH | BPF_K:
			/* ALU32 takes the immediate as its 32 bits: K stays unsigned */
			EMIT(BPF_ALU32_IMM(BPF_OP(code), BPF_REG_A, f->k));
			break;
		case BPF_ALU | BPF_NEG:
			EMIT(BPF_ALU32_IMM(BPF_NEG, BPF_REG_A, 0));
			break;
		case BPF_LD | BPF_W | BPF_ABS: case BPF_LD | BPF_H | BPF_ABS:
		case BPF_LD | BPF_B | BPF_ABS:
			start = n;
			n = emit_ancillary(out, n, f->k);
			if (n != start)
				break;
			fallthrough;
		case BPF_LD | BPF_W | BPF_IND: case BPF_LD | BPF_H | BPF_IND:
		case BPF_LD | BPF_B | BPF_IND:
			n = emit_ld_pkt(out, n, code, f->k);
			break;
		case BPF_LD | BPF_W | BPF_LEN:
			EMIT(SKB_FIELD(BPF_W, BPF_REG_A, len));
			break;
		case BPF_LDX | BPF_W | BPF_LEN:
			EMIT(SKB_FIELD(BPF_W, BPF_REG_X, len));
			break;
		case BPF_LDX | BPF_B | BPF_MSH:
			/* A waits in X: the load uses TMP */
			EMIT(BPF_MOV64_REG(BPF_REG_X, BPF_REG_A));
			n = emit_ld_pkt(out, n, BPF_LD | BPF_ABS | BPF_B, f->k);
			EMIT(BPF_ALU32_IMM(BPF_AND, BPF_REG_A, 0xf));
			EMIT(BPF_ALU32_IMM(BPF_LSH, BPF_REG_A, 2));
			EMIT(BPF_MOV64_REG(BPF_REG_TMP, BPF_REG_X));
			EMIT(BPF_MOV64_REG(BPF_REG_X, BPF_REG_A));
			EMIT(BPF_MOV64_REG(BPF_REG_A, BPF_REG_TMP));
			break;
		case BPF_LD | BPF_IMM:
			EMIT(BPF_MOV32_IMM(BPF_REG_A, f->k));
			break;
		case BPF_LDX | BPF_IMM:
			EMIT(BPF_MOV32_IMM(BPF_REG_X, f->k));
			break;
		case BPF_LD | BPF_MEM:
			EMIT(BPF_LDX_MEM(BPF_W, BPF_REG_A, BPF_REG_FP, MEM_OFF(f->k)));
			break;
		case BPF_LDX | BPF_MEM:
			EMIT(BPF_LDX_MEM(BPF_W, BPF_REG_X, BPF_REG_FP, MEM_OFF(f->k)));
			break;
		case BPF_ST:
			EMIT(BPF_STX_MEM(BPF_W, BPF_REG_FP, BPF_REG_A, MEM_OFF(f->k)));
			break;
		case BPF_STX:
			EMIT(BPF_STX_MEM(BPF_W, BPF_REG_FP, BPF_REG_X, MEM_OFF(f->k)));
			break;
		case BPF_MISC | BPF_TAX:
			EMIT(BPF_MOV32_REG(BPF_REG_X, BPF_REG_A));
			break;
		case BPF_MISC | BPF_TXA:
			EMIT(BPF_MOV32_REG(BPF_REG_A, BPF_REG_X));
			break;
		case BPF_RET | BPF_A:
			EMIT(BPF_EXIT_INSN());
			break;
		case BPF_RET | BPF_K:
			EMIT(BPF_MOV32_IMM(BPF_REG_A, f->k));
			EMIT(BPF_EXIT_INSN());
			break;
		case BPF_JMP | BPF_JA:
			off = (int)addrs[i + 1 + f->k] - (int)(n + 1);
			if (out && (off < S16_MIN || off > S16_MAX))
				return -EINVAL;
			EMIT(BPF_JMP_A(out ? off : 0));
			break;
		default: {
			/* the conditional jumps, compared on 32 bits (A and X are 32-bit) */
			struct bpf_insn j = {
				.code = BPF_JMP32 | BPF_OP(code) | BPF_SRC(code),
				.dst_reg = BPF_REG_A,
				.src_reg = BPF_SRC(code) == BPF_X ? BPF_REG_X : 0,
				.imm = (s32)f->k,
			};

			off = (int)addrs[i + 1 + f->jt] - (int)(n + 1);
			if (out && (off < S16_MIN || off > S16_MAX))
				return -EINVAL;
			if (out)
				j.off = off;
			EMIT(j);
			if (f->jf) {
				off = (int)addrs[i + 1 + f->jf] - (int)(n + 1);
				if (out && (off < S16_MIN || off > S16_MAX))
					return -EINVAL;
				EMIT(BPF_JMP_A(out ? off : 0));
			}
			break;
		}
		}
	}
	return n;
}

int bpf_prog_create(struct bpf_prog **pfp, struct sock_fprog_kern *fprog)
{
	unsigned int len = fprog->len, n, *addrs;
	struct bpf_prog *fp;
	int err;

	if (!fprog->filter || len == 0 || len > BPF_MAXINSNS)
		return -EINVAL;
	err = bpf_check_classic(fprog->filter, len);
	if (err)
		return err;
	addrs = kmalloc_array(len + 1, sizeof(*addrs), GFP_KERNEL);
	if (!addrs)
		return -ENOMEM;
	n = convert_pass(fprog->filter, len, NULL, addrs);
	addrs[len] = n;
	fp = bpf_prog_alloc(bpf_prog_size(n), 0);
	if (!fp) {
		kfree(addrs);
		return -ENOMEM;
	}
	err = convert_pass(fprog->filter, len, fp->insnsi, addrs);
	kfree(addrs);
	if (err < 0) {
		bpf_prog_free(fp);
		return err;
	}
	fp->len = n;
	fp->type = BPF_PROG_TYPE_SOCKET_FILTER;
	fp->aux->stack_depth = BPF_MEMWORDS * 4;
	bpf_prog_select_runtime(fp, &err);
	*pfp = fp;
	return 0;
}

void bpf_prog_destroy(struct bpf_prog *fp)
{
	bpf_prog_free(fp);
}
