"""The same stories on an arm64 kernel: AArch64 modules linked, run and broken like x86-64 ones.

The prebuilt modules in sample_modules/aarch64/ need no compiler; tests that
build run only where Debian's gcc-aarch64-linux-gnu is installed.
"""

from __future__ import annotations

import errno
import re
import shutil
import subprocess

import pytest
from kernel_helpers import HERE_MODULES, SAMPLES, sample, texts

from lkmsh.build import build_module, cross_compiler_available
from lkmsh.errors import Busy, ElfError, InitFailed, ModuleFault, UnknownSymbol
from lkmsh.kernel.kernel import Kernel, KernelConfig
from lkmsh.kernel.module import ModuleState
from lkmsh.kernel.symbols import SymbolKind

needs_cross_gcc = pytest.mark.skipif(
    not cross_compiler_available("aarch64"),
    reason="aarch64-linux-gnu-gcc is not installed (Debian package gcc-aarch64-linux-gnu)",
)


def arm(name: str):
    return SAMPLES / "aarch64" / f"{name}.ko"


@pytest.fixture
def k() -> Kernel:
    return Kernel(KernelConfig(arch="aarch64"))


@pytest.fixture
def build_arm(tmp_path):
    def _build(source, name: str = "t", suffix: str = ".c"):
        if isinstance(source, str):
            src = tmp_path / f"{name}{suffix}"
            src.write_text(source)
        else:
            src = source
        return build_module([src], tmp_path / f"{name}.ko", arch="aarch64")

    return _build


# -- the everyday story ----------------------------------------------------------


def test_hello_greets_with_parameters_and_says_goodbye(k):
    m = k.module_load(arm("hello"), params='who="arm world" times=2 nums=1,2,39')
    assert (m.name, m.state) == ("hello", ModuleState.RUNNING)
    assert texts(k).count("hello: Hello, arm world") == 2
    assert "hello: 3 numbers add up to 42" in texts(k)
    k.module_unload("hello")
    assert texts(k)[-1] == "hello: Goodbye, arm world"
    assert not any(r.owner == "hello" for r in k.mem.regions())


def test_exports_link_consumer_to_provider(k):
    k.module_load(arm("provider"))
    assert k.symbol_resolve("provider_add").kind is SymbolKind.FUNCTION
    k.module_load(arm("consumer"))
    assert k.module_find("provider").users == ["consumer"]
    with pytest.raises(Busy):
        k.module_unload("provider")
    k.module_unload("consumer")
    k.module_unload("provider")


def test_three_module_chain_and_dependencies(k):
    for name in ("chain_bottom", "chain_middle", "chain_top"):
        k.module_load(arm(name))
    assert [m.name for m in k.module_list_all()] == ["chain_top", "chain_middle", "chain_bottom"]
    assert k.module_find("chain_middle").uses == ["chain_bottom"]
    assert k.module_resolve_dependencies(arm("chain_top")) == ["chain_bottom", "chain_middle"]


def test_procfs_assembly_and_shared_modules_run(k):
    k.module_load(arm("procfs"))
    name = [e for e in k.proc_entries() if e not in ("modules", "kallsyms")][0]
    assert k.read_proc(name) != k.read_proc(name)  # the show function counts reads
    k.module_load(arm("asm_hello"))
    assert "asm_hello: hello from assembly, 6 * 7 = 42" in texts(k)
    assert k.module_find("asm_hello").info("description") == "A module written in AArch64 assembly"
    m = k.module_load(arm("shared_hello"))
    assert m.elf_type == "ET_DYN" and m.state is ModuleState.RUNNING
    for name in ("shared_hello", "asm_hello", "procfs"):
        k.module_unload(name)


def test_gpl_only_exports_are_refused_to_a_proprietary_module(k):
    k.module_load(arm("provider"))
    with pytest.raises(UnknownSymbol):
        k.module_load(arm("broken/gpl_violation"))
    assert "gpl_violation: Unknown symbol provider_secret (err -2)" in texts(k)


