"""The kernel's samples/ modules, unmodified: kfifo, kobject, kmemleak, kprobes, fprobe and
hw_breakpoint samples.

Built with ``lkmsh build`` from the Linux 6.1 tree, loaded with ``lkmsh insmod``,
then used the way the samples' comments say: the kfifo samples' /proc files
take what ``echo`` writes and give it back to ``cat``; the kobject samples'
attributes under /sys/kernel read and store integers.
"""

from __future__ import annotations

import re

import pytest
from corpus_helpers import log_text, module_name

KFIFO = [
    # (sample, its /proc file, the lines its self-test prints before the items)
    (
        "samples/kfifo/bytestream-example.c",
        "/proc/bytestream-fifo",
        ["byte stream fifo test start", "fifo len: 15", "buf: hello", "ret: 2", "ret: 2"],
    ),
    (
        "samples/kfifo/inttype-example.c",
        "/proc/int-fifo",
        ["int fifo test start", "fifo len: 10", "ret: 2", "ret: 2", "skip 1st element"],
    ),
    (
        "samples/kfifo/record-example.c",
        "/proc/record-fifo",
        ["record fifo test start", "fifo peek len: 6", "skip 1st element"],
    ),
]


@pytest.mark.parametrize("path, proc, first", KFIFO, ids=lambda v: str(v).split("/")[-1])
def test_kfifo_sample_self_test_and_proc_file(tree, cli, path, proc, first):
    build, ko = cli.build_cmd(tree, path)
    # the fifo is empty after the self-test: what echo writes, cat reads back
    r = cli.line(
        build, f"insmod {ko}", "dmesg", f"echo abcdefg > {proc}", f"cat {proc}", f"cat {proc}"
    )
    assert r.returncode == 0, r.stderr
    *log, back = [line for line in log_text(r.stdout) if "taints kernel" not in line]
    assert log[: len(first)] == first
    assert log[-1] == "test passed"
    assert not [line for line in log if "failed" in line]
    assert back == "abcdefg"
    r = cli.line(f"rmmod {module_name(ko)}", f"ls {proc}")
    assert r.returncode == 1
    assert "No such file or directory" in r.stderr


def test_kfifo_dma_example_scatterlists(tree, cli):
    """samples/kfifo/dma-example.c: the scatterlists over the ring's free space
    (19 bytes after the data, 1 before it, once wrapped) and over 8 bytes of data."""
    build, ko = cli.build_cmd(tree, "samples/kfifo/dma-example.c")
    r = cli.line(build, f"insmod {ko}", f"rmmod {module_name(ko)}", "dmesg", "lsmod")
    assert r.returncode == 0, r.stderr
    log = [line for line in log_text(r.stdout) if "taints kernel" not in line]
    assert log[-1] == "Module                  Size  Used by"  # rmmod freed it all
    sg = re.compile(
        r"sg\[(\d)\] -> page [0-9a-f]{16} offset 0x([0-9a-f]{8}) length 0x([0-9a-f]{8})"
    )
    entries = [(int(m[1]), int(m[2], 16), int(m[3], 16)) for m in map(sg.fullmatch, log) if m]
    texts = [line for line in log[:-1] if not sg.fullmatch(line)]
    assert texts == [
        "DMA fifo test start",
        "queue size: 32",
        "queue len: 12",
        "DMA sgl entries: 2",
        "scatterlist for receive:",
        "DMA sgl entries: 1",
        "scatterlist for transmit:",
        "queue len: 7",
        "test passed",
    ]
    # receive: in is 13, so 19 bytes up to the end and 1 at the start (offsets
    # within the buffer's page); transmit: out is 1, 8 bytes
    (_, off0, len0), (_, off1, len1), (_, off2, len2) = entries
    assert [e[0] for e in entries] == [0, 1, 0]
    assert (len0, len1, len2) == (19, 1, 8)
    assert off0 - off1 == 13 and off2 - off1 == 1


