"""Tables on a real terminal never elide data: at 60 columns they give way to kmod's text."""

from __future__ import annotations

import re

import pytest

from .conftest import REPO, SAMPLES, base_env, lkmsh_script, need_kernel

pexpect = pytest.importorskip("pexpect")

LONG_NAME = "my_long_module_name_for_narrow_terminals"

SOURCE = r"""
#include <linux/module.h>
#include <linux/kernel.h>

int my_long_exported_function_for_narrow_terminals(int x)
{
	return x + 1;
}
EXPORT_SYMBOL(my_long_exported_function_for_narrow_terminals);

static int __init narrow_init(void)
{
	pr_info("narrow: loaded\n");
	return 0;
}

static void __exit narrow_exit(void)
{
}

module_init(narrow_init);
module_exit(narrow_exit);
MODULE_LICENSE("GPL");
"""

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def on_terminal(tmp_path, state, columns: int, *args: str) -> str:
    env = base_env(tmp_path)
    env.update(TERM="xterm", NO_COLOR="1")
    argv = [*lkmsh_script(), "--state", str(state), *args]
    child = pexpect.spawn(
        argv[0], argv[1:], env=env, cwd=str(REPO), encoding="utf-8", timeout=60,
        dimensions=(40, columns),
    )  # fmt: skip
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    return ANSI.sub("", child.before).replace("\r\n", "\n")


@pytest.fixture
def loaded(tmp_path, state, lkmsh):
    need_kernel()
    src = tmp_path / f"{LONG_NAME}.c"
    src.write_text(SOURCE)
    ko = tmp_path / f"{LONG_NAME}.ko"
    assert lkmsh("build", str(src), "-o", str(ko)).returncode == 0
    for path in (ko, SAMPLES / "provider.ko", SAMPLES / "consumer.ko"):
        run = lkmsh("insmod", str(path))
        assert run.returncode == 0, run.stderr
    return state


@pytest.mark.parametrize("columns", [60, 120])
def test_lsmod_shows_whole_names_and_one_used_by_column(tmp_path, loaded, columns):
    text = on_terminal(tmp_path, loaded, columns, "lsmod")
    assert "…" not in text
    assert LONG_NAME in text
    assert re.search(r"\bprovider\b.*\b1 consumer\b", text)  # count and holders together
    assert not re.search(r"\bUsed\s{2,}By\b", text)
    if columns == 60:  # the table does not fit: kmod's lsmod text
        assert text.startswith("Module                  Size  Used by\n")


@pytest.mark.parametrize("columns", [60, 120])
def test_ksyms_shows_whole_addresses_and_symbols(tmp_path, loaded, columns):
    text = on_terminal(tmp_path, loaded, columns, "ksyms", "provider")
    assert "…" not in text
    for name in ("provider_add", "provider_secret", "provider_counter"):
        assert name in text
    assert re.search(r"\bffffffffa[0-9a-f]{7}\b", text)
    if columns == 120:  # the table fits: the rich table, with its header
        assert re.search(r"Address\s+Type\s+Symbol\s+Module\s+GPL", text)
    long_sym = on_terminal(tmp_path, loaded, columns, "ksyms", "my_long*")
    assert "my_long_exported_function_for_narrow_terminals" in long_sym
    assert "…" not in long_sym


@pytest.mark.parametrize("columns", [60, 120])
def test_long_output_on_a_terminal_goes_through_the_pager(tmp_path, loaded, columns):
    env = base_env(tmp_path)
    env.update(TERM="xterm", NO_COLOR="1", PAGER="sed s/^/PAGED:/", LESS="")
    argv = [*lkmsh_script(), "--state", str(loaded)]

    def run(*args: str, shell: str | None = None) -> str:
        cmd, cargs = (argv[0], [*argv[1:], *args]) if shell is None else ("/bin/sh", ["-c", shell])
        child = pexpect.spawn(
            cmd, cargs, env=env, cwd=str(REPO), encoding="utf-8", timeout=60,
            dimensions=(12, columns),
        )  # fmt: skip
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0, child.before
        return ANSI.sub("", child.before).replace("\r\n", "\n")

    paged = run("ksyms")  # hundreds of kernel symbols: taller than 12 rows
    lines = [ln for ln in paged.splitlines() if ln.strip()]
    assert lines and all(ln.startswith("PAGED:") for ln in lines)
    assert "printk" in paged
    short = run("ksyms", "provider_add")  # fits: printed as it is
    assert "PAGED:" not in short and "provider_add" in short
    piped = run(shell=" ".join([*argv, "ksyms", "| head -3"]))  # piped: never paged
    assert "PAGED:" not in piped and len(piped.splitlines()) == 3
    env["PAGER"] = "cat"
    assert "PAGED:" not in run("ksyms")
