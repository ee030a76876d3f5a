"""trace_printk() (<linux/kernel.h>): records in /sys/kernel/tracing/trace, as Linux
6.1 prints them, with its one-time banner in dmesg; tracing_on pauses it."""

from __future__ import annotations

import re

from kernel_helpers import texts

TP = r"""
#include <linux/module.h>
#include <linux/kernel.h>

static char *plain = "100% raw, not a format\n";

static noinline void tp_worker(int round)
{
	trace_printk("round %d of %s\n", round, "tp");
}

static int __init tp_init(void)
{
	trace_printk("a constant string\n");
	trace_printk(plain);		/* no arguments: written as it is (trace_puts) */
	tp_worker(1);
	trace_puts("no newline");
	return 0;
}

module_init(tp_init);
MODULE_LICENSE("GPL");
"""

LINE = re.compile(r"^ +insmod-1 +\[000\] \.\.\.\.\. +\d+\.\d{6}: (.*)$")


def test_trace_printk_records_go_to_the_trace_file(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(TP, "tp").read_bytes())
    trace = k.read_file("/sys/kernel/tracing/trace").decode()
    assert trace.startswith("# tracer: nop\n")
    records = [m.group(1) for line in trace.splitlines() if (m := LINE.match(line))]
    # gcc may clone tp_worker for its constant argument: Linux shows the clone's name too
    records = [re.sub(r"^tp_worker\.constprop\.0:", "tp_worker:", r) for r in records]
    assert records == [
        "tp_init: a constant string",
        "tp_init: 100% raw, not a format",
        "tp_worker: round 1 of tp",
        "tp_init: no newline",
    ]
    log = texts(k)
    assert "** trace_printk() being used. Allocating extra memory.  **" in log
    assert log.count("**   NOTICE NOTICE NOTICE NOTICE NOTICE NOTICE NOTICE   **") == 2


def test_tracing_on_zero_pauses_trace_printk(arch_kernel):
    k, build = arch_kernel
    k.write_file("/sys/kernel/tracing/tracing_on", b"0\n")
    k.module_load(build(TP, "tp").read_bytes())
    assert (
        "entries-in-buffer/entries-written: 0/0"
        in k.read_file("/sys/kernel/tracing/trace").decode()
    )
