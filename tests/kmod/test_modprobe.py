"""modprobe over module directories: the sample chain, aliases, configuration,
unwinding a failed chain, removal of unused dependencies, request_module()."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from kmod_helpers import SAMPLES, build, build_failing_chain, module_source, needs_gcc


def lsmod_names(lkmsh) -> list[str]:
    out = lkmsh("lsmod").stdout.splitlines()[1:]
    return [line.split()[0] for line in out]


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    """A copy of the bundled modules (x86-64 only), indexed by lkmsh depmod."""
    d = tmp_path / "samples"
    d.mkdir()
    for ko in SAMPLES.glob("*.ko"):
        shutil.copy(ko, d)
    return d


def test_show_depends_lists_the_chain_bottom_up(samples, lkmsh):
    assert lkmsh("depmod", str(samples)).returncode == 0
    r = lkmsh("modprobe", "--moddir", str(samples), "--show-depends", "chain_top")
    assert r.returncode == 0
    assert r.stdout == "".join(
        f"insmod {samples}/{n}.ko \n" for n in ("chain_bottom", "chain_middle", "chain_top")
    )


def test_modprobe_loads_dependencies_first_and_r_removes_them(samples, lkmsh):
    lkmsh("depmod", str(samples))
    r = lkmsh("modprobe", "-v", "--moddir", str(samples), "chain-top")
    assert r.returncode == 0, r.stderr
    assert [line.split()[1] for line in r.stdout.splitlines()] == [
        f"{samples}/chain_bottom.ko",
        f"{samples}/chain_middle.ko",
        f"{samples}/chain_top.ko",
    ]
    assert lsmod_names(lkmsh) == ["chain_top", "chain_middle", "chain_bottom"]
    again = lkmsh("modprobe", "-v", "--moddir", str(samples), "chain_top")
    assert again.returncode == 0 and again.stdout == ""  # all loaded: nothing to do
    first = lkmsh("modprobe", "--first-time", "--moddir", str(samples), "chain_top")
    assert first.returncode == 1
    assert "could not insert 'chain_top': Module already in kernel" in first.stderr
    r = lkmsh("modprobe", "-r", "-v", "--moddir", str(samples), "chain_top")
    assert r.stdout == "rmmod chain_top\nrmmod chain_middle\nrmmod chain_bottom\n"
    assert lsmod_names(lkmsh) == []


def test_r_keeps_a_dependency_another_module_uses(samples, lkmsh, tmp_path):
    build(
        tmp_path,
        "second_user",
        module_source(uses=("chain_bottom_value",)),
        out=samples / "second_user.ko",
    )
    lkmsh("depmod", str(samples))
    assert lkmsh("modprobe", "--moddir", str(samples), "chain_top").returncode == 0
    assert lkmsh("modprobe", "--moddir", str(samples), "second_user").returncode == 0
    r = lkmsh("modprobe", "-r", "--moddir", str(samples), "chain_top")
    assert r.returncode == 0
    assert lsmod_names(lkmsh) == ["second_user", "chain_bottom"]
    busy = lkmsh("modprobe", "-r", "--moddir", str(samples), "chain_bottom")
    assert busy.returncode == 1 and "in use" in busy.stderr


def test_unknown_module_is_fatal_in_kmods_words(samples, lkmsh):
    lkmsh("depmod", str(samples))
    r = lkmsh("modprobe", "--moddir", str(samples), "no_such_thing")
    assert r.returncode == 1
    assert r.stderr == f"modprobe: FATAL: Module no_such_thing not found in directory {samples}\n"


def test_dry_run_loads_nothing(samples, lkmsh):
    lkmsh("depmod", str(samples))
    r = lkmsh("modprobe", "-n", "-v", "--moddir", str(samples), "consumer")
    assert r.stdout == f"insmod {samples}/provider.ko \ninsmod {samples}/consumer.ko \n"
    assert lsmod_names(lkmsh) == []


def test_a_directory_without_modules_dep_is_indexed_on_the_fly(samples, lkmsh):
    r = lkmsh("modprobe", "--moddir", str(samples), "consumer")
    assert r.returncode == 0, r.stderr
    assert lsmod_names(lkmsh) == ["consumer", "provider"]
    assert not (samples / "modules.dep").exists()


def test_lkmsh_module_path_is_the_default_directory(samples, lkmsh):
    lkmsh("depmod", str(samples))
    r = lkmsh("modprobe", "greeting", extra_env={"LKMSH_MODULE_PATH": str(samples)})
    assert r.returncode == 0, r.stderr
    assert lsmod_names(lkmsh) == ["hello"]


@needs_gcc
def test_a_failure_in_the_middle_unwinds_what_was_loaded(tmp_path, lkmsh):
    d = build_failing_chain(tmp_path)
    lkmsh("depmod", str(d))
    r = lkmsh("modprobe", "--moddir", str(d), "top_needs")
    assert r.returncode == 1
    assert "could not insert 'mid_fails': Input/output error" in r.stderr
    assert lsmod_names(lkmsh) == []  # base_ok was loaded, then unloaded again


@needs_gcc
def test_aliases_wildcards_config_options_blacklist_and_softdeps(tmp_path, lkmsh):
    d = tmp_path / "mods"
    build(tmp_path, "drv_pci", module_source(aliases=("pci:v00001234d*",)), out=d / "drv_pci.ko")
    build(
        tmp_path,
        "drv_other",
        module_source(aliases=("pci:v00001234d0001",)),
        out=d / "drv_other.ko",
    )
    build(tmp_path, "helper", module_source(), out=d / "helper.ko")
    build(tmp_path, "wants_helper", module_source(softdep="pre: helper"), out=d / "wants_helper.ko")
    shutil.copy(SAMPLES / "hello.ko", d)
    lkmsh("depmod", str(d))
    conf = tmp_path / "modprobe.d"
    conf.mkdir()
    (conf / "lkmsh.conf").write_text(
        "# test configuration\n"
        "options hello who=config\n"
        "alias my-greeter hello\n"
        "blacklist drv_other\n"
    )
    base = ("modprobe", "-C", str(conf), "--moddir", str(d))
    show = lkmsh(*base, "--show-depends", "pci:v00001234d0001")
    assert show.stdout == f"insmod {d}/drv_pci.ko \n"  # drv_other is blacklisted for aliases
    show = lkmsh(*base, "--show-depends", "my-greeter")
    assert show.stdout == f"insmod {d}/hello.ko who=config \n"  # kmod: options, a blank
    show = lkmsh(*base, "--show-depends", "wants_helper")
    assert show.stdout == f"insmod {d}/helper.ko \ninsmod {d}/wants_helper.ko \n"
    assert lkmsh(*base, "my-greeter").returncode == 0
    assert "hello: Hello, config" in lkmsh("dmesg").stdout  # the options line applied
    assert lkmsh(*base, "drv_other").returncode == 0  # by its own name: loads
    assert "drv_other" in lsmod_names(lkmsh)


@needs_gcc
def test_request_module_from_module_code_goes_through_modprobe(tmp_path, lkmsh):
    d = tmp_path / "mods"
    build(tmp_path, "asker", module_source(request="provided-by-alias"), out=d / "asker.ko")
    build(tmp_path, "answer", module_source(aliases=("provided-by-alias",)), out=d / "answer.ko")
    lkmsh("depmod", str(d))
    r = lkmsh("insmod", str(d / "asker.ko"), extra_env={"LKMSH_MODULE_PATH": str(d)})
    assert r.returncode == 0, r.stderr
    assert sorted(lsmod_names(lkmsh)) == ["answer", "asker"]
