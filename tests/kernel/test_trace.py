"""Seeing inside a load: the loader trace, the relocation log and the function tracer,
checked against what the kernel really holds (memory bytes, symbol addresses, dmesg)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lkmsh.errors import KernelError
from lkmsh.kernel.kernel import Kernel
from lkmsh.kernel.trace import (
    Binding,
    LoadTrace,
    Step,
    c_string,
    format_value,
)

SAMPLES = Path(__file__).resolve().parents[2] / "sample_modules"
HELLO = SAMPLES / "hello.ko"


def traced_load(k: Kernel, path: Path, params: str = "") -> tuple[object, LoadTrace]:
    tr = LoadTrace()
    k.load_trace = tr
    try:
        return k.module_load(path, params), tr
    finally:
        k.load_trace = None


def test_the_trace_places_every_section_where_the_module_says_it_is(kernel: Kernel):
    m, tr = traced_load(kernel, HELLO)
    placed = [(e.name, e.addr, e.size, e.perm) for e in tr.of(Step.SECTION)]
    assert placed == [(p.name, p.addr, p.size, p.perm) for p in m.placements]
    checks = {e.check for e in tr.of(Step.CHECK)}
    assert {"elf", "machine", "vermagic", "name", "limit", "license"} <= checks


def test_resolved_symbols_are_the_addresses_ksyms_lists(kernel: Kernel):
    _, tr = traced_load(kernel, HELLO)
    resolved = {e.name: e for e in tr.of(Step.SYMBOL)}
    assert "printk" in resolved
    assert resolved["printk"].addr == kernel.symbol_resolve("printk").addr
    assert resolved["printk"].provider is None  # the kernel


def test_every_relocation_value_is_the_bytes_in_memory(kernel: Kernel):
    _, tr = traced_load(kernel, HELLO)
    relocs = tr.of(Step.RELOC)
    assert len(relocs) > 10
    for r in relocs:
        assert kernel.mem.read(r.place, r.size) == r.value.to_bytes(r.size, "little"), r
    printk = kernel.symbol_resolve("printk").addr
    calls = [r for r in relocs if r.type_name == "R_X86_64_PLT32" and r.symbol == "printk"]
    assert calls, "hello calls printk"
    for r in calls:
        # S + A - P, truncated to the 32-bit field
        assert r.value == (printk + r.addend - r.place) & 0xFFFFFFFF
        assert r.addend == -4


def test_the_module_struct_relocations_point_at_init_and_exit(kernel: Kernel):
    m, tr = traced_load(kernel, HELLO)
    by_place = {r.place: r for r in tr.of(Step.RELOC)}
    assert by_place[m.struct_addr + 56].value == m.init_addr
    assert by_place[m.struct_addr + 64].value == m.exit_addr


def test_parameters_and_init_return_value_are_traced(kernel: Kernel):
    _, tr = traced_load(kernel, HELLO, "who=tracer times=2")
    params = [(e.name, e.value) for e in tr.of(Step.PARAM)]
    assert params == [("who", "tracer"), ("times", "2")]
    (init,) = tr.of(Step.INIT)
    assert init.symbol == "hello_init" and init.ret == 0


def test_a_missing_symbol_is_traced_before_the_load_fails(kernel: Kernel, build):
    ko = build("#include <linux/module.h>\nextern int nowhere(void);\n"
               "static int __init t_init(void) { return nowhere(); }\n"
               "module_init(t_init);\nMODULE_LICENSE(\"GPL\");\n")  # fmt: skip
    tr = LoadTrace()
    kernel.load_trace = tr
    with pytest.raises(Exception, match="nowhere"):
        kernel.module_load(ko)
    missing = [e for e in tr.of(Step.SYMBOL) if e.binding is Binding.MISSING]
    assert [e.name for e in missing] == ["nowhere"]
    assert not tr.of(Step.INIT)


def test_the_relocation_log_survives_save_and_restore(kernel: Kernel):
    m, tr = traced_load(kernel, HELLO)
    logged = kernel.tracing.relocs.records(m.name, kernel.arch)
    assert [(r.place, r.type_name, r.symbol, r.addend) for r in logged] == [
        (r.place, r.type_name, r.symbol, r.addend) for r in tr.of(Step.RELOC)
    ]
    again = Kernel.from_state(kernel.export_state())
    restored = again.tracing.relocs.records(m.name, again.arch)
    assert restored == logged
    kernel.module_unload("hello")
    assert "hello" not in kernel.export_state().components["tracing"]["relocs"]


def test_the_function_tracer_records_hellos_printk_with_its_format(kernel: Kernel):
    kernel.tracing.ftrace.enabled = True
    kernel.module_load(HELLO, "who=tracer")
    (entry,) = [e for e in kernel.tracing.ftrace.ring if e.func == "printk"]
    fmt = dict(entry.args)["fmt"]
    assert fmt == c_string(b"\x016hello: Hello, %s\n")
    assert entry.variadic and entry.task == "insmod" and entry.module == "hello"
    assert entry.parent.startswith("hello_init") and "[" not in entry.parent
    # printk returns the length of what it stored, without the level and newline
    assert entry.ret == str(len("hello: Hello, tracer"))
    text = kernel.read_proc("/sys/kernel/tracing/trace").decode()
    assert text.startswith("# tracer: function\n")
    assert "# entries-in-buffer/entries-written: 1/1   #P:1" in text
    assert f"printk(fmt={fmt}, ...) <-{entry.parent}" in text


def test_a_tail_call_on_unload_is_attributed_to_delete_module(kernel: Kernel, tmp_path):
    from lkmsh.build import build_module

    # kbuild's frame-pointer flags forbid sibling calls; a module built with
    # them allowed again makes hello_exit end with "jmp printk"
    ko = build_module(
        [SAMPLES / "hello.c"], tmp_path / "hello.ko", extra_cflags=["-foptimize-sibling-calls"]
    )
    kernel.module_load(ko)
    kernel.tracing.ftrace.enabled = True
    kernel.module_unload("hello")
    (entry,) = kernel.tracing.ftrace.ring
    # hello_exit ends with "jmp printk": its return address is the kernel's
    assert entry.func == "printk" and entry.task == "rmmod"
    assert entry.parent == "__do_sys_delete_module"


def test_tracing_off_records_nothing_and_the_state_keeps_the_switch(kernel: Kernel):
    # as Linux at boot: tracing_on is 1, current_tracer nop (no call is recorded)
    kernel.module_load(HELLO)
    assert len(kernel.tracing.ftrace.ring) == 0
    assert kernel.read_proc("/sys/kernel/tracing/tracing_on") == b"1\n"
    assert kernel.read_proc("/sys/kernel/tracing/current_tracer") == b"nop\n"
    kernel.write_file("/sys/kernel/tracing/current_tracer", b"function\n")
    again = Kernel.from_state(kernel.export_state())
    assert again.tracing.ftrace.enabled
    assert again.read_proc("/sys/kernel/tracing/current_tracer") == b"function\n"
    again.write_file("/sys/kernel/tracing/tracing_on", b"0")
    assert not again.tracing.ftrace.enabled  # paused: the tracer stays, nothing recorded
    again.module_unload("hello")
    assert len(again.tracing.ftrace.ring) == 0
    with pytest.raises(KernelError):
        again.write_file("/sys/kernel/tracing/current_tracer", b"graph\n")


def test_arguments_are_decoded_by_their_c_type():
    strings = {0x1000: b"hi\n"}

    def read(addr):
        return strings.get(addr)

    assert format_value("const char *", 0x1000, read) == '"hi\\n"'
    assert format_value("const char *", 0, read) == "(null)"
    assert format_value("const char *", 0x2000, read) == "0x2000"  # unreadable: the pointer
    assert format_value("void *", 0xFFFF888000000040, read) == "0xffff888000000040"
    assert format_value("int", 0xFFFFFFFE, read) == "-2"
    assert format_value("size_t", 4096, read) == "4096"
    assert format_value("gfp_t", 0xCC0, read) == "0xcc0"
