"""<linux/filter.h>: classic and eBPF programs run by lkmsh's interpreter (lkmsh/klib/bpf.c).

"bpfrun" creates classic filters (bpf_prog_create: checked, converted to eBPF)
and eBPF programs (bpf_prog_alloc + bpf_prog_select_runtime) and prints what
each returns: the checker's refusals, loads from an sk_buff (absolute,
indirect, the MSH idiom, ancillary fields, negative SKF_NET_OFF offsets), the
scratch words, ALU32/ALU64 edge cases (division and modulo by zero, shifts,
ARSH, byte swaps), JMP32 against JMP, the atomics with and without FETCH,
XCHG and CMPXCHG, a helper call and tail calls capped at MAX_TAIL_CALL_CNT.
Both architectures.
"""

from __future__ import annotations

from kernel_helpers import texts

BPFRUN = r"""
#include <linux/module.h>
#include <linux/filter.h>
#include <linux/skbuff.h>
#include <linux/slab.h>

#define R0 BPF_REG_0
#define R1 BPF_REG_1
#define R2 BPF_REG_2
#define R3 BPF_REG_3
#define R4 BPF_REG_4
#define R5 BPF_REG_5
#define R10 BPF_REG_10

static struct bpf_prog *ebpf(const struct bpf_insn *insns, int len)
{
	struct bpf_prog *fp = bpf_prog_alloc(bpf_prog_size(len), 0);
	int err;

	fp->len = len;
	fp->type = BPF_PROG_TYPE_SOCKET_FILTER;
	memcpy(fp->insnsi, insns, len * sizeof(*insns));
	return bpf_prog_select_runtime(fp, &err);
}

static u32 run_ebpf(const char *what, const struct bpf_insn *insns, int len, void *ctx)
{
	struct bpf_prog *fp = ebpf(insns, len);
	u32 ret = bpf_prog_run(fp, ctx);

	pr_info("bpfrun: %s %#x jited %u\n", what, ret, fp->jited);
	bpf_prog_free(fp);
	return ret;
}

static int classic(const char *what, struct sock_filter *f, int len, struct sk_buff *skb)
{
	struct sock_fprog_kern fprog = { .len = len, .filter = f };
	struct bpf_prog *fp;
	int err = bpf_prog_create(&fp, &fprog);

	if (err) {
		pr_info("bpfrun: %s err %d\n", what, err);
		return err;
	}
	pr_info("bpfrun: %s %#x\n", what, bpf_prog_run(fp, skb));
	bpf_prog_destroy(fp);
	return 0;
}

BPF_CALL_2(add_args, u64, a, u64, b)
{
	return a * 10 + b;
}

static struct bpf_array *progs;

static int __init bpfrun_init(void)
{
	struct sk_buff *skb = alloc_skb(128, GFP_KERNEL);
	u8 *p = skb_put(skb, 64);
	u64 mem[2] = { 0x100000001ULL, 5 };
	int i;

	for (i = 0; i < 64; i++)
		p[i] = i;
	skb->mark = 0x1234aaaa;
	skb->protocol = htons(0x0800);
	skb->network_header = skb->data - skb->head + 14;

	{	/* the checker */
		struct sock_filter no_ret[] = { BPF_STMT(BPF_LD | BPF_IMM, 1) };
		struct sock_filter div0[] = { BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0),
						BPF_STMT(BPF_RET | BPF_A, 0) };
		struct sock_filter shift[] = { BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32),
						BPF_STMT(BPF_RET | BPF_A, 0) };
		struct sock_filter far[] = { BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0),
						BPF_STMT(BPF_RET | BPF_A, 0) };
		struct sock_filter unset[] = { BPF_STMT(BPF_LD | BPF_MEM, 3),
						BPF_STMT(BPF_RET | BPF_A, 0) };
		struct sock_filter bad[] = { { 0xffff, 0, 0, 0 }, BPF_STMT(BPF_RET | BPF_A, 0) };
		struct sock_filter path[] = {
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
			BPF_STMT(BPF_ST, 3),
			BPF_STMT(BPF_LD | BPF_MEM, 3),
			BPF_STMT(BPF_RET | BPF_A, 0) };

		classic("no ret", no_ret, 1, skb);
		classic("div 0", div0, 2, skb);
		classic("lsh 32", shift, 2, skb);
		classic("jump out", far, 2, skb);
		classic("unset M", unset, 2, skb);
		classic("bad code", bad, 2, skb);
		classic("one path", path, 4, skb);
		classic("empty", no_ret, 0, skb);
	}
	{	/* classic programs on the skb */
		struct sock_filter loads[] = {
			BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 1),		/* X = (1 & 0xf) << 2 = 4 */
			BPF_STMT(BPF_LD | BPF_W | BPF_IND, 2),		/* A = p[6..9] */
			BPF_STMT(BPF_ST, 0),
			BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 62),
			BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
			BPF_STMT(BPF_LDX | BPF_MEM, 0),
			BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
			BPF_STMT(BPF_RET | BPF_A, 0) };
		struct sock_filter outside[] = {
			BPF_STMT(BPF_LD | BPF_IMM, 7),
			BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 63),
			BPF_STMT(BPF_RET | BPF_K, 9) };
		struct sock_filter anc[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PROTOCOL),
			BPF_STMT(BPF_MISC | BPF_TAX, 0),
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_MARK),
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_ALU_XOR_X),
			BPF_STMT(BPF_RET | BPF_A, 0) };
		struct sock_filter net[] = {
			BPF_STMT(BPF_LD | BPF_B | BPF_ABS, SKF_NET_OFF + 1),
			BPF_STMT(BPF_MISC | BPF_TAX, 0),
			BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
			BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 0x10000),
			BPF_STMT(BPF_ALU | BPF_OR | BPF_X, 0),
			BPF_STMT(BPF_RET | BPF_A, 0) };
		struct sock_filter jumps[] = {
			BPF_STMT(BPF_LD | BPF_IMM, 0xfffffff0),
			BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 0xffffff00, 0, 2),
			BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x10, 2, 0),
			BPF_STMT(BPF_RET | BPF_K, 1),
			BPF_STMT(BPF_RET | BPF_K, 2),
			BPF_STMT(BPF_JMP | BPF_JA, 1),
			BPF_STMT(BPF_RET | BPF_K, 3),
			BPF_STMT(BPF_RET | BPF_K, 4) };
		struct sock_filter divx[] = {
			BPF_STMT(BPF_LD | BPF_IMM, 100),
			BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0),
			BPF_STMT(BPF_RET | BPF_K, 5) };

		classic("loads", loads, ARRAY_SIZE(loads), skb);
		classic("outside", outside, ARRAY_SIZE(outside), skb);
		classic("ancillary", anc, ARRAY_SIZE(anc), skb);
		classic("net", net, ARRAY_SIZE(net), skb);
		classic("jumps", jumps, ARRAY_SIZE(jumps), skb);
		classic("div X=0", divx, ARRAY_SIZE(divx), skb);
	}
	{	/* eBPF */
		struct bpf_insn divmod[] = {
			BPF_MOV64_IMM(R0, 7), BPF_MOV64_IMM(R1, 0),
			BPF_ALU64_REG(BPF_DIV, R0, R1),
			BPF_MOV64_IMM(R2, 9), BPF_ALU64_REG(BPF_MOD, R2, R1),
			BPF_ALU64_IMM(BPF_LSH, R0, 8), BPF_ALU64_REG(BPF_OR, R0, R2),
			BPF_EXIT_INSN() };
		struct bpf_insn alu32[] = {
			BPF_LD_IMM64(R1, 0xffffffff80000000ULL),
			BPF_MOV64_REG(R0, R1),
			BPF_ALU32_IMM(BPF_ARSH, R0, 4),		/* 0xf8000000, zero-extended */
			BPF_MOV64_REG(R2, R0), BPF_ALU64_IMM(BPF_RSH, R2, 32),
			BPF_ALU64_REG(BPF_ADD, R0, R2),
			BPF_ALU64_IMM(BPF_ARSH, R1, 60),	/* -1 */
			BPF_ALU32_REG(BPF_ADD, R0, R1),
			BPF_EXIT_INSN() };
		struct bpf_insn endian[] = {
			BPF_LD_IMM64(R0, 0x0102030405060708ULL),
			BPF_ENDIAN(BPF_FROM_BE, R0, 64),
			BPF_ALU64_IMM(BPF_RSH, R0, 32),
			BPF_ENDIAN(BPF_FROM_BE, R0, 16),
			BPF_EXIT_INSN() };
		struct bpf_insn jmp32[] = {
			BPF_LD_IMM64(R1, 0x100000001ULL),
			BPF_MOV64_IMM(R0, 0),
			BPF_JMP32_IMM(BPF_JEQ, R1, 1, 1), BPF_EXIT_INSN(),
			BPF_ALU64_IMM(BPF_OR, R0, 1),
			BPF_JMP_IMM(BPF_JEQ, R1, 1, 1), BPF_ALU64_IMM(BPF_OR, R0, 2),
			BPF_JMP_IMM(BPF_JSGT, R1, -1, 1), BPF_EXIT_INSN(),
			BPF_ALU64_IMM(BPF_OR, R0, 4),
			BPF_EXIT_INSN() };
		struct bpf_insn atomics[] = {
			BPF_MOV64_IMM(R2, 3),
			BPF_ATOMIC_OP(BPF_W, BPF_ADD | BPF_FETCH, R1, R2, 0),	/* R2 = 1, lo = 4 */
			BPF_MOV64_IMM(R3, 0x10),
			BPF_ATOMIC_OP(BPF_DW, BPF_OR, R1, R3, 8),		/* mem[1] = 0x15 */
			BPF_MOV64_IMM(R0, 0x15), BPF_MOV64_IMM(R4, 0x99),
			BPF_ATOMIC_OP(BPF_DW, BPF_CMPXCHG, R1, R4, 8),		/* R0 = 0x15, mem = 0x99 */
			BPF_MOV64_IMM(R5, 0x77),
			BPF_ATOMIC_OP(BPF_DW, BPF_XCHG, R1, R5, 8),		/* R5 = 0x99 */
			BPF_ALU64_IMM(BPF_LSH, R0, 8), BPF_ALU64_REG(BPF_OR, R0, R5),
			BPF_ALU64_IMM(BPF_LSH, R0, 4), BPF_ALU64_REG(BPF_OR, R0, R2),
			BPF_EXIT_INSN() };
		struct bpf_insn stack[] = {
			BPF_ST_MEM(BPF_DW, R10, -8, -2),
			BPF_LDX_MEM(BPF_W, R0, R10, -4),
			BPF_STX_MEM(BPF_B, R10, R1, -8),
			BPF_LDX_MEM(BPF_H, R1, R10, -8),
			BPF_ALU64_REG(BPF_SUB, R0, R1),
			BPF_EXIT_INSN() };
		struct bpf_insn call[] = {
			BPF_MOV64_IMM(R1, 4), BPF_MOV64_IMM(R2, 2),
			BPF_EMIT_CALL(add_args),
			BPF_EXIT_INSN() };

		run_ebpf("divmod", divmod, ARRAY_SIZE(divmod), NULL);
		run_ebpf("alu32", alu32, ARRAY_SIZE(alu32), NULL);
		run_ebpf("endian", endian, ARRAY_SIZE(endian), NULL);
		run_ebpf("jmp32", jmp32, ARRAY_SIZE(jmp32), NULL);
		run_ebpf("atomics", atomics, ARRAY_SIZE(atomics), mem);
		pr_info("bpfrun: memory %llx %llx\n", mem[0], mem[1]);
		run_ebpf("stack", stack, ARRAY_SIZE(stack), (void *)0x1234);
		run_ebpf("call", call, ARRAY_SIZE(call), NULL);
	}
	{	/* tail calls: program 0 counts in *ctx and calls itself */
		struct bpf_insn self[] = {
			BPF_LDX_MEM(BPF_W, R2, R1, 0),
			BPF_ALU64_IMM(BPF_ADD, R2, 1),
			BPF_STX_MEM(BPF_W, R1, R2, 0),
			BPF_LD_IMM64(R2, 0), BPF_MOV32_IMM(R3, 0),
			BPF_JMP_IMM(BPF_TAIL_CALL, 0, 0, 0),
			BPF_MOV64_IMM(R0, 1),
			BPF_EXIT_INSN() };
		int count = 0;
		u32 ret;

		progs = kzalloc(sizeof(*progs) + 2 * sizeof(void *), GFP_KERNEL);
		progs->map.max_entries = 2;
		self[3].imm = (u32)(long)progs;
		self[4].imm = ((u64)(long)progs) >> 32;
		progs->ptrs[0] = ebpf(self, ARRAY_SIZE(self));
		ret = bpf_prog_run(progs->ptrs[0], &count);
		pr_info("bpfrun: tail calls %d ret %u\n", count, ret);
		bpf_prog_free(progs->ptrs[0]);
		kfree(progs);
	}
	kfree_skb(skb);
	return 0;
}

static void __exit bpfrun_exit(void)
{
}

module_init(bpfrun_init);
module_exit(bpfrun_exit);
MODULE_LICENSE("GPL");
"""