def test_kobject_example_attributes(tree, cli):
    build, ko = cli.build_cmd(tree, "samples/kobject/kobject-example.c")
    d = "/sys/kernel/kobject_example"
    r = cli.line(build, f"insmod {ko}", f"ls {d}", f"cat {d}/foo {d}/baz {d}/bar")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split()
    assert sorted(lines[:3]) == ["bar", "baz", "foo"]
    assert lines[3:] == ["0", "0", "0"]
    r = cli.line(
        f"echo 42 > {d}/foo",
        f"echo 7 > {d}/bar",
        f"cat {d}/foo {d}/bar {d}/baz",
        f"echo x > {d}/foo",
    )
    assert r.stdout.split() == ["42", "7", "0"]
    assert r.returncode == 1  # kstrtoint refuses "x": the store returns -EINVAL
    assert "Invalid argument" in r.stderr
    r = cli.line(f"rmmod {module_name(ko)}", f"ls {d}")
    assert r.returncode == 1
    assert "No such file or directory" in r.stderr


def test_kset_example_objects(tree, cli):
    build, ko = cli.build_cmd(tree, "samples/kobject/kset-example.c")
    d = "/sys/kernel/kset_example"
    r = cli.line(build, f"insmod {ko}", f"ls {d}", f"ls {d}/foo")
    assert r.returncode == 0, r.stderr
    assert sorted(r.stdout.split()) == ["bar", "bar", "baz", "baz", "foo", "foo"]
    r = cli.line(f"echo 3 > {d}/baz/bar", f"cat {d}/baz/bar {d}/baz/baz {d}/foo/bar")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["3", "0", "0"]
    r = cli.line(f"rmmod {module_name(ko)}", f"ls {d}")
    assert r.returncode == 1
    assert "No such file or directory" in r.stderr


def test_dummy_irq_driver(tree, cli):
    """drivers/misc/dummy-irq.c: a module_param_hw() IRQ number, a shared handler."""
    build, ko = cli.build_cmd(tree, "drivers/misc/dummy-irq.c")
    r = cli.line(build, f"insmod {ko}")
    assert r.returncode == 1
    assert r.stderr.strip().endswith("Input/output error")  # -EIO without irq=N
    r = cli.line(
        f"insmod {ko} irq=5",
        "irq 5",
        "irq 5",
        "cat /sys/module/dummy_irq/parameters/irq",
        "rmmod dummy_irq",
        "dmesg",
    )
    assert r.returncode == 0, r.stderr
    out = log_text(r.stdout)
    assert out[0] == "5"
    log = [line for line in out[1:] if "taints kernel" not in line]
    assert log == [
        "dummy-irq: no IRQ given.  Use irq=N",
        "dummy-irq: registered for IRQ 5",
        "dummy-irq: interrupt occurred on IRQ 5",  # once: the handler counts
        "dummy-irq unloaded",
    ]


UNREFERENCED = re.compile(r"unreferenced object 0x[0-9a-f]{16} \(size (\d+)\):")


def _sizes(lines: list[str]) -> list[int]:
    return sorted(int(m[1]) for line in lines if (m := UNREFERENCED.fullmatch(line)))


def test_kmemleak_sample_orphans_and_leaks_at_unload(tree, cli):
    """samples/kmemleak/kmemleak-test.c: its 8 kmalloc and 5 vmalloc orphans are
    unreferenced while it is loaded; the 10 list elements (on test_list, in its
    data) and the 129-byte object (in its per-CPU variable) are not, until rmmod."""
    build, ko = cli.build_cmd(tree, "samples/kmemleak/kmemleak-test.c")
    r = cli.line(build, f"insmod {ko}", "dmesg", "cat /sys/kernel/debug/kmemleak")
    assert r.returncode == 0, r.stderr
    out = log_text(r.stdout)
    assert "kmemleak: Kmemleak testing" in out
    assert sum(line.startswith("kmemleak: kzalloc(sizeof(*elem)) = ") for line in out) == 10
    assert _sizes(out) == [32, 32, 64, 64, 64, 64, 64, 1024, 1024, 2048, 2048, 4096, 4096]
    r = cli.line(f"rmmod {module_name(ko)}", "dmesg")
    assert r.returncode == 0, r.stderr
    log = log_text(r.stdout)
    assert "kmemleak: 24 new suspected memory leaks (see /sys/kernel/debug/kmemleak)" in log
    left = _sizes(log)
    assert left.count(416) == 10 and left.count(129) == 1 and len(left) == 24


