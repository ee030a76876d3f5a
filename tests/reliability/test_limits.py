"""Limits: a huge symbol table, 64 MiB module files, the log ring, a bounded heap.

The module-count limit (256 and the 257th refused) is covered by
tests/kernel/test_kernel.py; here is the rest of issue 6's list.
"""

from __future__ import annotations

import errno

import pytest
from reliability_helpers import cli, last_seq, lines_since, needs_gcc, sample

from lkmsh.errors import KernelError
from lkmsh.kernel.kernel import MAX_MODULE_FILE, Kernel, KernelConfig
from lkmsh.kernel.module import ModuleState
from lkmsh.kernel.symbols import SymbolKind


def test_a_table_of_100000_symbols_resolves_links_and_unexports():
    k = Kernel()
    base = len(k.symbols())
    for i in range(100_000):
        k.symbol_export(f"bulk_sym_{i}", 0xFFFFFFFFC0000000 + 16 * i, SymbolKind.FUNCTION, "bulk")
    stats = k.symbol_stats()
    assert len(k.symbols()) == base + 100_000
    assert k.symbol_resolve("bulk_sym_99999").addr == 0xFFFFFFFFC0000000 + 16 * 99_999
    # 256 buckets: the chains are long but even (crc32 spreads the names)
    assert stats.symbols == base + 100_000 and stats.used_buckets == 256
    assert stats.longest < 2 * stats.symbols / 256
    # modules still link against the kernel's symbols among them all
    m = k.module_load(sample("hello"))
    assert m.state is ModuleState.RUNNING
    k.module_unload("hello")
    for i in range(0, 100_000, 2):
        k.symbol_unexport(f"bulk_sym_{i}")
    assert k.symbol_resolve("bulk_sym_2") is None and k.symbol_resolve("bulk_sym_3") is not None
    assert len(k.symbols()) == base + 50_000


def padded(size: int) -> bytes:
    """hello.ko grown to ``size`` bytes: trailing bytes no section uses keep it valid."""
    data = sample("hello").read_bytes()
    return data + bytes(size - len(data))


def test_a_module_file_of_exactly_64_mib_loads_and_one_byte_more_is_efbig():
    k = Kernel()
    m = k.module_load(padded(MAX_MODULE_FILE))
    assert m.state is ModuleState.RUNNING
    k.module_unload("hello")
    with pytest.raises(KernelError) as exc:
        k.module_load(padded(MAX_MODULE_FILE + 1))
    assert exc.value.errno == errno.EFBIG
    assert k.module_list_all() == []


def test_the_cli_refuses_a_huge_file_without_reading_it(tmp_path):
    """Regression: insmod read the whole file before the size check (8 GiB -> 8 GB RSS)."""
    huge = tmp_path / "huge.ko"
    with open(huge, "wb") as f:
        f.truncate(16 << 30)  # sparse: 16 GiB that take no disk
    r = cli(tmp_path / "k.sqlite", "insmod", str(huge))
    assert (r.code, r.out) == (1, "")
    assert r.err == f"insmod: ERROR: could not insert module {huge}: File too large\n"


@needs_gcc
def test_the_log_ring_wraps_instead_of_growing(built):
    k = Kernel(KernelConfig(dmesg_bytes=64 << 10))
    k.module_load(built("rl_chatty"), "lines=20000")
    records = k.dmesg()
    assert records[-1].text == "rl_chatty: line 19999 of 20000, padded to be long enough to matter"
    assert len(records) < 2000  # 20,000 lines did not all stay
    assert sum(len(r.text) for r in records) <= 64 << 10
    seqs = [r.seq for r in records]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # contiguous, oldest dropped
    assert seqs[0] > 18_000


@needs_gcc
def test_a_bounded_heap_gives_the_module_null_then_works_again(built):
    k = Kernel(KernelConfig(heap_limit=4 << 20))
    seq = last_seq(k)
    k.module_load(built("rl_hog"))
    lines = lines_since(k, seq)
    got = next(x for x in lines if x.startswith("rl_hog: got "))
    chunks = int(got.split()[2])
    assert 8 <= chunks <= 16  # at most the whole 4 MiB in 256 KiB chunks
    assert any(
        "page allocation failure" in x and "(heap limit 4194304 bytes reached)" in x for x in lines
    )
    assert k.heap.allocations(owner="rl_hog") == []
    k.module_unload("rl_hog")
    seq = last_seq(k)
    k.module_load(built("rl_hog"))  # everything came back
    assert f"rl_hog: got {chunks} chunks of 262144 bytes" in lines_since(k, seq)


def test_a_script_line_of_640000_words_runs_in_linear_cpu(tmp_path):
    """Item 9: splitting one line was quadratic (640,000 words took 58 s). A CPU-time
    cap (RLIMIT_CPU, the process's own CPU seconds, not a wall-clock timing)
    of 30 s, about 25 times what the linear split needs: a quadratic one is killed."""
    import resource
    import subprocess

    from reliability_helpers import ROOT, lkmsh_command

    words = [f"w{i}" for i in range(640_000)]
    script = tmp_path / "words.lk"
    script.write_text("echo " + " ".join(words) + "\n")

    def cap_cpu() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (30, 30))

    proc = subprocess.run(
        [*lkmsh_command(), "--state", str(tmp_path / "s.db"), str(script)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        preexec_fn=cap_cpu,
    )
    assert proc.returncode == 0, proc.stderr[-500:]
    assert proc.stdout.split() == words
