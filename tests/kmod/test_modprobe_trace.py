"""modprobe --trace / --ftrace: a student loads the sample chain with modprobe and sees each
load, dependencies first, as insmod --trace shows one; then a chain that fails in the middle:
the trace up to the failure, then what modprobe unloaded again."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from kmod_helpers import SAMPLES, build_failing_chain, needs_gcc

CHAIN = ("chain_bottom", "chain_middle", "chain_top")


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    """A copy of the bundled x86-64 modules (no modules.dep: modprobe indexes them)."""
    d = tmp_path / "samples"
    d.mkdir()
    for ko in SAMPLES.glob("*.ko"):
        shutil.copy(ko, d)
    return d


def ok(run) -> str:
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 0, run.stderr
    return run.stdout


def kallsyms(lkmsh) -> dict[str, int]:
    out = {}
    for line in ok(lkmsh("cat", "/proc/kallsyms")).splitlines():
        addr, _, name = line.split()[:3]
        out[name] = int(addr, 16)
    return out


def per_module(out: str) -> dict[str, list[str]]:
    """Split the plain trace at its ``insmod PATH`` lines: module name -> its step lines."""
    blocks: dict[str, list[str]] = {}
    current: list[str] = []
    for line in out.splitlines():
        if line.startswith("insmod "):
            current = blocks.setdefault(Path(line.split()[1]).stem, [])
        else:
            current.append(line)
    return blocks


def test_modprobe_trace_shows_each_load_of_the_chain_in_order(samples, lkmsh):
    out = ok(lkmsh("modprobe", "--moddir", str(samples), "--trace", "chain_top"))
    headers = [ln for ln in out.splitlines() if ln.startswith("insmod ")]
    assert headers == [f"insmod   {samples}/{n}.ko" for n in CHAIN]
    blocks = per_module(out)
    syms = kallsyms(lkmsh)
    for name in CHAIN:
        steps = [ln.split()[0] for ln in blocks[name]]
        assert steps[0] == "check" and steps[-1] == "init", blocks[name]
        assert {"section", "symbol", "reloc"} <= set(steps)
        (init,) = [ln for ln in blocks[name] if ln.startswith("init ")]
        assert re.fullmatch(rf"init\s+{name}_init at {syms[f'{name}_init']:#018x} returned 0", init)
        (printk,) = [ln for ln in blocks[name] if ln.startswith("symbol   printk ")]
        assert f"-> {syms['printk']:#018x} [kernel]" in printk
    # each module's undefined symbol resolved to the module below it, at its ksyms address
    (mid,) = [ln for ln in blocks["chain_middle"] if "chain_bottom_value ->" in ln]
    assert mid.endswith(f"{syms['chain_bottom_value']:#018x} [chain_bottom]")
    (top,) = [ln for ln in blocks["chain_top"] if "chain_middle_value ->" in ln]
    assert top.endswith(f"{syms['chain_middle_value']:#018x} [chain_middle]")
    # chain_bottom's .text holds only the function it exports
    (text,) = [ln for ln in blocks["chain_bottom"] if ln.startswith("section  .text ")]
    assert f"{syms['chain_bottom_value']:#018x}" in text
    assert "unwind" not in out
    lsmod = ok(lkmsh("lsmod")).splitlines()[1:]
    assert [ln.split()[0] for ln in lsmod] == list(reversed(CHAIN))


def test_modprobe_trace_json_relocations_match_memory(samples, lkmsh):
    data = json.loads(
        ok(lkmsh("modprobe", "--moddir", str(samples), "--trace", "--json", "chain_top"))
    )
    assert [ld["module"] for ld in data["loads"]] == list(CHAIN)
    assert all(ld["loaded"] for ld in data["loads"])
    assert data["failed"] is None and data["unwound"] == []
    syms = kallsyms(lkmsh)
    top = data["loads"][2]
    assert top["path"] == f"{samples}/chain_top.ko"
    call = next(
        s for s in top["steps"] if s["step"] == "reloc" and s["symbol"] == "chain_middle_value"
    )
    place, value = int(call["place"], 16), int(call["value"], 16)
    assert value == (syms["chain_middle_value"] - 4 - place) & 0xFFFFFFFF  # PLT32: S + A - P
    out = ok(lkmsh("x/4xb", call["place"]))  # the bytes in memory are the value written
    assert bytes(int(b, 16) for b in out.split(":", 1)[1].split()) == value.to_bytes(4, "little")


def test_modprobe_ftrace_shows_each_inits_calls(samples, lkmsh):
    data = json.loads(
        ok(lkmsh("modprobe", "--moddir", str(samples), "--ftrace", "--json", "chain_top"))
    )
    for name, load in zip(CHAIN, data["loads"], strict=True):
        assert load["module"] == name and load["loaded"]
        (call,) = load["ftrace"]  # each init prints one line
        assert call["function"] == "printk" and call["module"] == name
        assert call["caller_symbol"].startswith(f"{name}_init")


def test_modprobe_trace_skips_what_is_loaded_and_refuses_removal(samples, lkmsh):
    ok(lkmsh("insmod", str(samples / "chain_bottom.ko")))
    out = ok(lkmsh("modprobe", "--moddir", str(samples), "--trace", "chain_top"))
    assert list(per_module(out)) == ["chain_middle", "chain_top"]
    r = lkmsh("modprobe", "-r", "--trace", "--moddir", str(samples), "chain_top")
    assert r.returncode == 1 and "not with -r" in r.stderr


@needs_gcc
def test_a_failure_in_the_middle_shows_the_trace_then_the_unwinding(tmp_path, lkmsh):
    d = build_failing_chain(tmp_path)
    r = lkmsh("modprobe", "--moddir", str(d), "--trace", "top_needs")
    assert r.returncode == 1
    assert "could not insert 'mid_fails': Input/output error" in r.stderr
    blocks = per_module(r.stdout)
    assert list(blocks) == ["base_ok", "mid_fails"]  # top_needs was never tried
    assert re.search(
        r"^init\s+t_init at 0x[0-9a-f]+ returned 0$", "\n".join(blocks["base_ok"]), re.M
    )
    failed = blocks["mid_fails"]
    assert any(re.fullmatch(r"init\s+t_init at 0x[0-9a-f]+ returned -5", ln) for ln in failed)
    assert failed[-2].startswith("error")
    assert failed[-1] == "unwind   rmmod base_ok"  # the last line: base_ok taken out again
    assert lkmsh("lsmod").stdout.splitlines()[1:] == []
    data = json.loads(
        lkmsh("modprobe", "--moddir", str(d), "--trace", "--json", "top_needs").stdout
    )
    assert data["failed"] == "mid_fails" and data["unwound"] == ["base_ok"]
    assert [ld["loaded"] for ld in data["loads"]] == [True, False]
    assert data["loads"][1]["error"]


def test_the_hook_draws_one_subtree_per_module_on_a_terminal(samples):
    """In process: probe_insert's wrap_load hook, then the rich tree a terminal gets."""
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kmod.modprobe import probe_insert
    from lkmsh.shell.context import OutputMode
    from lkmsh.shell.introspect import ProbeTracer
    from lkmsh.shell.modprobe import open_directory
    from lkmsh.shell.render import render
    from lkmsh.shell.views import ProbeTraceView

    k = Kernel()
    tracer = ProbeTracer(k, trace=True, ftrace=True)
    result = probe_insert(k, open_directory(str(samples), []), "chain_top", wrap_load=tracer)
    assert result.loaded == list(CHAIN)
    assert [a.name for a, _ in tracer.loads] == list(CHAIN)
    assert k.load_trace is None and not k.tracing.ftrace.enabled  # both restored
    out = io.StringIO()
    render(ProbeTraceView(tracer.loads), out, OutputMode.RICH)
    tree = out.getvalue()
    assert tree.startswith("modprobe chain_bottom → chain_middle → chain_top loaded")
    heads = re.findall(r"^[├└]── insmod (\w+) loaded$", tree, re.M)
    assert heads == list(CHAIN)
    assert tree.count("relocations applied") == 3 and tree.count("kernel API calls (1)") == 3
