"""A user's story with the kernel API: load, use, break and unload real modules."""

from __future__ import annotations

import errno
import threading

import pytest
from kernel_helpers import needs_gcc, sample, texts

from lkmsh.errors import (
    AlreadyExists,
    Busy,
    ElfError,
    InitFailed,
    ModuleFault,
    NotFound,
    TooMany,
    UnknownSymbol,
)
from lkmsh.kernel.kernel import Kernel, KernelConfig
from lkmsh.kernel.module import ModuleState
from lkmsh.kernel.symbols import SymbolKind


def test_hello_loads_greets_and_says_goodbye(kernel):
    m = kernel.module_load(sample("hello"), params="who=world")
    assert (m.name, m.state, m.refcount) == ("hello", ModuleState.RUNNING, 0)
    assert m.version == "1.0" and m.license == "GPL"
    assert m.description == "Greets on load, says goodbye on unload"
    assert m.size > 0 and m.size % 4096 == 0
    assert "hello: Hello, world" in texts(kernel)
    assert [x.name for x in kernel.module_list_all()] == ["hello"]

    kernel.module_unload("hello")
    assert texts(kernel)[-1] == "hello: Goodbye, world"
    assert kernel.module_find("hello") is None
    # its memory is gone from the address space
    assert not any(r.owner == "hello" for r in kernel.mem.regions())


def test_parameters_of_every_kind_reach_the_module(kernel):
    kernel.module_load(sample("hello"), params='who="two words" times=2 nums=1,2,39')
    lines = texts(kernel)
    assert lines.count("hello: Hello, two words") == 2
    assert "hello: 3 numbers add up to 42" in lines


def test_a_bad_parameter_value_fails_the_load_and_leaves_nothing(kernel):
    with pytest.raises(Exception) as exc:
        kernel.module_load(sample("hello"), params="times=lots")
    assert getattr(exc.value, "errno", None) == errno.EINVAL
    assert kernel.module_find("hello") is None
    assert kernel.module_load(sample("hello")).state is ModuleState.RUNNING


def test_module_bytes_load_like_a_path(kernel):
    m = kernel.module_load(sample("hello").read_bytes())
    assert m.name == "hello"


def test_loading_a_name_twice_is_eexist(kernel):
    kernel.module_load(sample("hello"))
    with pytest.raises(AlreadyExists) as exc:
        kernel.module_load(sample("hello"))
    assert exc.value.errno == errno.EEXIST


def test_exports_link_consumer_to_provider_and_show_in_used_by(kernel):
    kernel.module_load(sample("provider"))
    add = kernel.symbol_resolve("provider_add")
    assert add.owner == "provider" and add.kind is SymbolKind.FUNCTION
    assert kernel.symbol_resolve("provider_counter").kind is SymbolKind.OBJECT
    assert kernel.symbol_resolve("provider_secret").gpl

    kernel.module_load(sample("consumer"))
    provider = kernel.module_find("provider")
    assert provider.users == ["consumer"] and provider.refcount == 1
    assert kernel.module_find("consumer").uses == ["provider"]

    with pytest.raises(Busy) as exc:
        kernel.module_unload("provider")
    assert exc.value.errno == errno.EBUSY and exc.value.users == ["consumer"]

    kernel.module_unload("consumer")
    assert provider.refcount == 0
    kernel.module_unload("provider")
    assert kernel.symbol_resolve("provider_add") is None


def test_forced_unload_of_a_used_module_taints_r(kernel):
    kernel.module_load(sample("provider"))
    kernel.module_load(sample("consumer"))
    kernel.module_unload("provider", force=True)
    assert "R" in kernel.taints
    assert kernel.module_find("consumer").uses == []


def test_missing_symbols_are_enoent_with_one_dmesg_line_each(kernel):
    with pytest.raises(UnknownSymbol) as exc:
        kernel.module_load(sample("consumer"))
    assert exc.value.errno == errno.ENOENT
    assert "consumer: Unknown symbol provider_add (err -2)" in texts(kernel)
    assert "consumer: Unknown symbol provider_counter (err -2)" in texts(kernel)
    assert kernel.module_find("consumer") is None


def test_a_proprietary_module_cannot_use_gpl_only_exports(kernel):
    kernel.module_load(sample("provider"))
    with pytest.raises(UnknownSymbol):
        kernel.module_load(sample("broken/gpl_violation"))
    assert "gpl_violation: Unknown symbol provider_secret (err -2)" in texts(kernel)
    assert kernel.module_find("gpl_violation") is None
    assert kernel.module_find("provider").users == []


def test_taints_out_of_tree_as_linux(kernel):
    kernel.module_load(sample("hello"))
    assert kernel.taints == "O"
    assert kernel.module_find("hello").taints == "O"
    assert "hello: loading out-of-tree module taints kernel." in texts(kernel)
    assert kernel.read_proc("/proc/modules").decode().startswith("hello ")
    assert kernel.read_proc("/proc/modules").decode().rstrip().endswith("(O)")


def test_refcounts_by_module_get_and_put(kernel):
    kernel.module_load(sample("hello"))
    assert kernel.module_get("hello") is True
    assert kernel.module_refcount("hello") == 1
    with pytest.raises(Busy):
        kernel.module_unload("hello")
    kernel.module_put("hello")
    kernel.module_unload("hello")


def test_unloading_what_is_not_loaded_is_enoent(kernel):
    with pytest.raises(NotFound) as exc:
        kernel.module_unload("nosuch")
    assert exc.value.errno == errno.ENOENT


