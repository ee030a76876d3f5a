"""kprobes and kretprobes (<linux/kprobes.h>) on module code, the kernel library and
the kernel's own functions, as Linux 6.1 runs them; both architectures.

The modules are written as kprobe users write them (samples/kprobes): a
struct kprobe with a symbol_name, pre/post handlers reading struct pt_regs,
a kretprobe with per-instance data.
"""

from __future__ import annotations

import re

import pytest
from kernel_helpers import texts

from lkmsh.errors import KernelError

PROBES = r"""
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/bsearch.h>

static unsigned int pre_hits, post_hits, ret_hits;
static int change_arg;
module_param(change_arg, int, 0444);

static noinline int probes_target(int value)
{
	return value * 3 + 1;
}

static int (*target)(int) = probes_target;

struct stamp { unsigned long arg; };

static int pre(struct kprobe *p, struct pt_regs *regs)
{
	pre_hits++;
	pr_info("pre: <%s> first argument %lu, running %d\n", p->symbol_name,
		regs_get_kernel_argument(regs, 0), kprobe_running() == p);
#if defined(__x86_64__)
	if (change_arg)
		regs->di = 100;
#else
	if (change_arg)
		regs->regs[0] = 100;
#endif
	return 0;
}

static void post(struct kprobe *p, struct pt_regs *regs, unsigned long flags)
{
	post_hits++;
	pr_info("post: <%s> at %pS\n", p->symbol_name, (void *)instruction_pointer(regs));
}

static struct kprobe kp = {
	.symbol_name = "probes_target",
	.pre_handler = pre,
	.post_handler = post,
};

static int entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct stamp *s = (struct stamp *)ri->data;

	s->arg = regs_get_kernel_argument(regs, 0);
	return 0;
}

static int ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct stamp *s = (struct stamp *)ri->data;

	ret_hits++;
	pr_info("ret: %s(%lu) = %lu, back to %pS\n", get_kretprobe(ri)->kp.symbol_name, s->arg,
		regs_return_value(regs), (void *)get_kretprobe_retaddr(ri));
	return 0;
}

static struct kretprobe rp = {
	.kp.symbol_name = "probes_target",
	.handler = ret,
	.entry_handler = entry,
	.data_size = sizeof(struct stamp),
};

static int __init probes_init(void)
{
	int err, r;

	err = register_kprobe(&kp);
	if (err)
		return err;
	r = target(5);
	pr_info("target(5) = %d: pre %u post %u, running after %d\n", r, pre_hits, post_hits,
		kprobe_running() != NULL);
	err = register_kretprobe(&rp);
	if (err)
		goto out_kprobe;
	r = target(7);
	pr_info("target(7) = %d: pre %u post %u ret %u\n", r, pre_hits, post_hits, ret_hits);
	disable_kprobe(&kp);
	r = target(8);
	pr_info("disabled: target(8) = %d: pre %u ret %u\n", r, pre_hits, ret_hits);
	enable_kprobe(&kp);
	unregister_kretprobe(&rp);
	unregister_kprobe(&kp);
	r = target(9);
	pr_info("unregistered: target(9) = %d: pre %u ret %u\n", r, pre_hits, ret_hits);
	return 0;
out_kprobe:
	unregister_kprobe(&kp);
	return err;
}

static void __exit probes_exit(void)
{
}

module_init(probes_init);
module_exit(probes_exit);
MODULE_LICENSE("GPL");
"""


def test_handlers_run_around_the_probed_instruction_and_at_the_return(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(PROBES, "probes").read_bytes())
    out = "\n".join(texts(k))
    assert "pre: <probes_target> first argument 5, running 1" in out
    assert re.search(r"post: <probes_target> at probes_target\+0x\w+/0x\w+ \[probes\]", out)
    assert "target(5) = 16: pre 1 post 1, running after 0" in out
    # the kretprobe: its entry handler's data, the return value, the real return address
    assert re.search(
        r"ret: probes_target\(7\) = 22, back to probes_init\+0x\w+/0x\w+ \[probes\]", out
    )
    assert "target(7) = 22: pre 2 post 2 ret 1" in out
    # a disabled kprobe is skipped; the kretprobe still runs
    assert "disabled: target(8) = 25: pre 2 ret 2" in out
    assert "unregistered: target(9) = 28: pre 2 ret 2" in out