def test_init_failure_leak_and_double_free(k):
    with pytest.raises(InitFailed) as exc:
        k.module_load(arm("broken/init_fail"))
    assert exc.value.errno == errno.ENODEV
    k.module_load(arm("broken/leak"))
    k.module_unload("leak")
    assert any(t.startswith("kmemleak: ") for t in texts(k))
    with pytest.raises(ModuleFault):
        k.module_load(arm("broken/double_free"))
    assert any("double-free" in t or "double free" in t for t in texts(k))


# -- one architecture per kernel ------------------------------------------------------


def test_a_module_of_the_other_machine_is_an_invalid_module_format(k):
    with pytest.raises(ElfError) as exc:
        k.module_load(sample("hello"))
    assert exc.value.errno == errno.ENOEXEC
    assert (
        "hello: Invalid module architecture in ELF header: 62 (x86-64; this kernel is aarch64)"
        in texts(k)
    )
    x86 = Kernel()
    with pytest.raises(ElfError):
        x86.module_load(arm("hello"))
    assert any("ELF header: 183 (AArch64" in t for t in texts(x86))
    assert k.module_list_all() == [] and x86.module_list_all() == []


def test_the_architecture_survives_a_state_round_trip(k):
    k.module_load(arm("hello"))
    again = Kernel.from_state(k.export_state())
    assert again.arch.name == "aarch64" and again.config.arch == "aarch64"
    again.module_unload("hello")  # runs the module's exit on the arm64 CPU
    assert texts(again)[-1] == "hello: Goodbye, world"


# -- faults, in arm64 Linux's words ------------------------------------------------------


def test_null_dereference_is_an_arm64_oops(k):
    with pytest.raises(ModuleFault) as exc:
        k.module_load(arm("broken/null_deref"))
    assert str(exc.value).startswith(
        "Unable to handle kernel NULL pointer dereference at virtual address 00000000000000"
    )
    lines = texts(k)
    at = lines.index("Mem abort info:")
    assert lines[at + 1].startswith("  ESR = 0x00000000960000")
    assert lines[at + 2] == "  EC = 0x25: DABT (current EL), IL = 32 bits"
    assert any(t.startswith("Internal error: Oops: 00000000960000") for t in lines)
    pc = next(t for t in lines if t.startswith("pc : "))
    assert pc.endswith("[null_deref]")
    assert any(t.startswith("x29: ") and "x28: " in t and "x27: " in t for t in lines)
    assert any(t.startswith("x2 : ") and t.count(":") == 3 for t in lines)
    assert any(t.startswith("Code: ") and t.endswith(")") for t in lines)
    assert "D" in k.taints
    assert not any(r.owner == "null_deref" for r in k.mem.regions())
    k.module_load(arm("hello"))


def test_an_endless_loop_is_a_soft_lockup():
    k = Kernel(KernelConfig(arch="aarch64", insn_budget=2_000_000, timeout_s=5.0))
    with pytest.raises(ModuleFault):
        k.module_load(arm("broken/endless_loop"))
    assert any("soft lockup" in t for t in texts(k))
    assert "L" in k.taints


@needs_cross_gcc
def test_bug_write_to_rodata_and_undefined_instruction(k, build_arm):
    head = '#include <linux/module.h>\n#include <linux/bug.h>\nMODULE_LICENSE("GPL");\n'

    def crash(body: str, name: str) -> list[str]:
        src = (
            head + f"static int __init c_init(void) {{ {body} return 0; }}\nmodule_init(c_init);\n"
        )
        k.dmesg_clear()
        with pytest.raises(ModuleFault):
            k.module_load(build_arm(src, name))
        return texts(k)

    lines = crash("BUG();", "bug")
    assert any(re.fullmatch(r"kernel BUG at .*bug\.c:\d+!", t) for t in lines)
    assert "Internal error: Oops - BUG: 00000000f2000800 [#1] PREEMPT SMP" in lines
    lines = crash("static const int x = 1; *(volatile int *)&x = 2;", "ro")
    assert any(t.startswith("Unable to handle kernel write to read-only memory at") for t in lines)
    assert "  FSC = 0x0f: level 3 permission fault" in lines
    lines = crash('__asm__ volatile(".inst 0x00000000");', "udf")
    assert (
        "Internal error: Oops - Undefined instruction: 0000000002000000 [#1] PREEMPT SMP" in lines
    )