def test_null_dereference_is_an_oops_and_the_kernel_goes_on(kernel):
    with pytest.raises(ModuleFault):
        kernel.module_load(sample("broken/null_deref"))
    lines = texts(kernel)
    assert any(
        line.startswith("BUG: kernel NULL pointer dereference, address: 00000000000000")
        for line in lines
    )
    assert any(line.startswith("RIP: 0010:") and "[null_deref]" in line for line in lines)
    assert "D" in kernel.taints
    assert kernel.module_find("null_deref") is None
    assert not any(r.owner == "null_deref" for r in kernel.mem.regions())
    kernel.module_load(sample("hello"))
    assert kernel.module_find("hello").state is ModuleState.RUNNING


def test_an_endless_loop_is_a_soft_lockup(small_kernel):
    with pytest.raises(ModuleFault):
        small_kernel.module_load(sample("broken/endless_loop"))
    assert any("soft lockup" in line for line in texts(small_kernel))
    assert "L" in small_kernel.taints
    small_kernel.module_load(sample("hello"))


def test_init_failure_returns_its_errno_and_leaves_no_trace(kernel):
    with pytest.raises(InitFailed) as exc:
        kernel.module_load(sample("broken/init_fail"))
    assert exc.value.errno == errno.ENODEV
    assert kernel.module_find("init_fail") is None
    kernel.module_load(sample("hello"))


def test_double_free_is_caught(kernel):
    with pytest.raises(ModuleFault):
        kernel.module_load(sample("broken/double_free"))
    assert any("double-free" in line or "double free" in line for line in texts(kernel))
    kernel.module_load(sample("hello"))


def test_leaks_are_reported_and_reclaimed_at_unload(kernel):
    kernel.module_load(sample("broken/leak"))
    used = kernel.heap.allocations(owner="leak")
    assert used
    kernel.module_unload("leak")
    lines = texts(kernel)
    assert any(line.startswith("kmemleak: ") and "suspected memory leak" in line for line in lines)
    assert any(line.startswith("unreferenced object 0x") for line in lines)
    assert kernel.heap.allocations(owner="leak") == []


def test_proc_entry_is_readable_and_removed_with_the_module(kernel):
    kernel.module_load(sample("procfs"))
    name = [e for e in kernel.proc_entries() if e not in ("modules", "kallsyms")][0]
    first = kernel.read_proc(name).decode()
    second = kernel.read_proc(f"/proc/{name}").decode()
    assert first and second and first != second  # the show function counts reads
    kernel.module_unload("procfs")
    assert name not in kernel.proc_entries()


def test_three_module_chain_loads_bottom_up(kernel):
    for name in ("chain_bottom", "chain_middle", "chain_top"):
        kernel.module_load(sample(name))
    assert [m.name for m in kernel.module_list_all()] == [
        "chain_top",
        "chain_middle",
        "chain_bottom",
    ]
    assert kernel.module_find("chain_bottom").users == ["chain_middle"]
    assert kernel.module_resolve_dependencies(sample("chain_top")) == [
        "chain_bottom",
        "chain_middle",
    ]


def test_assembly_and_shared_object_modules_run(kernel):
    kernel.module_load(sample("asm_hello"))
    assert "asm_hello: hello from assembly, 6 * 7 = 42" in texts(kernel)
    m = kernel.module_load(sample("shared_hello"))
    assert m.elf_type == "ET_DYN" and m.state is ModuleState.RUNNING
    kernel.module_unload("shared_hello")
    kernel.module_unload("asm_hello")


def test_hostile_images_are_enoexec_and_change_nothing(kernel):
    good = sample("hello").read_bytes()
    before = len(kernel.symbols())
    for bad in (b"", b"\x7fELF", good[:200], b"MZ" + good[2:], good[:-300]):
        with pytest.raises(ElfError) as exc:
            kernel.module_load(bad)
        assert exc.value.errno == errno.ENOEXEC
    assert kernel.module_list_all() == [] and len(kernel.symbols()) == before


def test_a_foreign_vermagic_is_refused_unless_forced(kernel):
    data = bytearray(sample("hello").read_bytes())
    at = data.find(b"vermagic=6.1.0-lkmsh")
    data[at + 9 : at + 14] = b"5.9.9"
    with pytest.raises(ElfError):
        kernel.module_load(bytes(data))
    assert any("version magic '5.9.9" in line for line in texts(kernel))
    kernel.module_load(bytes(data), force=True)
    assert "F" in kernel.taints


def test_the_module_limit_holds():
    k = Kernel(KernelConfig(max_modules=2))
    k.module_load(sample("hello"))
    k.module_load(sample("provider"))
    with pytest.raises(TooMany):
        k.module_load(sample("chain_bottom"))


@needs_gcc
def test_256_modules_load_and_the_257th_is_refused(tmp_path):
    from lkmsh.build import build_module

    src = tmp_path / "m.c"
    src.write_text(
        "#include <linux/module.h>\nstatic int __init i(void){return 0;}\n"
        'static void __exit e(void){}\nmodule_init(i);\nmodule_exit(e);\nMODULE_LICENSE("GPL");\n'
    )
    data = build_module([src], tmp_path / "m000.ko").read_bytes()
    k = Kernel()
    for i in range(256):
        # The same image under a new name of the same length (.modinfo and __this_module).
        k.module_load(data.replace(b"m000\0", f"m{i:03d}".encode() + b"\0"))
    assert len(k.module_list_all()) == 256
    with pytest.raises(TooMany):
        k.module_load(data.replace(b"m000\0", b"m999\0"))


def test_threads_load_and_unload_without_corrupting_anything(kernel):
    names = ["hello", "provider", "chain_bottom", "asm_hello"]
    errors = []

    def worker(name):
        try:
            for _ in range(5):
                kernel.module_load(sample(name))
                kernel.module_unload(name)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert kernel.module_list_all() == []
    assert all(s.owner is None for s in kernel.symbols())
