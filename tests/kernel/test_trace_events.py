"""TRACE_EVENT as module authors write it: a trace header with TRACE_SYSTEM, one source
with CREATE_TRACE_POINTS, the events under /sys/kernel/tracing/events/SYSTEM/, their
records in the trace file as TP_printk formats them, across one-shot commands.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from arches import ARCHES

from lkmsh.build import build_module

HEADER = r"""
#undef TRACE_SYSTEM
#define TRACE_SYSTEM ticker

#if !defined(_TICKER_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TICKER_TRACE_H

#include <linux/tracepoint.h>

#ifndef _TICKER_HELPERS
#define _TICKER_HELPERS
enum ticker_speed { TICK_SLOW = 1, TICK_FAST = 2 };
#endif
TRACE_DEFINE_ENUM(TICK_SLOW);
TRACE_DEFINE_ENUM(TICK_FAST);

DECLARE_EVENT_CLASS(ticker_class,
	TP_PROTO(int n, const char *who),
	TP_ARGS(n, who),
	TP_STRUCT__entry(
		__field(int, n)
		__string(who, who)
	),
	TP_fast_assign(
		__entry->n = n;
		__assign_str(who, who);
	),
	TP_printk("n=%d who=%s", __entry->n, __get_str(who))
);

DEFINE_EVENT(ticker_class, ticker_tick,
	TP_PROTO(int n, const char *who),
	TP_ARGS(n, who));

DEFINE_EVENT_PRINT(ticker_class, ticker_tock,
	TP_PROTO(int n, const char *who),
	TP_ARGS(n, who),
	TP_printk("tock %s #%d", __get_str(who), __entry->n));

TRACE_EVENT_CONDITION(ticker_mode,
	TP_PROTO(int n, unsigned long flags),
	TP_ARGS(n, flags),
	TP_CONDITION(n % 2 == 0),
	TP_STRUCT__entry(
		__field(int, n)
		__field(unsigned long, flags)
		__array(u8, raw, 4)
	),
	TP_fast_assign(
		__entry->n = n;
		__entry->flags = flags;
		memset(__entry->raw, n, 4);
	),
	TP_printk("n=%d mode=%s flags=%s raw=%s", __entry->n,
		__print_symbolic(__entry->n % 4 ? TICK_FAST : TICK_SLOW,
		{ TICK_SLOW, "slow" }, { TICK_FAST, "fast" }),
		__print_flags(__entry->flags, "|", { 1, "A" }, { 2, "B" }, { 4, "C" }),
		__print_hex(__entry->raw, 4))
);

int ticker_reg(void);
void ticker_unreg(void);

TRACE_EVENT_FN(ticker_watch,
	TP_PROTO(int n),
	TP_ARGS(n),
	TP_STRUCT__entry(
		__field(int, n)
	),
	TP_fast_assign(
		__entry->n = n;
	),
	TP_printk("n=%d", __entry->n),
	ticker_reg, ticker_unreg
);

#endif

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#define TRACE_INCLUDE_FILE ticker-trace
#include <trace/define_trace.h>
"""

SOURCE = r"""
#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/delay.h>

#define CREATE_TRACE_POINTS
#include "ticker-trace.h"

static struct task_struct *ticker;

int ticker_reg(void)
{
	pr_info("ticker: watch on\n");
	return 0;
}

void ticker_unreg(void)
{
	pr_info("ticker: watch off\n");
}

static int ticker_fn(void *arg)
{
	int n = 0;

	while (!kthread_should_stop()) {
		msleep(1000);
		n++;
		trace_ticker_tick(n, "thread");
		trace_ticker_tock(n, "clock");
		trace_ticker_mode(n, n & 7);
		if (trace_ticker_watch_enabled())
			trace_ticker_watch(n);
	}
	return 0;
}

static int __init ticker_init(void)
{
	trace_ticker_tick(0, "init");
	ticker = kthread_run(ticker_fn, NULL, "ticker");
	return PTR_ERR_OR_ZERO(ticker);
}

static void __exit ticker_exit(void)
{
	kthread_stop(ticker);
}