# -- linking ---------------------------------------------------------------------


def _decode_branch(word: int, place: int) -> int:
    off = word & 0x3FFFFFF
    if off >> 25:
        off -= 1 << 26
    return place + 4 * off


def _decode_veneer(k, at: int) -> int:
    """Where ``adrp x16; add x16, x16, #lo; br x16`` at ``at`` jumps."""
    adrp, add, br = (k.mem.read_u32(at + 4 * i) for i in range(3))
    assert (adrp & 0x9F00001F, add & 0xFFC003FF, br) == (0x90000010, 0x91000210, 0xD61F0200)
    pages = ((adrp >> 29) & 3) | (((adrp >> 5) & 0x7FFFF) << 2)
    if pages >> 20:
        pages -= 1 << 21
    return ((at & ~0xFFF) + (pages << 12) + ((add >> 10) & 0xFFF)) & (2**64 - 1)


@needs_cross_gcc
def test_each_relocation_type_lands_the_right_value(k, build_arm):
    k.symbol_export("small_value", 0x1234, SymbolKind.DATA)
    k.symbol_export("mid_value", 0x12345678, SymbolKind.DATA)
    k.symbol_export("big_value", 0x123456789ABC, SymbolKind.DATA)
    m = k.module_load(build_arm(HERE_MODULES / "relocs_aarch64.S", "relocs"))
    addr = {s.name: s.addr for s in m.symbols}
    target, results, literal = addr["target_data"], addr["results"], addr["literal"]
    r = [k.mem.read_u64(results + 8 * i) for i in range(23)]
    mask = 2**64 - 1
    assert r[0] == target  # ABS64
    assert r[1] == (literal - (results + 8)) & mask  # PREL64
    assert r[2] == ((literal - (results + 16)) & 0xFFFFFFFF) | (0x1234 << 32)  # PREL32, ABS32
    assert r[3] == 0x1234  # ABS16
    assert r[4] == r[5] == target  # ADRP + ADD; MOVW_UABS_G3..G0_NC
    assert r[6:9] == [0x1234, 0x12345678, 0x123456789ABC]  # checked MOVW_UABS_G0/G1/G2
    assert r[9:13] == [0x5150, 0x4E4F4E45, 0x1616, 0x88]  # LDST64/32/16/8
    assert r[13:15] == [target, 0x1234]  # through the module's GOT
    assert r[15] == r[16] == len("eleven char")  # CALL26 and JUMP26 to strlen via a veneer
    assert r[17] == target  # ADR_PREL_LO21
    assert r[18] == 18  # CONDBR19 then TSTBR14
    assert r[19] == 0x1919  # LD_PREL_LO19
    assert r[20] == 0x1281281281281281  # LDST128
    assert r[21] == 0x4E4F4E45  # NONE
    assert r[22] == (literal - (results + 8 * 22)) & 0xFFFF  # PREL16
    # Both kernel calls share one veneer at the end of the module's text.
    init = addr["init_module"]
    bl = next(
        init + 4 * i
        for i in range(64)
        if k.mem.read_u32(init + 4 * i) >> 26 == 0x25  # BL
    )
    veneer = _decode_branch(k.mem.read_u32(bl), bl)
    plt = next(p for p in m.placements if p.name == ".plt")
    assert plt.addr <= veneer < plt.addr + plt.size and plt.perm == "r-x"
    assert _decode_veneer(k, veneer) == k.symbol_address("strlen")