HASHED = r"[0-9a-f]{16}"  # %p: a hashed pointer


def test_kprobe_example_on_kernel_clone(tree, cli):
    """samples/kprobes/kprobe_example.c: a kprobe on kernel_clone, which the command
    that removes the module goes through (the shell forks it) before its exit runs."""
    build, ko = cli.build_cmd(tree, "samples/kprobes/kprobe_example.c")
    r = cli.line(build, f"insmod {ko}", f"rmmod {module_name(ko)}", "dmesg")
    assert r.returncode == 0, r.stderr
    log = [line for line in log_text(r.stdout) if "taints kernel" not in line]
    if cli.arch == "aarch64":
        regs = r"pc = 0x[0-9a-f]{16}, pstate = 0x5"
        post = r"pstate = 0x5"
    else:
        regs = r"ip = [0-9a-f]{16}, flags = 0x246"
        post = r"flags = 0x246"
    want = [
        rf"kprobe_init: Planted kprobe at ({HASHED})",
        rf"handler_pre: <kernel_clone> p->addr = 0x({HASHED}), {regs}",
        rf"handler_post: <kernel_clone> p->addr = 0x({HASHED}), {post}",
        rf"kprobe_exit: kprobe at ({HASHED}) unregistered",
    ]
    assert len(log) == len(want), log
    hashes = set()
    for pattern, line in zip(want, log, strict=True):
        m = re.fullmatch(pattern, line)
        assert m, (pattern, line)
        hashes.add(m.group(1))
    assert len(hashes) == 1  # the same probe address everywhere


def test_kretprobe_example_times_the_forks_of_user_tasks(tree, cli):
    """samples/kprobes/kretprobe_example.c: its entry handler skips kernel threads
    (``current->mm`` NULL), so it times the forks made for commands (a user task is
    current, as a shell's fork on Linux) and not those kthreadd makes for kthreads."""
    build, ko = cli.build_cmd(tree, "samples/kprobes/kretprobe_example.c")
    build_k, kp = cli.build_cmd(tree, "samples/kprobes/kprobe_example.c")
    r = cli.line(
        build,
        build_k,
        f"insmod {ko}",
        f"insmod {kp}",  # a command running module code: the shell forked it
        f"rmmod {module_name(kp)}",
        f"rmmod {module_name(ko)}",
        "dmesg",
    )
    assert r.returncode == 0, r.stderr
    log = [line for line in log_text(r.stdout) if "taints kernel" not in line]
    timed = [line for line in log if line.startswith("kernel_clone returned")]
    assert len(timed) == 3, log  # the second insmod and both rmmods
    assert all(
        re.fullmatch(r"kernel_clone returned 1 and took \d+ ns to execute", t) for t in timed
    )
    assert re.fullmatch(rf"Planted return probe at kernel_clone: {HASHED}", log[0])
    assert re.fullmatch(rf"kretprobe at {HASHED} unregistered", log[-2])
    assert log[-1] == "Missed probing 0 instances of kernel_clone"