def test_a_pre_handler_changes_what_the_probed_code_computes(arch_kernel):
    """The probed instruction runs on the registers the handler left (Linux single-steps
    it on them): the function's argument becomes 100."""
    k, build = arch_kernel
    k.module_load(build(PROBES, "probes").read_bytes(), "change_arg=1")
    assert "target(5) = 301: pre 1 post 1, running after 0" in "\n".join(texts(k))


ERRORS = r"""
#include <linux/module.h>
#include <linux/kprobes.h>

static noinline int errors_target(int v) { return v + 1; }
static int (*volatile target)(int) = errors_target;

static int pre(struct kprobe *p, struct pt_regs *regs) { return 0; }

static int __init errors_init(void)
{
	struct kprobe unknown = { .symbol_name = "no_such_function", .pre_handler = pre };
	struct kprobe both = { .symbol_name = "errors_target", .addr = (void *)errors_target };
	struct kprobe data = { .addr = (kprobe_opcode_t *)&target };
	static struct kprobe twice = { .symbol_name = "errors_target", .pre_handler = pre };
	struct kretprobe mid = { .kp.symbol_name = "errors_target", .kp.offset = 1 };
	struct kretprobe big = { .kp.symbol_name = "errors_target", .data_size = 4097 };
	struct kprobe *none[1] = { &unknown };
	int first, again;

	int e1 = register_kprobe(&unknown), e2 = register_kprobe(&both), e3 = register_kprobe(&data);

	pr_info("unknown %d both %d data %d\n", e1, e2, e3);
	first = register_kprobe(&twice);
	again = register_kprobe(&twice);
	pr_info("first %d again %d\n", first, again);
	unregister_kprobe(&twice);
	e1 = register_kretprobe(&mid);
	e2 = register_kretprobe(&big);
	e3 = register_kprobes(none, 0);
	pr_info("mid-function kretprobe %d, big data %d, no array %d\n", e1, e2, e3);
	return target(1) == 2 ? 0 : -EINVAL;
}

module_init(errors_init);
MODULE_LICENSE("GPL");
"""


def test_registration_errors_are_linuxs(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(ERRORS, "errors").read_bytes())
    out = "\n".join(texts(k))
    assert "unknown -2 both -22 data -22" in out  # -ENOENT, -EINVAL, not text: -EINVAL
    assert "first 0 again -22" in out
    assert "mid-function kretprobe -22, big data -7, no array -22" in out  # -E2BIG
    assert not k.kprobes.by_kp


NESTED = r"""
#include <linux/module.h>
#include <linux/kprobes.h>
#include <linux/bsearch.h>

static noinline int nested_helper(int v) { return v ^ 1; }
static int (*volatile helper)(int) = nested_helper;
static unsigned int hits;

static int pre(struct kprobe *p, struct pt_regs *regs)
{
	hits++;
	helper(3);	/* probed too: a hit inside a handler is missed */
	return 0;
}

static struct kprobe kp = { .symbol_name = "nested_helper", .pre_handler = pre };

static int cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static struct kprobe lib = { .symbol_name = "bsearch" };
static unsigned int lib_hits;
static int lib_pre(struct kprobe *p, struct pt_regs *regs)
{
	lib_hits++;
	return 0;
}

static int __init nested_init(void)
{
	static const int sorted[] = { 1, 3, 5, 7 };
	int key = 5, err;

	err = register_kprobe(&kp);
	if (err)
		return err;
	helper(1);
	helper(2);
	pr_info("nested: hits %u, missed %lu\n", hits, kp.nmissed);
	lib.pre_handler = lib_pre;
	err = register_kprobe(&lib);
	if (!err) {
		bsearch(&key, sorted, 4, sizeof(int), cmp);
		pr_info("library: bsearch probed %u time(s)\n", lib_hits);
	}
	return 0;	/* both probes left registered: the unload takes them */
}

static void __exit nested_exit(void)
{
}

module_init(nested_init);
module_exit(nested_exit);
MODULE_LICENSE("GPL");
"""


