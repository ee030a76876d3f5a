"""Every x86-64 relocation type applied by the loader, checked by what the CPU then sees."""

from __future__ import annotations

import subprocess

import pytest
from kernel_helpers import HERE_MODULES, SAMPLES, needs_gcc, texts

from lkmsh.errors import RelocationError
from lkmsh.kernel.symbols import SymbolKind

pytestmark = needs_gcc


def _results(kernel, count=10):
    base = kernel.symbol_address("results") or next(
        s.addr for s in kernel.module_find("relocs").symbols if s.name == "results"
    )
    return [kernel.mem.read_u64(base + 8 * i) for i in range(count)]


def test_each_relocation_type_lands_the_right_value(kernel, build):
    kernel.symbol_export("small_value", 0x1234, SymbolKind.DATA)
    kernel.module_load(build(HERE_MODULES / "relocs.S", "relocs"))
    m = kernel.module_find("relocs")
    addr = {s.name: s.addr for s in m.symbols}
    target, results = addr["target_data"], addr["results"]
    r = _results(kernel)
    assert r[0] == target  # R_X86_64_64
    assert r[1] == target  # PC32
    assert r[2] == target  # 32S
    assert r[3] == (target - (results + 24)) & (2**64 - 1)  # PC64
    assert r[4] == target  # GOTPCREL: loaded through the module's GOT
    assert r[5] == 0x5150  # GOTPCRELX: call through the GOT
    assert r[6] == target  # REX_GOTPCRELX
    assert r[7] == 0x1234  # 32
    assert r[8] == 0x5150  # PLT32
    assert r[9] == 0x4E4F4E45  # NONE leaves the place alone


def test_a_32_bit_zero_extended_relocation_to_a_kernel_address_overflows(kernel, build):
    # Without the small symbol, `movl $small_value` can only reach a module address.
    src = (HERE_MODULES / "relocs.S").read_text().replace("$small_value", "$target_data")
    with pytest.raises(RelocationError) as exc:
        kernel.module_load(build(src, "relocs", suffix=".S"))
    assert "overflow in relocation type 10 val ffffffffa" in str(exc.value)
    assert kernel.module_list_all() == []


def test_module_computation_matches_the_same_c_compiled_natively(kernel, tmp_path):
    """The fidelity oracle: compute.c run on the host and in the emulated kernel."""
    host = tmp_path / "compute_host"
    subprocess.run(
        ["gcc", "-DHOST_BUILD", "-O2", "-o", str(host), str(SAMPLES / "compute.c")], check=True
    )
    native = subprocess.run([str(host)], capture_output=True, text=True, check=True).stdout
    kernel.module_load(SAMPLES / "compute.ko")
    taint_note = "compute: loading out-of-tree module taints kernel."
    emulated = [t for t in texts(kernel) if t.startswith("compute: ") and t != taint_note]
    assert emulated == native.splitlines()
    assert len(emulated) > 5


def test_relocation_handlers_see_their_sibling_relocations(kernel, build, monkeypatch):
    """A handler can find the section's other relocations by place (what RISC-V's
    PCREL_LO12 needs to pair with its PCREL_HI20): every one of a real module's
    relocations finds itself, with its symbol value and addend."""
    from lkmsh.arch.base import RelocType

    seen = []
    table = kernel.arch.relocations
    for number, rel in list(table.items()):

        def spy(ctx, _handler=rel.handler, _number=number):
            me = ctx.sibling(ctx.P)
            seen.append(
                me is not None and (me.rtype, me.P, me.S, me.A) == (_number, ctx.P, ctx.S, ctx.A)
            )
            _handler(ctx)

        monkeypatch.setitem(
            table, number, RelocType(rel.number, rel.name, rel.size, rel.signed, spy,
                                     rel.uses_symbol, rel.uses_got, rel.may_need_plt)
        )  # fmt: skip
    src = '#include <linux/module.h>\nstatic int __init s_init(void) { pr_info("%d\\n", 4); return 0; }\n'
    kernel.module_load(build(src + 'module_init(s_init);\nMODULE_LICENSE("GPL");\n', "sib"))
    assert seen and all(seen)