module_init(ticker_init);
module_exit(ticker_exit);
MODULE_LICENSE("GPL");
"""

EVENTS = "/sys/kernel/tracing/events/ticker"
LINE = re.compile(r"^ +(\S+)-(\d+) +\[000\] (\S{5}) +(\d+)\.(\d{6}): (.*)$")


@pytest.fixture(params=ARCHES)
def ticker(request, tmp_path):
    """(lkmsh, ko): the one-shot CLI on a fresh state for @arch, and the module."""
    arch = request.param
    (tmp_path / "ticker-trace.h").write_text(HEADER)
    src = tmp_path / "ticker.c"
    src.write_text(SOURCE)
    ko = build_module([src], tmp_path / "ticker.ko", arch=arch)
    state = tmp_path / "state.sqlite"
    argv = [sys.executable, "-c", "import sys; from lkmsh.shell.cli import main; sys.exit(main())"]

    def lkmsh(*words: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*argv, "--state", str(state), "--arch", arch, *words],
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONWARNINGS="ignore"),
        )

    return lkmsh, ko


def records(trace: str) -> list[tuple[str, str, str]]:
    """(task, flags, text) of each record line."""
    return [(m[1], m[3], m[6]) for line in trace.splitlines() if (m := LINE.match(line))]


def test_events_are_files_with_linux_format(ticker):
    lkmsh, ko = ticker
    assert lkmsh("insmod", str(ko)).returncode == 0
    r = lkmsh("ls", EVENTS)
    assert r.stdout.split() == [
        "enable", "ticker_mode", "ticker_tick", "ticker_tock", "ticker_watch"
    ]  # fmt: skip
    r = lkmsh("ls", f"{EVENTS}/ticker_tick")
    assert r.stdout.split() == ["enable", "filter", "format", "id"]
    r = lkmsh("cat", f"{EVENTS}/ticker_tick/format", f"{EVENTS}/ticker_tick/id")
    text = r.stdout
    ident = int(text.splitlines()[-1])
    signed_char = int(ko.read_bytes()[18] == 62)  # EM_X86_64: char is signed there (6.1)
    assert text == (
        f"name: ticker_tick\nID: {ident}\nformat:\n"
        "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
        "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
        "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
        "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
        "\tfield:int n;\toffset:8;\tsize:4;\tsigned:1;\n"
        f"\tfield:__data_loc char[] who;\toffset:12;\tsize:4;\tsigned:{signed_char};\n\n"
        'print fmt: "n=%d who=%s", REC->n, __get_str(who)\n'
        f"{ident}\n"
    )
    # TRACE_DEFINE_ENUM's values replace the names in the print fmt; arrays keep [N] last
    fmt = lkmsh("cat", f"{EVENTS}/ticker_mode/format").stdout
    assert "\tfield:u8 raw[4];\toffset:24;\tsize:4;\tsigned:0;\n" in fmt
    assert "\tfield:unsigned long flags;\toffset:16;\tsize:8;\tsigned:0;\n" in fmt
    assert '{ 1, "slow" }, { 2, "fast" }' in fmt and "TICK_SLOW" not in fmt
    tock = lkmsh("cat", f"{EVENTS}/ticker_tock/format").stdout
    assert tock.endswith('print fmt: "tock %s #%d", __get_str(who), REC->n\n')
    assert lkmsh("cat", f"{EVENTS}/enable").stdout == "0\n"


def test_enable_in_one_command_fire_and_read_in_later_ones(ticker):
    lkmsh, ko = ticker
    assert lkmsh("insmod", str(ko)).returncode == 0
    r = lkmsh("-c", f"echo 1 > {EVENTS}/ticker_tick/enable")
    assert r.returncode == 0, r.stderr
    assert lkmsh("cat", f"{EVENTS}/ticker_tick/enable", f"{EVENTS}/enable").stdout == "1\nX\n"
    assert lkmsh("cat", "/sys/kernel/tracing/set_event").stdout == "ticker:ticker_tick\n"
    assert lkmsh("sleep", "2").returncode == 0
    r = lkmsh("-c", f"echo 1 > {EVENTS}/enable")
    assert r.returncode == 0, r.stderr
    assert lkmsh("sleep", "2").returncode == 0
    r = lkmsh("cat", "/sys/kernel/tracing/trace")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(
        "# tracer: nop\n#\n# entries-in-buffer/entries-written: 9/9   #P:1\n"
    )
    assert records(r.stdout) == [
        ("ticker", ".....", "ticker_tick: n=1 who=thread"),
        ("ticker", ".....", "ticker_tick: n=2 who=thread"),
        ("ticker", ".....", "ticker_tick: n=3 who=thread"),
        ("ticker", ".....", "ticker_tock: tock clock #3"),
        ("ticker", ".....", "ticker_watch: n=3"),
        ("ticker", ".....", "ticker_tick: n=4 who=thread"),
        ("ticker", ".....", "ticker_tock: tock clock #4"),
        ("ticker", ".....", "ticker_mode: n=4 mode=slow flags=C raw=04 04 04 04"),
        ("ticker", ".....", "ticker_watch: n=4"),
    ]
    # TRACE_EVENT_FN's reg ran when the event was first enabled
    dmesg = lkmsh("dmesg").stdout
    assert "ticker: watch on" in dmesg and "watch off" not in dmesg
    # disabling runs its unreg; writing the trace file empties the buffer
    r = lkmsh("-c", f"echo 0 > {EVENTS}/enable; echo > /sys/kernel/tracing/trace")
    assert r.returncode == 0, r.stderr
    assert "ticker: watch off" in lkmsh("dmesg").stdout
    assert lkmsh("sleep", "2").returncode == 0
    assert records(lkmsh("cat", "/sys/kernel/tracing/trace").stdout) == []


def test_tracing_on_stops_the_records_and_bad_input_is_one_line(ticker):
    lkmsh, ko = ticker
    assert lkmsh("insmod", str(ko)).returncode == 0
    r = lkmsh(
        "-c", f"echo 1 > {EVENTS}/ticker_tick/enable; echo 0 > /sys/kernel/tracing/tracing_on"
    )
    assert r.returncode == 0, r.stderr
    assert lkmsh("sleep", "2").returncode == 0
    assert records(lkmsh("cat", "/sys/kernel/tracing/trace").stdout) == []
    r = lkmsh("-c", f"echo 2 > {EVENTS}/ticker_tick/enable")
    assert r.returncode == 1 and "Invalid argument" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_unload_disables_the_events_and_resets_the_buffer(ticker):
    lkmsh, ko = ticker
    r = lkmsh("-c", f"insmod {ko}; echo 1 > {EVENTS}/enable; sleep 1")
    assert r.returncode == 0, r.stderr
    assert records(lkmsh("cat", "/sys/kernel/tracing/trace").stdout)
    r = lkmsh("rmmod", "ticker")
    assert r.returncode == 0, r.stderr
    assert "ticker: watch off" in lkmsh("dmesg").stdout
    assert lkmsh("ls", "/sys/kernel/tracing/events").stdout.split() == ["enable"]
    assert records(lkmsh("cat", "/sys/kernel/tracing/trace").stdout) == []


PROBE = r"""
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/tracepoint.h>
#include <linux/string.h>