PREFIX = "bpfrun: "


def _lines(kernel) -> list[str]:
    return [t[len(PREFIX) :] for t in texts(kernel) if t.startswith(PREFIX) and "taints" not in t]


def test_programs_run_on_the_interpreter(arch_kernel):
    kernel, build = arch_kernel
    kernel.module_load(build(BPFRUN, "bpfrun"))
    log = _lines(kernel)
    assert log[:8] == [
        "no ret err -22",
        "div 0 err -22",
        "lsh 32 err -22",
        "jump out err -22",
        "unset M err -22",
        "bad code err -22",
        "one path err -22",
        "empty err -22",
    ]
    word = int.from_bytes(bytes(range(6, 10)), "big")
    assert log[8] == f"loads {(0x3E3F + 4) ^ word:#x}"
    assert log[9:14] == [
        "outside 0x0",
        f"ancillary {0x1234AAAA ^ 0x0800:#x}",
        f"net {(64 << 16) | 15:#x}",
        "jumps 0x4",
        "div X=0 0x0",
    ]
    assert log[14:] == [
        "divmod 0x9 jited 0",
        f"alu32 {(0xF8000000 + 0xFFFFFFFF) & 0xFFFFFFFF:#x} jited 0",
        "endian 0x506 jited 0",
        "jmp32 0x7 jited 0",
        f"atomics {(((0x15 << 8) | 0x99) << 4 | 1):#x} jited 0",
        "memory 100000004 77",
        f"stack {(0xFFFFFFFF - 0xFF34) & 0xFFFFFFFF:#x} jited 0",
        "call 0x2a jited 0",
        "tail calls 34 ret 1",
    ]