def test_a_hit_inside_a_handler_is_missed_and_library_code_can_be_probed(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(NESTED, "nested").read_bytes())
    out = "\n".join(texts(k))
    assert "nested: hits 2, missed 2" in out
    assert "library: bsearch probed 1 time(s)" in out


def test_probes_left_registered_are_reported_and_reclaimed_at_unload(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(NESTED, "nested").read_bytes())
    k.module_unload("nested")
    out = texts(k)
    assert any(
        re.fullmatch(r"nested: kprobe at nested_helper\+0x0/0x\w+ \[nested\] still registered "
                     r"at unload; unregistered", line)
        for line in out
    ), out  # fmt: skip
    assert any("kprobe at bsearch+0x0/" in line for line in out)
    assert not k.kprobes.by_kp and not k.cpu.probes


CLONE = r"""
#include <linux/module.h>
#include <linux/kprobes.h>
#include <linux/kthread.h>

static unsigned int forks;
static int pre(struct kprobe *p, struct pt_regs *regs)
{
	forks++;
	pr_info("clone: %s %u\n", p->symbol_name, forks);
	return 0;
}

static struct kprobe kp = { .symbol_name = "kernel_clone", .pre_handler = pre };

static int idle(void *data)
{
	return 0;
}

static int __init clone_init(void)
{
	struct task_struct *t;
	int err = register_kprobe(&kp);

	if (err)
		return err;
	t = kthread_create(idle, NULL, "clone-idle");	/* kthreadd forks it */
	if (IS_ERR(t)) {
		unregister_kprobe(&kp);
		return PTR_ERR(t);
	}
	pr_info("clone: %u after kthread_create\n", forks);
	kthread_stop(t);
	return 0;
}

static void __exit clone_exit(void)
{
	unregister_kprobe(&kp);
}

module_init(clone_init);
module_exit(clone_exit);
MODULE_LICENSE("GPL");
"""


def test_kernel_clone_is_probed_for_each_kthread_and_each_command(arch_kernel):
    """kernel_clone is not exported but is in kallsyms: a kthread's creation and each
    command that runs module code (the shell forked it) go through it."""
    k, build = arch_kernel
    k.module_load(build(CLONE, "clone").read_bytes())
    assert "clone: 1 after kthread_create" in texts(k)
    with pytest.raises(KernelError):
        k.module_init_func("no_such_module")  # a command that fails still forked
    k.module_unload("clone")
    assert texts(k).count("clone: kernel_clone 2") == 1
    assert k.symbol_resolve("kernel_clone") is None  # not an export


PERSIST = r"""
#include <linux/module.h>
#include <linux/kprobes.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

static noinline int persist_value(int v) { return v * 2; }
static int (*volatile value)(int) = persist_value;

static int pre(struct kprobe *p, struct pt_regs *regs)
{
	pr_info("persist: probe hit, argument %lu\n", regs_get_kernel_argument(regs, 0));
	return 0;
}

static int ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	pr_info("persist: returned %lu\n", regs_return_value(regs));
	return 0;
}

static struct kprobe kp = { .symbol_name = "persist_value", .pre_handler = pre };
static struct kretprobe rp = { .kp.symbol_name = "persist_value", .handler = ret };

static int show(struct seq_file *m, void *v)
{
	seq_printf(m, "%d\n", value(21));
	return 0;
}

static int __init persist_init(void)
{
	int err = register_kprobe(&kp);

	if (err)
		return err;
	err = register_kretprobe(&rp);
	if (err) {
		unregister_kprobe(&kp);
		return err;
	}
	if (!proc_create_single("persist", 0444, NULL, show)) {
		unregister_kretprobe(&rp);
		unregister_kprobe(&kp);
		return -ENOMEM;
	}
	return 0;
}

static void __exit persist_exit(void)
{
	remove_proc_entry("persist", NULL);
	unregister_kretprobe(&rp);
	unregister_kprobe(&kp);
}

module_init(persist_init);
module_exit(persist_exit);
MODULE_LICENSE("GPL");
"""