static struct tracepoint *switch_tp;
static int switches;

static void probe_switch(void *data, bool preempt, struct task_struct *prev,
		struct task_struct *next, unsigned int prev_state)
{
	if (switches++ < 4)
		pr_info("switch: %s/%d -> %s/%d\n", prev->comm, prev->pid, next->comm, next->pid);
}

static void find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_switch"))
		switch_tp = tp;
}

static int __init probe_init(void)
{
	for_each_kernel_tracepoint(find_tp, NULL);
	if (!switch_tp)
		return -ENOENT;
	return tracepoint_probe_register(switch_tp, probe_switch, NULL);
}

static void __exit probe_exit(void)
{
	tracepoint_probe_unregister(switch_tp, probe_switch, NULL);
	tracepoint_synchronize_unregister();
	pr_info("switches seen: %d\n", switches > 0);
}

module_init(probe_init);
module_exit(probe_exit);
MODULE_LICENSE("GPL");
"""

THREAD = r"""
#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/delay.h>

static struct task_struct *t;

static int sleeper(void *arg)
{
	while (!kthread_should_stop())
		msleep(500);
	return 0;
}

static int __init sl_init(void)
{
	t = kthread_run(sleeper, NULL, "sleeper");
	return PTR_ERR_OR_ZERO(t);
}

static void __exit sl_exit(void)
{
	kthread_stop(t);
}