def test_fprobe_example_on_kernel_clone_and_a_kernel_function(tree, cli):
    """samples/fprobe/fprobe_example.c with two symbols: kernel_clone (which each
    command running module code goes through) and register_kprobe, which
    kprobe_example.c's init calls; its stack dump names that caller."""
    build, ko = cli.build_cmd(tree, "samples/fprobe/fprobe_example.c")
    build_k, kp = cli.build_cmd(tree, "samples/kprobes/kprobe_example.c")
    r = cli.line(
        build,
        build_k,
        f"insmod {ko} symbol=register_kprobe,kernel_clone",
        f"insmod {kp}",
        f"rmmod {module_name(kp)}",
        f"rmmod {module_name(ko)}",
        "dmesg",
    )
    assert r.returncode == 0, r.stderr
    log = [line for line in log_text(r.stdout) if "taints kernel" not in line]
    sym = r"\+0x0/0x[0-9a-f]+"
    enter = rf"sample_entry_handler: Enter <kernel_clone{sym}> ip = 0x({HASHED})"
    back = (
        rf"sample_exit_handler: Return from <kernel_clone{sym}> ip = 0x({HASHED})"
        rf" to rip = 0x{HASHED} \(kernel_clone{sym}\)"
    )
    init = r"kprobe_init\+0x[0-9a-f]+/0x[0-9a-f]+ \[kprobe_example\]"
    want = [
        "fprobe_init: 2 symbols found",
        "fprobe_init: Planted fprobe at register_kprobe,kernel_clone",
        enter,  # insmod kprobe_example.ko: the shell forked it
        back,
        rf"sample_entry_handler: Enter <register_kprobe{sym}> ip = 0x{HASHED}",
        " " * 25 + init,  # stack_trace_print's 24 spaces, and its own
        rf"sample_exit_handler: Return from <register_kprobe{sym}> ip = 0x{HASHED}"
        rf" to rip = 0x{HASHED} \({init}\)",
        rf"kprobe_init: Planted kprobe at ({HASHED})",
        enter,  # rmmod kprobe_example: the fprobe, then the kprobe, at one address
        r"handler_pre: <kernel_clone> p->addr = 0x(\w+), .*",
        r"handler_post: <kernel_clone> p->addr = 0x(\w+), .*",
        back,
        rf"kprobe_exit: kprobe at ({HASHED}) unregistered",
        enter,  # rmmod fprobe_example
        back,
        "fprobe_exit: fprobe at register_kprobe,kernel_clone unregistered."
        " 8 times hit, 0 times missed",
    ]
    assert len(log) == len(want), "\n".join(log)
    hashes = set()
    for pattern, line in zip(want, log, strict=True):
        m = re.fullmatch(pattern, line)
        assert m, (pattern, line)
        hashes.update(m.groups())
    assert len(hashes) == 1  # kernel_clone's address, as both probes give it


def test_data_breakpoint_sample_on_jiffies(tree, cli):
    """samples/hw_breakpoint/data_breakpoint.c: a write breakpoint on jiffies (its
    default ksym, found with __symbol_get), which the kernel writes as time goes on:
    the handler runs when the next command's module code sees jiffies move (rmmod's
    own, before the exit unregisters it); an unknown ksym is -ENXIO."""
    build, ko = cli.build_cmd(tree, "samples/hw_breakpoint/data_breakpoint.c")
    r = cli.line(build, f"insmod {ko}", f"rmmod {module_name(ko)}", "dmesg")
    assert r.returncode == 0, r.stderr
    log = [line for line in log_text(r.stdout) if "taints kernel" not in line]
    trace = log[log.index("jiffies value is changed") + 1 : -2]
    assert log[0] == "HW Breakpoint for jiffies write installed"
    assert log[1] == "jiffies value is changed"
    assert trace[0] == ("Call trace:" if cli.arch == "aarch64" else "Call Trace:")
    assert any(
        re.fullmatch(r" sample_hbp_handler\+0x\w+/0x\w+ \[data_breakpoint\]", t) for t in trace
    )
    assert log[-2:] == [
        "Dump stack from sample_hbp_handler",
        "HW Breakpoint for jiffies write uninstalled",
    ]
    r = cli.line(f"insmod {ko} ksym=no_such_symbol")
    assert r.returncode == 1
    assert r.stderr.strip().endswith("No such device or address")


