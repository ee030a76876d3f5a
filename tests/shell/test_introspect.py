"""The seeing-inside commands end to end, through the real console script and a state
file: a student loads hello, traces it, reads its code and memory, then a leak and a
dependency chain."""

from __future__ import annotations

import json
import re

import pytest

from lkmsh.shell.graph import DepGraph, to_dot, tree_text

from .conftest import BROKEN, SAMPLES, assert_no_traceback

pytestmark = pytest.mark.usefixtures("kernel_ready")

HELLO = str(SAMPLES / "hello.ko")

# sample_modules/broken/orphan.c (the tutorial uses it too): one object lost, two reachable
ORPHAN_C = (SAMPLES / "broken" / "orphan.c").read_text()


def ok(run):
    assert_no_traceback(run)
    assert run.returncode == 0, run.stderr
    return run.stdout


def kallsyms(lkmsh) -> dict[str, int]:
    out = {}
    for line in ok(lkmsh("cat", "/proc/kallsyms")).splitlines():
        addr, _, name = line.split()[:3]
        out[name] = int(addr, 16)
    return out


def test_insmod_trace_shows_each_step_in_plain_lines(lkmsh):
    out = ok(lkmsh("insmod", "--trace", HELLO, "who=trace"))
    steps = [line.split()[0] for line in out.splitlines()]
    assert steps[0] == "check" and steps[-1] == "init"
    assert {"section", "symbol", "reloc", "param"} <= set(steps)
    syms = kallsyms(lkmsh)
    (printk,) = [ln for ln in out.splitlines() if ln.startswith("symbol   printk")]
    assert f"{syms['printk']:#018x} [kernel]" in printk
    (text,) = [ln for ln in out.splitlines() if ln.startswith("section  .text ")]
    assert f"{syms['hello_init']:#018x}" in text  # hello_init is the first thing in .text
    assert re.search(r"^init\s+hello_init at 0x[0-9a-f]+ returned 0$", out, re.M)


def test_insmod_trace_json_reloc_values_match_memory(lkmsh):
    data = json.loads(ok(lkmsh("insmod", "--trace", "--json", HELLO)))
    assert data["loaded"] and data["module"] == "hello"
    relocs = [s for s in data["steps"] if s["step"] == "reloc"]
    call = next(r for r in relocs if r["symbol"] == "printk")
    # read the same four bytes back with gdb's x
    out = ok(lkmsh("x/4xb", call["place"]))
    bytes_ = [int(b, 16) for b in out.split(":", 1)[1].split()]
    assert int.from_bytes(bytes(bytes_), "little") == int(call["value"], 16)


def test_a_failed_traced_insmod_still_shows_its_steps(lkmsh):
    run = lkmsh("insmod", "--trace", str(BROKEN / "gpl_violation.ko"))
    assert run.returncode == 1
    assert "Unknown symbol in module" in run.stderr
    assert re.search(r"^symbol\s+provider_secret: Unknown symbol", run.stdout, re.M)
    assert run.stdout.splitlines()[-1].startswith("error")


def test_trace_on_persists_between_one_shot_commands(lkmsh):
    ok(lkmsh("trace", "on"))
    ok(lkmsh("insmod", HELLO, "who=ftrace"))
    ok(lkmsh("rmmod", "hello"))
    ok(lkmsh("trace", "off"))
    ok(lkmsh("insmod", HELLO))  # not recorded
    trace = ok(lkmsh("cat", "/sys/kernel/tracing/trace"))
    assert trace.startswith("# tracer: nop\n")  # off: the recorded calls stay
    calls = [ln for ln in trace.splitlines() if not ln.startswith("#")]
    assert len(calls) == 2
    assert re.match(r"^\s+insmod-\d+\s+\[000\] \.{5}\s+\d+\.\d{6}: printk\(fmt=", calls[0])
    assert 'fmt="\\0016hello: Hello, %s\\n", ...) <-hello_init' in calls[0]
    assert calls[0].endswith(f"/* = {len('hello: Hello, ftrace')} */")
    assert "rmmod-" in calls[1] and "Goodbye" in calls[1]
    assert ok(lkmsh("cat", "/sys/kernel/tracing/current_tracer")) == "nop\n"
    assert ok(lkmsh("cat", "/sys/kernel/tracing/tracing_on")) == "1\n"  # as at boot


def test_insmod_ftrace_shows_only_that_loads_calls(lkmsh):
    out = ok(lkmsh("insmod", "--ftrace", "--json", HELLO))
    (call,) = json.loads(out)
    assert call["function"] == "printk" and call["module"] == "hello"
    assert call["args"]["fmt"] == '"\\0016hello: Hello, %s\\n"'
    assert call["caller_symbol"].startswith("hello_init")
    # only that load: the tracer is put back as it was (nop)
    assert ok(lkmsh("cat", "/sys/kernel/tracing/current_tracer")) == "nop\n"


