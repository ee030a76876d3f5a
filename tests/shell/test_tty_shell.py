"""print_string's lines on the shell's own output: one-shot, -c and the REPL."""

from __future__ import annotations

import pytest

from .conftest import SAMPLES, assert_no_traceback, base_env, lkmsh_script

pytestmark = pytest.mark.usefixtures("kernel_ready")


@pytest.fixture
def module(lkmsh, tmp_path):
    """sample_modules/print_string.c, built as its author would."""
    r = lkmsh("build", str(SAMPLES / "print_string.c"), "-o", str(tmp_path / "print_string.ko"))
    assert r.returncode == 0, r.stderr
    return tmp_path / "print_string.ko"


def test_insmod_and_rmmod_print_on_their_own_output(lkmsh, module):
    r = lkmsh("insmod", str(module))
    assert_no_traceback(r)
    assert (r.returncode, r.raw) == (0, b"The module has been inserted.  Hello world!\r\n")
    r = lkmsh("-c", f"lsmod; rmmod print_string; insmod {module}")
    lines = r.stdout.split("\n")
    assert lines[0].startswith("Module")
    assert lines[-3:] == [
        "The module has been removed.  Farewell world!\r",
        "The module has been inserted.  Hello world!\r",
        "",
    ]
    assert "The module" not in lkmsh("dmesg").stdout  # the terminal, not the log
    r = lkmsh("--json", "rmmod", "print_string")
    assert r.returncode == 0 and "The module" not in r.stdout  # stdout stays JSON
    assert r.stderr == "The module has been removed.  Farewell world!\r\n"


def test_the_repl_shows_the_lines_between_prompts(tmp_path, state, module):
    pexpect = pytest.importorskip("pexpect")
    env = base_env(tmp_path)
    env.update(PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm")
    argv = [*lkmsh_script(), "--state", str(state)]
    child = pexpect.spawn(argv[0], argv[1:], env=env, encoding="utf-8", timeout=60)
    child.expect("lkmsh>")
    child.sendline(f"insmod {module}")
    # the host pty adds its own \r before the \n (onlcr): "\r\r\n" looks the same
    child.expect_exact("The module has been inserted.  Hello world!\r")
    child.expect("lkmsh>")
    child.sendline("rmmod print_string")
    child.expect_exact("The module has been removed.  Farewell world!\r")
    child.expect("lkmsh>")
    child.sendeof()
    child.expect(pexpect.EOF)