module_init(sl_init);
module_exit(sl_exit);
MODULE_LICENSE("GPL");
"""


@pytest.mark.parametrize("arch", ARCHES)
def test_a_probe_on_the_schedulers_sched_switch(arch, tmp_path: Path):
    from lkmsh.kernel.kernel import Kernel, KernelConfig

    kos = []
    for name, text in (("swprobe", PROBE), ("sleeper", THREAD)):
        (tmp_path / f"{name}.c").write_text(text)
        kos.append(build_module([tmp_path / f"{name}.c"], tmp_path / f"{name}.ko", arch=arch))
    k = Kernel(KernelConfig(arch=arch))
    k.module_load(kos[0].read_bytes())
    k.module_load(kos[1].read_bytes())
    k.sleep(1_000_000_000)
    k.module_unload("sleeper")
    k.module_unload("swprobe")
    lines = [r.text for r in k.dmesg()]
    switches = [line for line in lines if line.startswith("switch: ")]
    assert switches[:2] == ["switch: swapper/0/0 -> sleeper/2", "switch: sleeper/2 -> swapper/0/0"]
    assert "switches seen: 1" in lines
    assert not k.tracepoints.probes  # unregistered: the tracepoint's array is gone


def test_an_instance_made_with_mkdir_has_its_own_buffer_and_events(ticker):
    lkmsh, ko = ticker
    inst = "/sys/kernel/tracing/instances/mine"
    r = lkmsh("-c", f"insmod {ko}; mkdir {inst}")
    assert r.returncode == 0, r.stderr
    r = lkmsh("-c", f"echo 1 > {inst}/events/ticker/ticker_tick/enable")
    assert r.returncode == 0, r.stderr
    assert lkmsh("sleep", "2").returncode == 0
    mine = records(lkmsh("cat", f"{inst}/trace").stdout)
    assert mine == [
        ("ticker", ".....", "ticker_tick: n=1 who=thread"),
        ("ticker", ".....", "ticker_tick: n=2 who=thread"),
    ]
    assert records(lkmsh("cat", "/sys/kernel/tracing/trace").stdout) == []
    assert lkmsh("cat", f"{EVENTS}/ticker_tick/enable").stdout == "0\n"
    r = lkmsh("-c", f"rmdir {inst}; ls /sys/kernel/tracing/instances")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""
    r = lkmsh("mkdir", "/sys/kernel/tracing/instances/a/b")
    assert r.returncode == 1 and "Traceback" not in r.stderr


TPAPI = r"""
#include <linux/module.h>
#include <linux/tracepoint.h>

/* a bare tracepoint of its own: DECLARE_TRACE, defined with CREATE_TRACE_POINTS */
DECLARE_TRACE(tp_demo, TP_PROTO(int v), TP_ARGS(v));
#define CREATE_TRACE_POINTS
#undef DECLARE_TRACE
#define DECLARE_TRACE(name, proto, args) DEFINE_TRACE(name, PARAMS(proto), PARAMS(args))
DECLARE_TRACE(tp_demo, TP_PROTO(int v), TP_ARGS(v));

static void low(void *data, int v) { pr_info("low %d %s\n", v, (char *)data); }
static void high(void *data, int v) { pr_info("high %d %s\n", v, (char *)data); }

static int __init tpapi_init(void)
{
	pr_info("enabled before: %d\n", trace_tp_demo_enabled());
	trace_tp_demo(0);	/* no probe: nothing runs */
	pr_info("reg low: %d\n", register_trace_tp_demo(low, "a"));
	pr_info("reg low again: %d\n", register_trace_tp_demo(low, "a"));
	pr_info("reg low b: %d\n", register_trace_tp_demo(low, "b"));
	pr_info("reg high: %d\n", register_trace_prio_tp_demo(high, "c", 20));
	pr_info("enabled: %d\n", trace_tp_demo_enabled());
	trace_tp_demo(1);
	pr_info("unreg low a: %d\n", unregister_trace_tp_demo(low, "a"));
	pr_info("unreg low a again: %d\n", unregister_trace_tp_demo(low, "a"));
	trace_tp_demo(2);
	unregister_trace_tp_demo(low, "b");
	unregister_trace_tp_demo(high, "c");
	pr_info("enabled after: %d\n", trace_tp_demo_enabled());
	trace_tp_demo(3);
	return 0;
}

static void __exit tpapi_exit(void) { }

module_init(tpapi_init);
module_exit(tpapi_exit);
MODULE_LICENSE("GPL");
"""


def test_tracepoint_probes_in_priority_order(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(TPAPI, "tpapi").read_bytes())
    lines = [r.text for r in k.dmesg() if not r.text.startswith("tpapi: loading")]
    assert lines == [
        "enabled before: 0",
        "reg low: 0",
        "reg low again: -17",
        "reg low b: 0",
        "reg high: 0",
        "enabled: 1",
        "high 1 c",
        "low 1 a",
        "low 1 b",
        "unreg low a: 0",
        "unreg low a again: -2",
        "high 2 c",
        "low 2 b",
        "enabled after: 0",
    ]


def test_trace_events_need_a_gpl_module(arch_kernel, tmp_path):
    """trace_event_raw_init and the rest are GPL-only exports, as 6.1's: modpost refuses."""
    from lkmsh.errors import BuildError

    k, build = arch_kernel
    (tmp_path / "ticker-trace.h").write_text(HEADER)
    src = SOURCE.replace('MODULE_LICENSE("GPL");', 'MODULE_LICENSE("Proprietary");')
    with pytest.raises(BuildError) as exc:
        build(src, "ticker")
    assert "GPL-only symbol 'trace_event_raw_init'" in str(exc.value) + str(exc.value.detail)
