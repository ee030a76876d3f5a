"""REPL completion: what a user gets when pressing Tab after each kind of word."""

from __future__ import annotations

import os

import pytest

from lkmsh.shell.complete import StaticCatalog, complete, module_param_names

from .conftest import REPO

CATALOG = StaticCatalog(
    modules=["hello", "provider", "consumer"],
    symbols=["printk", "provider_add", "provider_counter", "kmalloc"],
    paths=["/proc/modules", "/proc/kallsyms", "/proc/hello_proc"],
)


def texts(line: str) -> list[str]:
    return [c.text for c in complete(line, CATALOG, module_param_names)]


@pytest.fixture(autouse=True)
def in_repo(monkeypatch):
    monkeypatch.chdir(REPO)


def test_command_names_first():
    assert texts("ins") == ["insmod", "install-links"]
    assert "lsmod" in texts("")


def test_ko_paths_for_insmod():
    assert texts("insmod sample_modules/he") == ["sample_modules/hello.ko"]
    found = texts("insmod sample_modules/")
    assert "sample_modules/broken/" in found
    assert "sample_modules/hello.ko" in found
    assert not any(f.endswith(".c") for f in found)


def test_parameter_names_of_the_module_being_inserted():
    assert sorted(texts("insmod sample_modules/hello.ko ")) == ["nums=", "times=", "who="]
    assert texts("insmod sample_modules/hello.ko who=x t") == ["times="]
    assert "who=" not in texts("insmod sample_modules/hello.ko who=x ")


def test_loaded_module_names_for_rmmod_and_modinfo():
    assert texts("rmmod p") == ["provider"]
    assert texts("rmmod hello c") == ["consumer"]
    assert "hello" in texts("modinfo h")


def test_symbols_for_ksyms_and_modules_for_its_option():
    assert texts("ksyms provider_") == ["provider_add", "provider_counter"]
    assert texts("ksyms -m co") == ["consumer"]


def test_options_values_and_after_a_semicolon():
    assert set(texts("rmmod -")) == {
        *("-f", "--force", "-s", "--syslog", "-v", "--verbose", "-V", "--version"),
        *("--json", "--help"),
    }
    assert texts("modinfo -F li") == ["license"]
    assert texts("dmesg -l err,wa") == ["err,warn"]
    assert texts("lsmod; rmmod con") == ["consumer"]
    assert texts("cat /proc/h") == ["/proc/hello_proc"]
    assert texts("help rmm") == ["rmmod"]
    assert texts("help rm") == ["rmdir", "rmmod"]


def test_sources_for_build_and_directories_for_install_links(tmp_path):
    assert texts("build sample_modules/hello.") == ["sample_modules/hello.c"]
    (tmp_path / "bin").mkdir()
    (tmp_path / "file").write_text("")
    assert texts(f"install-links {tmp_path}{os.sep}") == [f"{tmp_path}/bin/"]


def test_nothing_for_unknown_commands_or_unreadable_modules():
    assert texts("frobnicate x") == []
    assert texts("insmod /nonexistent/x.ko ") == []


def test_parameters_come_with_their_type_and_description():
    found = complete("insmod sample_modules/hello.ko ", CATALOG, module_param_names)
    meta = {c.text: c.meta for c in found}
    assert meta["who="] == "charp: Whom to greet (default: world)"
    assert meta["times="].startswith("int: ")


def test_modprobe_offers_the_modules_of_its_directory():
    assert texts("modprobe --moddir sample_modules chain_") == [
        "chain_bottom",
        "chain_middle",
        "chain_top",
    ]
    assert "null_deref" in texts("modprobe --moddir sample_modules n")  # subdirectories too


def test_disasm_completes_a_modules_symbols_and_trace_its_actions():
    catalog = StaticCatalog(
        modules=["hello"], module_syms={"hello": ["hello_init", "hello_exit", "who"]}
    )
    found = [c.text for c in complete("disasm hello:hello_", catalog)]
    assert found == ["hello:hello_exit", "hello:hello_init"]
    assert texts("trace ") == ["on", "off", "clear", "show"]
    assert texts("trace c") == ["clear"]
