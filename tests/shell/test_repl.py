"""The REPL in a real pseudo-terminal: prompt, Tab completion, history, Ctrl-C, Ctrl-D."""

from __future__ import annotations

import time

import pytest

from .conftest import REPO, base_env, lkmsh_script, need_kernel

pexpect = pytest.importorskip("pexpect")

PROMPT = "lkmsh>"


def spawn(tmp_path, state):
    return spawn_with_env(tmp_path, state)


def leave(child) -> int:
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def test_tab_completes_a_module_path_and_the_command_runs(tmp_path, state):
    child = spawn(tmp_path, state)
    child.send("modinfo -F description sample_modules/he\t")
    child.expect("llo.ko")  # Tab completed "he" to "hello.ko"
    child.send("\r")
    child.expect("Greets on load, says goodbye on unload")
    child.expect(PROMPT)
    child.send("insmod sample_modules/he\t")
    child.expect("llo.ko")
    child.send("\x03")  # Ctrl-C: the line is dropped, the shell stays
    child.expect(PROMPT)
    child.sendline("help")
    child.expect("rmmod")
    child.expect("Remove modules from the kernel")
    if child.expect([PROMPT, r":\x1b\[K"]) == 1:  # taller than the terminal: paged, q leaves
        child.send("q")
        child.expect(PROMPT)
    assert leave(child) == 0


def test_history_recalls_lines_from_an_earlier_session(tmp_path, state):
    child = spawn(tmp_path, state)
    child.sendline("modinfo -F version sample_modules/hello.ko")
    child.expect("1.0")
    child.expect(PROMPT)
    assert leave(child) == 0
    history = tmp_path / "xdg-state" / "lkmsh" / "history"
    assert "+modinfo -F version sample_modules/hello.ko" in history.read_text()

    child = spawn(tmp_path, state)
    child.send("\x1b[A")  # up arrow
    child.expect("modinfo -F version")
    child.send("\r")
    child.expect("1.0")
    child.expect(PROMPT)
    child.sendline("exit 3")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 3


def test_history_is_capped(tmp_path):
    from lkmsh.shell.repl import cap_history

    path = tmp_path / "history"
    path.write_text("".join(f"\n# 2024-01-01 00:00:{i:02d}\n+cmd {i}\n" for i in range(50)))
    cap_history(path, cap=10)
    text = path.read_text()
    assert "+cmd 39\n" not in text
    assert text.count("\n+cmd ") == 10 and "+cmd 49\n" in text


def test_the_repl_writes_through_for_other_terminals(tmp_path, state, lkmsh):
    need_kernel()
    child = spawn(tmp_path, state)
    child.sendline("insmod sample_modules/hello.ko who=repl; lsmod")
    child.expect("Live")  # a terminal gets lsmod as a table, with the module's state
    child.expect(PROMPT)
    other = lkmsh("lsmod")
    assert other.stdout.splitlines()[1].split()[0] == "hello"
    # and the REPL sees what another process did
    assert lkmsh("insmod", "sample_modules/procfs.ko").returncode == 0
    child.sendline("rmmod procfs; dmesg")
    child.expect("removed /proc/hello_proc")
    child.expect(PROMPT)
    child.sendline("lsmod --json")
    child.expect('"name": "hello"')
    child.expect(PROMPT)
    assert leave(child) == 0
    assert [ln.split()[0] for ln in lkmsh("lsmod").stdout.splitlines()[1:]] == ["hello"]


def test_ctrl_c_stops_module_code_and_the_shell_goes_on(tmp_path, state):
    need_kernel()
    child = spawn_with_env(tmp_path, state, LKMSH_TIMEOUT="600", LKMSH_WATCHDOG_THRESH="0")
    child.sendline("insmod sample_modules/broken/endless_loop.ko")
    try:
        child.expect("insmod sample_modules/broken/endless_loop.ko")
        time.sleep(2)  # let the module spin
        child.send("\x03")
        child.expect("insmod: ERROR: could not insert module sample_modules/broken/endless_loop.ko")
        child.expect(PROMPT)
    except BaseException:
        child.terminate(force=True)  # never leave an endless loop spinning
        raise
    child.sendline("lsmod --json")
    child.expect('"modules": \\[\\]')
    child.expect(PROMPT)
    assert leave(child) != 130


def spawn_with_env(tmp_path, state, **extra):
    env = base_env(tmp_path)
    env.update(PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm", **extra)
    argv = [*lkmsh_script(), "--state", str(state)]
    child = pexpect.spawn(
        argv[0], argv[1:], env=env, cwd=str(REPO), encoding="utf-8", timeout=60,
        dimensions=(40, 160),
    )  # fmt: skip
    child.expect(PROMPT)
    return child


def test_the_toolbar_counts_modules_and_shows_the_taint(tmp_path, state, lkmsh):
    need_kernel()
    import io

    from lkmsh.shell.context import Session
    from lkmsh.shell.repl import SessionCatalog
    from lkmsh.shell.runner import Runner

    catalog = SessionCatalog(Runner(Session(state), out=io.StringIO(), err=io.StringIO()))
    catalog.refresh()
    assert catalog.toolbar.startswith(" 0 modules loaded | taint: none")
    assert lkmsh("insmod", "sample_modules/hello.ko").returncode == 0
    catalog.refresh()
    assert catalog.toolbar.startswith(" 1 module loaded | taint: O")
    assert catalog.module_names() == ["hello"]
    assert "printk" in catalog.symbol_names()


@pytest.mark.parametrize("columns", [60, 120])
def test_tab_completes_modprobe_names_trace_actions_and_a_continued_line(tmp_path, state, columns):
    env = base_env(tmp_path)
    env.update(PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm")
    argv = [*lkmsh_script(), "--state", str(state)]
    child = pexpect.spawn(
        argv[0], argv[1:], env=env, cwd=str(REPO), encoding="utf-8", timeout=60,
        dimensions=(30, columns),
    )  # fmt: skip
    child.expect(PROMPT)
    child.send("modprobe --moddir sample_modules --show-depends chain_t\t")
    child.expect("op")  # "chain_t" completed to "chain_top"
    child.send("\r")
    child.expect("chain_middle.ko")
    child.expect(PROMPT)
    child.send("trace cl\t")
    child.expect("ear")
    child.send("\r")
    child.expect(PROMPT)
    child.sendline("modinfo -F \\")  # a trailing backslash: the line goes on
    child.expect("> ")
    child.sendline("version sample_modules/hello.ko")
    child.expect("1.0")
    child.expect(PROMPT)
    child.sendline("lsmdo")
    child.expect("did you mean 'lsmod'")
    child.expect(PROMPT)
    child.sendline("quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