def test_trace_printk_sample_fills_the_trace_file(tree, cli):
    """samples/trace_printk/trace-printk.c: trace_printk() from init and, through an
    irq_work, from hard-IRQ context; ``cat /sys/kernel/tracing/trace`` as on Linux."""
    build, ko = cli.build_cmd(tree, "samples/trace_printk/trace-printk.c")
    r = cli.line(build, f"insmod {ko}", "cat /sys/kernel/tracing/trace", "dmesg")
    assert r.returncode == 0, r.stderr
    records = [
        (m.group(1), m.group(2), m.group(3))
        for line in r.stdout.splitlines()
        if (m := re.match(r"^ +insmod-1 +\[000\] (\S{5}) +\d+\.\d{6}: (\w+): (.*)$", line))
    ]
    init, irq = "trace_printk_init", "trace_printk_irq_work"
    assert records == [
        (".....", init, "This is a static string that will use trace_bputs"),
        (".....", init, "This is a dynamic string that will use trace_puts"),
        ("d.h1.", irq, "(irq) This is a static string that will use trace_bputs"),
        ("d.h1.", irq, "(irq) This is a dynamic string that will use trace_puts"),
        ("d.h1.", irq, "(irq) This is a static string that will use trace_bprintk()"),
        ("d.h1.", irq, "(irq) This is a dynamic string that will use trace_printk"),
        (".....", init, "This is a static string that will use trace_bprintk()"),
        (".....", init, "This is a dynamic string that will use trace_printk"),
    ]
    assert "** trace_printk() being used. Allocating extra memory.  **" in r.stdout


def test_configfs_sample_items_made_with_mkdir(tree, cli):
    """samples/configfs/configfs_sample.c, driven as its comment says: mkdir and rmdir in
    /sys/kernel/config, cat and echo on the attributes; each command a process of its own."""
    build, ko = cli.build_cmd(tree, "samples/configfs/configfs_sample.c")
    cfs = "/sys/kernel/config"
    r = cli.line(build, f"insmod {ko}", f"ls {cfs}", f"ls {cfs}/01-childless")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [
        "01-childless", "02-simple-children", "03-group-children",
        "description", "showme", "storeme",
    ]  # fmt: skip
    # showme counts its reads; storeme keeps what echo wrote
    r = cli.line(*[f"cat {cfs}/01-childless/showme"] * 3)
    assert r.stdout.split() == ["0", "1", "2"]
    r = cli.line(
        f"echo 42 > {cfs}/01-childless/storeme",
        f"cat {cfs}/01-childless/storeme",
        f"cat {cfs}/01-childless/description",
    )
    assert r.stdout.startswith("42\n[01-childless]\n\nThe childless subsystem is the simplest")
    # 02: items with one attribute; 03: groups of such items
    r = cli.line(
        f"mkdir {cfs}/02-simple-children/a {cfs}/02-simple-children/b",
        f"echo 7 > {cfs}/02-simple-children/a/storeme",
        f"mkdir {cfs}/03-group-children/g",
    )
    assert r.returncode == 0, r.stderr
    r = cli.line(
        f"mkdir {cfs}/03-group-children/g/c",
        f"cat {cfs}/02-simple-children/a/storeme",
        f"cat {cfs}/02-simple-children/b/storeme",
        f"ls {cfs}/03-group-children/g",
        f"ls {cfs}/03-group-children/g/c",
    )
    assert r.stdout.split() == ["7", "0", "c", "description", "storeme"], r.stderr
    # what users get wrong, in coreutils' words (and the items hold the module)
    r = cli(
        "--keep-going",
        "-c",
        "; ".join(
            [
                f"echo x > {cfs}/01-childless/storeme",
                f"mkdir {cfs}/01-childless/x",
                f"mkdir {cfs}/02-simple-children/a",
                f"rmdir {cfs}/03-group-children/g",
                f"rmdir {cfs}/02-simple-children",
                "rmmod configfs_sample",
            ]
        ),
    )
    assert r.stderr.splitlines() == [
        "echo: write error: Invalid argument",
        f"mkdir: cannot create directory '{cfs}/01-childless/x': Operation not permitted",
        f"mkdir: cannot create directory '{cfs}/02-simple-children/a': File exists",
        f"rmdir: failed to remove '{cfs}/03-group-children/g': Directory not empty",
        f"rmdir: failed to remove '{cfs}/02-simple-children': Operation not permitted",
        "rmmod: ERROR: Module configfs_sample is in use",
    ]
    r = cli.line(
        f"rmdir {cfs}/03-group-children/g/c {cfs}/03-group-children/g",
        f"rmdir {cfs}/02-simple-children/a {cfs}/02-simple-children/b",
        f"ls {cfs}/02-simple-children",
        "rmmod configfs_sample",
        f"ls {cfs}",
        "dmesg",
    )
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    assert out[0] == "description"
    assert not [line for line in log_text(r.stdout) if "leak" in line or "BUG" in line]