def test_disasm_resolves_calls_and_annotates_relocations(lkmsh):
    ok(lkmsh("insmod", HELLO))
    out = ok(lkmsh("disasm", "hello:hello_exit"))
    assert "<hello_exit>:" in out
    assert re.search(r"\tcallq?\s+printk\n", out)  # calls resolve to kernel names
    m = re.search(r"\t\t\t([0-9a-f]+): R_X86_64_PLT32\tprintk-0x4\t= (0x[0-9a-f]{8})", out)
    assert m, out
    place, value = int(m.group(1), 16), int(m.group(2), 16)
    syms = kallsyms(lkmsh)
    assert value == (syms["printk"] - 4 - place) & 0xFFFFFFFF
    assert '"\\0016hello: Goodbye, %s\\n"' in out  # the string its first argument points at


def test_disasm_raw_is_the_unrelocated_file(lkmsh):
    out = ok(lkmsh("disasm", "--raw", HELLO))
    assert "unrelocated" in out and "0000000000000000 <hello_init>:" in out
    assert "R_X86_64_PLT32\tprintk-0x4\n" in out  # no value: nothing was written yet
    assert "e8 00 00 00 00" in out or "e9 00 00 00 00" in out


def test_disasm_of_a_module_not_loaded_fails_cleanly(lkmsh):
    run = lkmsh("disasm", "nosuch")
    assert run.returncode == 1 and "nosuch is not currently loaded" in run.stderr
    assert_no_traceback(run)


def test_memmap_shows_module_sections_with_their_permissions(lkmsh):
    ok(lkmsh("insmod", HELLO))
    out = ok(lkmsh("memmap"))
    base = int(ok(lkmsh("cat", "/proc/modules")).split()[5], 16)
    assert re.search(rf"^{base:016x}-\S+ r-x\s+4096\s+module\s+hello:text\s+\[hello\]$", out, re.M)
    assert re.search(rf"^    {base:016x}-\S+ r-x\s+\d+\s+section\s+\.text$", out, re.M)
    assert re.search(r"^\S+ rw-\s+\d+\s+module\s+hello:bss", out, re.M)
    assert re.search(r"^ffffffff81000000-\S+ r-x .* kernel text", out, re.M)


def test_x_reads_strings_addresses_and_instructions(lkmsh):
    ok(lkmsh("insmod", HELLO))
    syms = kallsyms(lkmsh)
    out = ok(lkmsh("x/2a", "__this_module+56"))
    assert f"{syms['hello_init']:#x} <hello_init>" in out
    assert f"{syms['hello_exit']:#x} <hello_exit>" in out
    out = ok(lkmsh("x/1dw", "times"))
    assert out.split("\t")[-1].strip() == "1"
    out = ok(lkmsh("x/3i", "hello_exit"))
    assert len(out.splitlines()) == 3 and "<hello_exit>:" in out
    run = lkmsh("x/2xg", "0x1000")
    assert run.returncode == 1 and "Cannot access memory at address 0x1000" in run.stderr


def test_kmemleak_finds_the_object_nothing_points_at(lkmsh, tmp_path):
    src = tmp_path / "orphan.c"
    src.write_text(ORPHAN_C)
    ko = tmp_path / "orphan.ko"
    ok(lkmsh("build", str(src), "-o", str(ko)))
    ok(lkmsh("insmod", str(ko)))
    out = ok(lkmsh("kmemleak"))
    assert out.count("unreferenced object") == 1  # a and b are reachable from .bss
    assert re.search(r"unreferenced object 0x[0-9a-f]{16} \(size 48\):", out)
    assert "nobody points at" in out
    assert re.search(r"\[<[0-9a-f]{16}>\] orphan_init\+0x[0-9a-f]+/0x[0-9a-f]+ \[orphan\]", out)
    slab = ok(lkmsh("slabinfo"))
    active = {ln.split()[0]: int(ln.split()[1]) for ln in slab.splitlines()[2:]}
    assert active["kmalloc-64"] == 1 and active["kmalloc-32"] == 2
    ok(lkmsh("rmmod", "orphan"))
    assert ok(lkmsh("kmemleak")) == ""


def test_lsmod_tree_and_dot_draw_the_dependency_chain(lkmsh):
    for name in ("chain_bottom", "chain_middle", "chain_top", "hello"):
        ok(lkmsh("insmod", str(SAMPLES / f"{name}.ko")))
    tree = ok(lkmsh("lsmod", "--tree"))
    assert tree == "hello\nchain_top\n└── chain_middle\n    └── chain_bottom\n"
    dot = ok(lkmsh("lsmod", "--dot"))
    assert dot.startswith('digraph "modules" {') and dot.rstrip().endswith("}")
    edges = re.findall(r'^  "(\w+)" -> "(\w+)";$', dot, re.M)
    assert sorted(edges) == [("chain_middle", "chain_bottom"), ("chain_top", "chain_middle")]
    assert "red" not in dot


def test_a_cycle_is_drawn_in_red_and_not_expanded_twice():
    g = DepGraph.from_deps({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]})
    assert g.cycle_nodes == {"a", "b", "c"}
    dot = to_dot(g)
    assert '"c" -> "a" [color=red, penwidth=2, label="cycle"];' in dot
    assert '"d" -> "a";' in dot  # into the cycle, not part of it
    assert tree_text(g) == "d\n└── a\n    └── b\n        └── c\n            └── a (cycle)\n"