def test_probes_stay_armed_in_the_next_command(arch_kernel):
    """A one-shot command restores the state: the probes registered by an earlier insmod
    fire in a later `cat` as in the same process."""
    from lkmsh.kernel.kernel import Kernel

    k, build = arch_kernel
    k.module_load(build(PERSIST, "persist").read_bytes())
    again = Kernel.from_state(k.export_state())
    assert again.read_file("/proc/persist") == b"42\n"
    out = texts(again)
    assert "persist: probe hit, argument 21" in out and "persist: returned 42" in out
    again.module_unload("persist")
    assert not again.kprobes.by_kp
    assert again.read_file("/proc/modules") == b""


TRACE = r"""
#include <linux/module.h>
#include <linux/stacktrace.h>

static unsigned long entries[8];
static unsigned int n;

static noinline void trace_leaf(void)
{
	n = stack_trace_save(entries, ARRAY_SIZE(entries), 0);
}

static noinline void trace_middle(void)
{
	trace_leaf();
	barrier();
}

static int __init trace_init(void)
{
	trace_middle();
	pr_info("trace: %u entries\n", n);
	stack_trace_print(entries, n, 2);
	return 0;
}

module_init(trace_init);
MODULE_LICENSE("GPL");
"""


def test_stack_trace_save_walks_the_frames_innermost_first(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(TRACE, "trace").read_bytes())
    out = texts(k)
    assert "trace: 3 entries" in out
    at = out.index("trace: 3 entries")
    frames = out[at + 1 : at + 4]
    for line, func in zip(frames, ("trace_leaf", "trace_middle", "trace_init"), strict=True):
        assert re.fullmatch(rf"   {func}\+0x\w+/0x\w+ \[trace\]", line), frames


LATE_ENGINE = r"""
#include <linux/module.h>
#include <linux/kprobes.h>
#include <linux/vmalloc.h>

static noinline int late_target(int v) { return v + 1; }
static int (*volatile target)(int) = late_target;
static int hits;

static int pre(struct kprobe *p, struct pt_regs *regs)
{
	hits++;
	return 0;
}

static struct kprobe kp = { .symbol_name = "late_target", .pre_handler = pre };

static int __init late_init(void)
{
	void *buf = vmalloc(64 * 1024);
	int err;

	if (!buf)
		return -ENOMEM;
	vfree(buf);	/* its pages leave unicorn when init returns */
	err = register_kprobe(&kp);
	if (err)
		return err;
	target(1);	/* the handler runs one engine deeper: a new one */
	unregister_kprobe(&kp);
	pr_info("late: %d hit\n", hits);
	return 0;
}

module_init(late_init);
MODULE_LICENSE("GPL");
"""


def test_an_engine_made_after_a_free_while_code_runs_ends_cleanly(arch_kernel):
    """vfree() while module code runs puts the unmap off until the outermost call
    returns; an engine created after it (the handler's) never mapped those pages, and
    the deferred unmap must leave it alone (it failed with UC_ERR_NOMEM)."""
    k, build = arch_kernel
    k.module_load(build(LATE_ENGINE, "late").read_bytes())
    assert "late: 1 hit" in texts(k)
    k.module_load(build(LATE_ENGINE.replace("late", "later"), "later").read_bytes())
    assert "later: 1 hit" in texts(k)