@needs_cross_gcc
def test_a_checked_movw_group_that_cannot_hold_the_value_overflows(k, build_arm):
    src = (HERE_MODULES / "relocs_aarch64.S").read_text()
    src = src.replace("#:abs_g0:small_value", "#:abs_g0:mid_value")
    for name, value in (("small_value", 1), ("mid_value", 0x12345678), ("big_value", 2)):
        k.symbol_export(name, value, SymbolKind.DATA)
    with pytest.raises(ElfError) as exc:
        k.module_load(build_arm(src, "relocs", ".S"))
    assert "overflow in relocation type 263 val 12345678" in str(exc.value)
    assert k.module_list_all() == []


def test_module_computation_matches_the_program_compiled_natively(k, tmp_path):
    """compute.c run natively for arm64 (qemu-user) or, failing that, on the host."""
    qemu, cross = shutil.which("qemu-aarch64"), shutil.which("aarch64-linux-gnu-gcc")
    prog = tmp_path / "compute_host"
    if qemu and cross:
        cmd = [cross, "-static", "-DHOST_BUILD", "-O2", "-o", str(prog), str(SAMPLES / "compute.c")]
        run = [qemu, str(prog)]
    elif shutil.which("gcc"):  # the code is architecture-independent
        cmd = ["gcc", "-DHOST_BUILD", "-O2", "-o", str(prog), str(SAMPLES / "compute.c")]
        run = [str(prog)]
    else:
        pytest.skip("neither qemu-aarch64 with a cross gcc nor a host gcc is installed")
    subprocess.run(cmd, check=True)
    native = subprocess.run(run, capture_output=True, text=True, check=True).stdout
    k.module_load(arm("compute"))
    note = "compute: loading out-of-tree module taints kernel."
    emulated = [t for t in texts(k) if t.startswith("compute: ") and t != note]
    assert emulated == native.splitlines() and len(emulated) > 5


@needs_cross_gcc
def test_the_prebuilt_aarch64_samples_are_what_make_would_build(tmp_path):
    """sample_modules/aarch64 must not go stale against its sources and headers."""
    for name in ("hello", "provider", "compute"):
        built = build_module([SAMPLES / f"{name}.c"], tmp_path / f"{name}.ko", arch="aarch64")
        assert built.read_bytes() == arm(name).read_bytes(), name


@needs_cross_gcc
def test_vsnprintf_reads_an_aapcs64_va_list(k, build_arm):
    """A va_list is a different struct on arm64; registers first, then the stack."""
    src = (
        "#include <linux/module.h>\n#include <linux/kernel.h>\n#include <linux/string.h>\n"
        "static char buf[128];\n"
        "static __printf(1, 2) void fmt(const char *f, ...)\n"
        "{ va_list ap; va_start(ap, f); vsnprintf(buf, sizeof(buf), f, ap); va_end(ap); }\n"
        "static int __init va_init(void)\n"
        '{ fmt("%d %s %lx %d %d %d %d %d %d %d", 1, "two", 0x3UL, 4, 5, 6, 7, 8, 9, -10);\n'
        '  pr_info("va: %s\\n", buf); return 0; }\n'
        'module_init(va_init);\nMODULE_LICENSE("GPL");\n'
    )
    k.module_load(build_arm(src, "va"))
    assert "va: 1 two 3 4 5 6 7 8 9 -10" in texts(k)


@needs_cross_gcc
def test_a_bad_pointer_handed_to_the_kernel_is_an_arm64_oops_in_that_function(k, build_arm):
    src = (
        "#include <linux/module.h>\n#include <linux/string.h>\n"
        "static const char *volatile p;\n"
        "static int __init bp_init(void) { return strlen(p); }\n"
        'module_init(bp_init);\nMODULE_LICENSE("GPL");\n'
    )
    with pytest.raises(ModuleFault):
        k.module_load(build_arm(src, "bp"))
    lines = texts(k)
    assert (
        "Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000"
        in lines
    )
    # strlen is klib's frameless leaf, as Linux's: its caller is in lr, not a frame record
    assert any(x.startswith("pc : strlen+0x") for x in lines)
    assert any(x.startswith("lr : bp_init+") and x.endswith("[bp]") for x in lines)
    trace = lines.index("Call trace:")
    assert lines[trace + 1].startswith(" strlen+0x")
