"""Piped output is exactly what kmod prints; JSON is for programs; rich only on terminals.

lsmod is checked against kmod's own printf formats compiled with gcc and fed
the same modules; modinfo against /usr/sbin/modinfo itself, byte for byte,
on every sample module and option combination.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from lkmsh.kernel.module import Module, ModuleState
from lkmsh.shell.context import OutputMode
from lkmsh.shell.render import (
    LsmodView,
    ModinfoEntry,
    ModinfoView,
    modinfo_text,
    render,
)

from .conftest import BROKEN, SAMPLES

MODULES = [
    Module("consumer", state=ModuleState.RUNNING, size=12288, uses=["provider"]),
    Module(
        "provider",
        state=ModuleState.RUNNING,
        size=16384,
        users=["consumer", "chain_top"],
        extra_refs=1,
    ),
    Module("a_module_with_a_very_long_name", state=ModuleState.RUNNING, size=123456789),
    Module("hello", state=ModuleState.LOADED, size=8192, base=0xFFFFFFFFA0000000),
]

# kmod's tools/lsmod.c, line for line: the same printf and putchar calls.
LSMOD_C = r"""
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    puts("Module                  Size  Used by");
    /* argv: name size refcount holders(comma list or "") ... */
    for (int i = 1; i + 3 < argc + 1 && i + 3 <= argc; i += 4) {
        int sep = ' ';
        printf("%-19s %8ld  %d", argv[i], atol(argv[i + 1]), atoi(argv[i + 2]));
        char buf[4096]; strcpy(buf, argv[i + 3]);
        for (char *h = strtok(buf, ","); h; h = strtok(NULL, ",")) {
            putchar(sep); sep = ',';
            fputs(h, stdout);
        }
        putchar('\n');
    }
    return 0;
}
"""


@pytest.fixture(scope="module")
def kmod_lsmod(tmp_path_factory) -> Path:
    if shutil.which("gcc") is None:
        pytest.skip("needs gcc to compile kmod's lsmod format")
    d = tmp_path_factory.mktemp("kmodfmt")
    src = d / "lsmod.c"
    src.write_text("#include <stdlib.h>\n" + LSMOD_C)
    exe = d / "lsmod"
    subprocess.run(["gcc", "-O0", "-o", str(exe), str(src)], check=True)
    return exe


def test_lsmod_text_is_kmods_printf_output(kmod_lsmod):
    argv = []
    for m in MODULES:
        argv += [m.name, str(m.size), str(m.refcount), ",".join(m.users)]
    expected = subprocess.run([str(kmod_lsmod), *argv], capture_output=True, check=True).stdout
    assert LsmodView(MODULES).plain().encode() == expected


def test_lsmod_rows_read_as_lsmod_does():
    text = LsmodView(MODULES).plain()
    lines = text.splitlines()
    assert lines[0] == "Module                  Size  Used by"
    assert lines[1] == "consumer               12288  0"
    assert lines[2] == "provider               16384  3 consumer,chain_top"
    assert lines[3].split() == ["a_module_with_a_very_long_name", "123456789", "0"]


def test_empty_lsmod_is_the_header_alone():
    assert LsmodView([]).plain() == "Module                  Size  Used by\n"


def test_json_has_every_column_and_the_taints():
    out = io.StringIO()
    render(LsmodView(MODULES, "PO"), out, OutputMode.JSON)
    data = json.loads(out.getvalue())
    assert data["taints"] == "PO"
    provider = data["modules"][1]
    assert provider["name"] == "provider"
    assert provider["refcount"] == 3
    assert provider["used_by"] == ["consumer", "chain_top"]
    assert provider["state"] == "Live"
    assert data["modules"][3]["address"] == "0xffffffffa0000000"


def test_rich_is_a_table_and_plain_never_touches_rich(monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    out = io.StringIO()
    render(LsmodView(MODULES, "O"), out, OutputMode.RICH)
    table = out.getvalue()
    assert "Module" in table and "State" in table and "Live" in table
    assert "Kernel tainted: O" in table
    assert "3 consumer,chain_top" in table  # "Used by" is one column, as lsmod's
    # too narrow for the table: kmod's text, nothing elided
    monkeypatch.setenv("COLUMNS", "60")
    out = io.StringIO()
    render(LsmodView(MODULES, "O"), out, OutputMode.RICH)
    assert out.getvalue() == LsmodView(MODULES, "O").plain()
    # plain: no box-drawing characters, nothing truncated
    out = io.StringIO()
    render(LsmodView(MODULES), out, OutputMode.PLAIN)
    assert "a_module_with_a_very_long_name" in out.getvalue()
    assert "\u2500" not in out.getvalue() and "\u2501" not in out.getvalue()


def test_no_color_is_respected(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    out = io.StringIO()
    from lkmsh.shell.render import make_console

    console = make_console(out)
    console.print("[red]boom[/]")
    assert "\x1b[" not in out.getvalue()


# -- modinfo --------------------------------------------------------------------

INFO = [
    ("alias", "greeting"),
    ("description", "Greets"),
    ("parm", "nums:Numbers"),
    ("parmtype", "nums:array of int"),
    ("parm", "who:Whom"),
    ("parmtype", "who:charp"),
    ("parmtype", "bare:int"),
    ("parm", "undocumented_type:no type"),
    ("a_key_longer_than_fifteen", "x"),
]


def test_modinfo_layout_follows_kmods_printf_quirks():
    text = modinfo_text(ModinfoEntry("/m/hello.ko", INFO), None, "\n", [])
    assert text.splitlines() == [
        "filename:       /m/hello.ko",
        "alias:          greeting",
        "description:    Greets",
        # printf("%s:%-*s", key, 15 - keylen, ""): a negative width still pads.
        "a_key_longer_than_fifteen:" + " " * 10 + "x",
        # parameters come out newest-first (kmod prepends to a list)
        "parm:           undocumented_type:no type",
        "parm:           bare:int",
        "parm:           who:Whom (charp)",
        "parm:           nums:Numbers (array of int)",
    ]


def test_modinfo_field_and_null_separator():
    entry = ModinfoEntry("/m/hello.ko", INFO)
    assert modinfo_text(entry, "alias", "\n", []) == "greeting\n"
    assert modinfo_text(entry, "filename", "\0", []) == "/m/hello.ko\0"
    assert modinfo_text(entry, "parm", "\n", []).splitlines()[1] == "bare: (int)"
    null = modinfo_text(entry, None, "\0", [])
    assert null.startswith("filename:       /m/hello.ko\0alias=greeting\0")


def test_modinfo_json_lists_records_and_parameters():
    view = ModinfoView([ModinfoEntry("/m/hello.ko", INFO)])
    (data,) = view.to_json()
    assert data["filename"] == "/m/hello.ko"
    assert ["alias", "greeting"] in data["modinfo"]
    assert {"name": "who", "description": "Whom", "type": "charp"} in data["parm"]


KMOD_MODINFO = shutil.which("modinfo") or "/usr/sbin/modinfo"
ALL_KO = sorted(SAMPLES.glob("*.ko")) + sorted(BROKEN.glob("*.ko"))
OPTION_SETS = [[], ["-0"], ["-F", "parm"], ["-F", "name"], ["-p"], ["-n"], ["-F", "depends", "-0"]]


@pytest.mark.skipif(
    not Path(KMOD_MODINFO).exists(), reason="kmod's modinfo is not installed to compare with"
)
@pytest.mark.parametrize("opts", OPTION_SETS, ids=lambda o: " ".join(o) or "plain")
def test_modinfo_of_every_sample_is_byte_identical_to_kmod(lkmsh, opts):
    files = [str(ko) for ko in ALL_KO]
    ours = lkmsh("modinfo", *opts, *files, with_state=False)
    theirs = subprocess.run([KMOD_MODINFO, *opts, *files], capture_output=True)
    assert ours.returncode == theirs.returncode == 0
    assert ours.raw == theirs.stdout


@pytest.mark.skipif(
    not Path(KMOD_MODINFO).exists(), reason="kmod's modinfo is not installed to compare with"
)
def test_modinfo_errors_match_kmod(lkmsh, tmp_path):
    bad = tmp_path / "bad.ko"
    bad.write_bytes(b"this is not an ELF file at all\n" * 4)
    args = [str(bad), "no_such_module", str(SAMPLES / "hello.ko")]
    ours = lkmsh("modinfo", *args)
    theirs = subprocess.run([KMOD_MODINFO, *args], capture_output=True, text=True)
    assert ours.returncode == theirs.returncode == 1
    assert ours.stdout == theirs.stdout
    assert ours.stderr == theirs.stderr