TRACING = "/sys/kernel/tracing"
RECORD = re.compile(r"^ +(\S+)-(\d+) +\[000\] (\S{5}) +(\d+)\.(\d{6}): (\w+): (.*)$")


def trace_records(out: str) -> list[tuple[str, str, str, str]]:
    """(task, flags, event or caller, text) of each record of a trace file."""
    return [(m[1], m[3], m[6], m[7]) for line in out.splitlines() if (m := RECORD.match(line))]


def test_trace_events_sample_every_event_kind(tree, cli):
    """samples/trace_events/trace-events-sample.c: its kthread fires the events each
    second; enabling the system starts the second thread (TRACE_EVENT_FN's reg), and the
    trace shows each TP_printk as Linux formats it."""
    build, ko = cli.build_cmd(tree, "samples/trace_events/trace-events-sample.c")
    events = f"{TRACING}/events/sample-trace"
    r = cli.line(build, f"insmod {ko}", f"ls {events}", f"cat {events}/foo_bar/format")
    assert r.returncode == 0, r.stderr
    names = r.stdout.split("name: foo_bar")[0].split()
    assert names == [
        "enable", "foo_bar", "foo_bar_with_cond", "foo_bar_with_fn", "foo_rel_loc",
        "foo_with_template_cond", "foo_with_template_fn", "foo_with_template_print",
        "foo_with_template_simple",
    ]  # fmt: skip
    fmt = r.stdout[r.stdout.index("name: foo_bar") :]
    assert "\tfield:char foo[10];\toffset:8;\tsize:10;" in fmt
    assert "\tfield:__data_loc cpumask_t cpum;\toffset:36;\tsize:4;\tsigned:0;\n" in fmt
    # TRACE_DEFINE_ENUM(TRACE_SAMPLE_FOO) and the others: their values in the print fmt
    assert '__print_symbolic(REC->bar, { 0, "zero" }, { 2, "TWO" }, { 4, "FOUR" }' in fmt
    # one command enables, later ones let time pass and read
    r = cli.line(f"echo 1 > {events}/enable")
    assert r.returncode == 0, r.stderr
    assert cli("cat", f"{events}/enable", f"{events}/foo_bar/enable").stdout == "1\n1\n"
    assert cli("sleep", "3").returncode == 0
    r = cli("cat", f"{TRACING}/trace")
    assert r.returncode == 0, r.stderr
    got = trace_records(r.stdout)
    assert {t for t, *_ in got} == {"event-sample", "event-sample-fn"}
    by_event = [(e, text) for _, flags, e, text in got if flags == "....."]
    assert by_event[:6] == [
        ("foo_bar", "foo hello 0 zero  {} {} Mother Goose  (00000000,00000001)"
         " (00000000,00000001) iter=0 [8] 0"),
        ("foo_with_template_simple", "foo HELLO 0"),
        ("foo_bar_with_cond", "foo Some times print 0"),
        ("foo_with_template_cond", "foo prints other times 0"),
        ("foo_with_template_print", "bar I have to be different 0"),
        ("foo_rel_loc", "foo_rel_loc Hello __rel_loc, 0, 00000000,deadbeef, 00000000,00000001"),
    ]  # fmt: skip
    assert ("foo_bar", "foo hello 2 TWO BIT2 {0x1,0x2} {0x1,0x2} Gandalf h (00000000,00000001)"
            " (00000000,00000001) iter=2 [8] 0") in by_event  # fmt: skip
    assert ("foo_bar_with_fn", "foo Look at me 1") in by_event
    assert ("foo_with_template_fn", "foo Look at me too 1") in by_event
    # TRACE_EVENT_CONDITION: foo_bar_with_cond only when bar % 10 == 0
    assert [t for e, t in by_event if e == "foo_bar_with_cond"] == ["foo Some times print 0"]
    r = cli.line(f"echo 0 > {events}/enable", f"rmmod {module_name(ko)}", "dmesg")
    assert r.returncode == 0, r.stderr
    lines = log_text(r.stdout)
    assert lines.count("Starting thread for foo_bar_fn") == 1
    assert lines.count("Killing thread for foo_bar_fn") == 1


