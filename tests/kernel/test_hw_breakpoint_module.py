"""Hardware breakpoints (<linux/hw_breakpoint.h>) from a module, on both architectures
(modules/hwbp_user.c): a write breakpoint on a module variable that module code
writes, read-write and execute breakpoints, and what each architecture's debug
registers refuse, with Linux's errno."""

from __future__ import annotations

from kernel_helpers import HERE_MODULES, texts

SOURCE = (HERE_MODULES / "hwbp_user.c").read_text()


def _log(k) -> list[str]:
    lines = [t.removeprefix("hwbp_user: ") for t in texts(k) if t.startswith("hwbp_user: ")]
    return [t for t in lines if "taints kernel" not in t]


def test_breakpoints_fire_as_each_architecture_reports_them(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(SOURCE, "hwbp_user").read_bytes())
    x86 = k.arch.name == "x86_64"
    assert _log(k) == [
        "write: addr is watched 1, len 4, type 2",
        # x86's debug trap comes after the store (the handler sees 5); arm64's
        # watchpoint exception at the store, before it is done (it sees 0)
        f"write: 1 hit, saw {5 if x86 else 0}, in poke [hwbp_user], data addr ok 1, bp ok 1",
        "write: after a read 1",  # a write breakpoint: the read does not trigger it
        "write: unregistered 1",
        "read-write: 2 hits",
        # an execute breakpoint fires before the instruction (poke(8) not yet run)
        "execute: 1 hit at poke [hwbp_user], value then 7",
        f"read only: {-22 if x86 else 0}",  # x86 has no read-only data breakpoint
        "misaligned: -22",
        "empty: -22",
        "not a breakpoint: -2",
        "registers: 4, then -28",  # four debug registers (arm64: four watchpoints), -ENOSPC
    ]
    assert not k.hw_breakpoints.by_event


def test_the_store_runs_once_and_the_code_goes_on(arch_kernel):
    """The watched instruction is a read-modify-write: it runs once in all, whatever
    the breakpoint does around it, and the code after it sees its result."""
    k, build = arch_kernel
    source = r"""
#include <linux/module.h>
#include <linux/hw_breakpoint.h>

static int counter;
static unsigned int hits;
static noinline void bump(int by) { counter += by; }
static void (*volatile do_bump)(int) = bump;

static void on_hit(struct perf_event *bp, struct perf_sample_data *data, struct pt_regs *regs)
{
	hits++;
}

static int __init rmw_init(void)
{
	struct perf_event * __percpu *wp;
	struct perf_event_attr attr;
	unsigned int n;
	int i;

	hw_breakpoint_init(&attr);
	attr.bp_addr = (unsigned long)&counter;
	attr.bp_len = HW_BREAKPOINT_LEN_4;
	attr.bp_type = HW_BREAKPOINT_RW;
	wp = register_wide_hw_breakpoint(&attr, on_hit, NULL);
	if (IS_ERR((void __force *)wp))
		return PTR_ERR((void __force *)wp);
	for (i = 1; i <= 10; i++)
		do_bump(i);
	n = hits;
	unregister_wide_hw_breakpoint(wp);
	pr_info("rmw: counter %d, hits %u\n", counter, n);
	return 0;
}
module_init(rmw_init);
MODULE_LICENSE("GPL");
"""
    k.module_load(build(source, "rmw").read_bytes())
    out = [t for t in texts(k) if t.startswith("rmw: counter")]
    # one hit per instruction touching it: x86's add to memory is one, arm64's
    # load and store are two
    assert out[0].startswith("rmw: counter 55, hits ")
    assert int(out[0].rsplit(" ", 1)[1]) in (10, 20)


def test_a_breakpoint_left_registered_is_reported_at_unload(arch_kernel):
    k, build = arch_kernel
    source = r"""
#include <linux/module.h>
#include <linux/hw_breakpoint.h>

static long value;
static void on_hit(struct perf_event *bp, struct perf_sample_data *data, struct pt_regs *regs) {}

static int __init left_init(void)
{
	struct perf_event_attr attr;

	hw_breakpoint_init(&attr);
	attr.bp_addr = (unsigned long)&value;
	attr.bp_len = HW_BREAKPOINT_LEN_8;
	attr.bp_type = HW_BREAKPOINT_W;
	return PTR_ERR_OR_ZERO((void __force *)register_wide_hw_breakpoint(&attr, on_hit, NULL));
}

static void __exit left_exit(void) {}
module_init(left_init);
module_exit(left_exit);
MODULE_LICENSE("GPL");
"""
    k.module_load(build(source, "left").read_bytes())
    k.module_unload("left")
    assert texts(k)[-1] == (
        "left: hw_breakpoint at value+0x0/0x8 [left] still registered at unload; unregistered"
    )
    assert not k.hw_breakpoints.by_event
