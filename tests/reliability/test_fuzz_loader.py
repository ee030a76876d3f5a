"""Mutated modules fed to insmod (Kernel.module_load), modinfo and depmod.

Every input loads (and unloads back to the same kernel) or fails with a
KernelError; a failure leaves the module list, symbol table, address space,
heap and /proc as they were; the kernel's state can always be saved. The
same mutators and oracle drive the long campaign (bench/fuzz_campaign.py).
"""

from __future__ import annotations

import random
import tracemalloc
from pathlib import Path

import pytest
from elf_mutations import MUTATORS, mutate
from fuzz_oracle import check_depmod, check_insmod, check_modinfo, depmod_available
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_helpers import sample

from lkmsh.errors import ElfError
from lkmsh.kernel.kernel import Kernel, KernelConfig
from lkmsh.kernel.state import StateStore

BASES = {
    n: sample(n).read_bytes() for n in ("hello", "provider", "shared_hello", "procfs", "compute")
}
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
REGRESSIONS = Path(__file__).parent / "regressions"


def fuzz_kernel() -> Kernel:
    k = Kernel(KernelConfig(insn_budget=1_000_000, timeout_s=5.0))
    k.module_load(sample("chain_bottom"))  # something loaded, with exports, to disturb
    return k


@FUZZ
@given(
    base=st.sampled_from(sorted(BASES)), seed=st.integers(0, 2**32 - 1), rounds=st.integers(1, 3)
)
def test_mutated_modules_load_or_fail_cleanly_and_change_nothing(tmp_path, base, seed, rounds):
    kernel = fuzz_kernel()
    data, notes = mutate(BASES[base], random.Random(seed), rounds)
    check_insmod(kernel, data)
    # and whatever happened, the state can be saved (undecodable names included)
    StateStore(tmp_path / f"{seed}.sqlite").save(kernel.export_state())


@FUZZ
@given(base=st.sampled_from(sorted(BASES)), seed=st.integers(0, 2**32 - 1))
def test_mutated_modules_give_modinfo_or_enoexec(base, seed):
    data, _ = mutate(BASES[base], random.Random(seed), 2)
    check_modinfo(data)


@pytest.mark.skipif(not depmod_available(), reason="lkmsh depmod is not there yet")
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(base=st.sampled_from(sorted(BASES)), seed=st.integers(0, 2**32 - 1))
def test_depmod_over_a_tree_with_a_mutated_module_finishes(tmp_path, base, seed):
    data, _ = mutate(BASES[base], random.Random(seed), 2)
    check_depmod(tmp_path, data)


@pytest.mark.parametrize("mutator", sorted(MUTATORS))
def test_each_mutator_across_every_base(mutator):
    """A fixed sweep, so every mutator meets every base module on every run."""
    kernel = fuzz_kernel()
    rng = random.Random(mutator)
    for base in BASES.values():
        for _ in range(6):
            data, _ = MUTATORS[mutator](base, rng)
            check_insmod(kernel, data)
            check_modinfo(data)


def test_regressions_found_by_fuzzing(tmp_path):
    """Inputs that once broke a promise (kept in tests/reliability/regressions/)."""
    files = sorted(REGRESSIONS.glob("*.ko"))
    assert files, "the regression corpus is missing"
    for f in files:
        kernel = fuzz_kernel()
        check_insmod(kernel, f.read_bytes())
        check_modinfo(f.read_bytes())
        StateStore(tmp_path / f"{f.stem}.sqlite").save(kernel.export_state())


def test_a_symbol_with_undecodable_bytes_is_logged_escaped_and_saved(tmp_path):
    """Regression: a name with byte 0xf2 crashed the symbol hash, then the state save."""
    kernel = fuzz_kernel()
    data = (REGRESSIONS / "undecodable_symbol_name.ko").read_bytes()
    with pytest.raises(Exception) as exc:
        kernel.module_load(data)
    assert exc.value.errno == 2  # ENOENT: unknown symbol
    assert kernel.dmesg()[-1].text == "shared_hello: Unknown symbol kst\\xf2dup (err -2)"
    StateStore(tmp_path / "s.sqlite").save(kernel.export_state())


@pytest.mark.parametrize(
    ("field", "offset", "fmt", "value"),
    [
        ("e_shnum", 60, "<H", 0xFFFF),
        ("e_shoff", 40, "<Q", (1 << 64) - 64),
        ("sh_size of .text", None, "<Q", 1 << 62),
        ("sh_entsize of .symtab", None, "<Q", 1),
    ],
)
def test_claimed_sizes_never_size_an_allocation(field, offset, fmt, value):
    """A header claiming 2^62 bytes is refused without allocating anything like it."""
    import struct

    from elf_mutations import SHT_SYMTAB, Layout

    data = bytearray(BASES["hello"])
    lay = Layout.of(bytes(data))
    if offset is None:
        if "symtab" in field:
            index = lay.of_type(SHT_SYMTAB)[0]
            offset = lay.header_at(index) + 56
        else:
            index = 1  # .text in gcc's order
            offset = lay.header_at(index) + 32
    struct.pack_into(fmt, data, offset, value)
    kernel = fuzz_kernel()
    tracemalloc.start()
    try:
        with pytest.raises(ElfError):
            kernel.module_load(bytes(data))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20  # a few copies of a 14 KiB file, not 2^62 bytes