def test_trace_custom_sched_on_the_schedulers_tracepoints(tree, cli):
    """samples/trace_events/trace_custom_sched.c: custom events on sched_switch and
    sched_waking, found with for_each_kernel_tracepoint(); a kthread that sleeps makes
    the scheduler fire them."""
    build, ko = cli.build_cmd(tree, "samples/trace_events/trace_custom_sched.c")
    sample, sample_ko = cli.build_cmd(tree, "samples/trace_events/trace-events-sample.c")
    custom = f"{TRACING}/events/custom"
    r = cli.line(build, sample, f"insmod {ko}", f"ls {custom}", f"cat {custom}/sched_switch/format")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[:3] == ["enable", "sched_switch", "sched_waking"]
    assert "\tfield:unsigned short prev_prio;\toffset:8;\tsize:2;\tsigned:0;\n" in r.stdout
    assert r.stdout.endswith(
        'print fmt: "prev_prio=%d next_pid=%d next_prio=%d", REC->prev_prio,'
        " REC->next_pid, REC->next_prio\n"
    )
    r = cli.line(f"echo 1 > {custom}/enable", f"insmod {sample_ko}", "sleep 2")
    assert r.returncode == 0, r.stderr
    got = trace_records(cli("cat", f"{TRACING}/trace").stdout)
    assert got[:5] == [
        ("<idle>", "d..2.", "sched_switch", "prev_prio=120 next_pid=2 next_prio=120"),
        ("event-sample", "d..2.", "sched_switch", "prev_prio=120 next_pid=0 next_prio=120"),
        ("<idle>", "d..2.", "sched_waking", "pid=2 prio=120"),
        ("<idle>", "d..2.", "sched_switch", "prev_prio=120 next_pid=2 next_prio=120"),
        ("event-sample", "d..2.", "sched_switch", "prev_prio=120 next_pid=0 next_prio=120"),
    ]


def test_sample_trace_array_instance(tree, cli):
    """samples/ftrace/sample-trace-array.c: its own instance, trace_array_printk() and an
    event it enables there, then disables from a work item after five seconds."""
    build, ko = cli.build_cmd(tree, "samples/ftrace/sample-trace-array.c")
    inst = f"{TRACING}/instances/sample-instance"
    r = cli.line(build, f"insmod {ko}", f"ls {inst}")
    assert r.returncode == 0, r.stderr
    assert {"trace", "tracing_on", "events", "set_event"} <= set(r.stdout.split())
    assert cli("sleep", "7").returncode == 0
    r = cli("cat", f"{inst}/trace", f"{inst}/events/sample-subsystem/sample_event/enable")
    assert r.returncode == 0, r.stderr
    got = trace_records(r.stdout)
    printks = [t for task, f, who, t in got if who != "sample_event"]
    assert printks[:3] == [f"trace_array_printk: count={n}" for n in range(3)]
    events = [t for *_, who, t in got if who == "sample_event"]
    assert [re.sub(r"jiffies=\d+", "jiffies=J", t) for t in events] == [
        f"count value={n} at jiffies=J" for n in range(4)
    ]
    assert {task for task, *_ in got} == {"sample-instance"}
    assert r.stdout.endswith("0\n")  # the work item disabled the event
    # the top-level buffer has none of it
    assert trace_records(cli("cat", f"{TRACING}/trace").stdout) == []
    r = cli.line(f"rmmod {module_name(ko)}", f"ls {TRACING}/instances")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""
