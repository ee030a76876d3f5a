"""The REPL's habits from the tools users know (pgcli, ipython, fish, git), on a real pty.

Each at 60 and 120 columns: did-you-mean for an option, ``?`` and ``clear``,
``CMD | host-command``, history suggestions taken with the right arrow,
completion of ``disasm MODULE:SYMBOL`` and of the file tree, the pager for
long output, and ``dmesg -w`` followed until Ctrl-C.
"""

from __future__ import annotations

import re

import pytest

from .conftest import REPO, SAMPLES, base_env, lkmsh_script

pexpect = pytest.importorskip("pexpect")

PROMPT = "lkmsh>"
RIGHT = "\x1b[C"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture(params=[60, 120], ids=["60cols", "120cols"])
def repl(request, tmp_path, state, kernel_ready):
    env = base_env(tmp_path)
    env.update(
        PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm", NO_COLOR="1", PAGER="sed s/^/PAGED:/", LESS=""
    )
    argv = [*lkmsh_script(), "--state", str(state)]
    child = pexpect.spawn(
        argv[0], argv[1:], env=env, cwd=str(REPO), encoding="utf-8", timeout=60,
        dimensions=(30, request.param),
    )  # fmt: skip
    child.expect(PROMPT)
    yield child
    child.sendline("quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def run(child, line: str, *wanted: str | re.Pattern) -> None:
    child.sendline(line)
    for text in wanted:
        if isinstance(text, re.Pattern):
            child.expect(text)
        else:
            child.expect_exact(text)
    child.expect(PROMPT)


def count(n: int) -> re.Pattern:
    """A line that is just the number @n (grep -c's answer), after the echoed command."""
    return re.compile(rf"(?<![0-9]){n}\r\n")


def test_mistyped_options_question_mark_and_clear(repl):
    run(repl, "lsmod --jsno", "No such option '--jsno'. Did you mean '--json'?")
    run(repl, "rmmod --forse hello", "No such option '--forse'", "'--force'")
    run(repl, "?", "PAGED:", "insmod", "Type help COMMAND")  # ? is help, paged as it is tall
    repl.sendline("clear")
    repl.expect_exact("\x1b[2J")  # the screen is cleared, as clear(1) does
    repl.expect(PROMPT)


def test_a_command_pipes_its_plain_text_into_the_host(repl):
    run(repl, f"insmod {SAMPLES / 'hello.ko'} who=piped")
    run(repl, "dmesg | grep -c piped", count(1))
    run(repl, "lsmod | sort -k2 -n | head -1", "Module                  Size  Used by")


def test_history_suggests_and_the_right_arrow_takes_it(repl):
    run(repl, f"insmod {SAMPLES / 'hello.ko'} who=suggested")
    run(repl, "rmmod hello")
    repl.send("insmod " + RIGHT + "\r")  # fish/pgcli: the grey rest of the last insmod line
    repl.expect(PROMPT)
    run(repl, "dmesg | grep -c suggested", count(2))  # loaded twice: the suggestion ran


def test_completion_of_symbols_and_the_file_tree(repl):
    run(repl, f"insmod {SAMPLES / 'hello.ko'}")
    repl.send("disasm hello:hello_e\t")
    repl.expect_exact("xit")  # hello_exit, from the module's own symbols
    repl.send("\r")
    repl.expect_exact("<hello_exit>")
    repl.expect(PROMPT)
    repl.send("cat /proc/mod\t")
    repl.expect_exact("ules")
    repl.send("\r")
    repl.expect(r"hello \d+ 0 - Live 0x[0-9a-f]{16}")
    repl.expect(PROMPT)


def test_long_output_is_paged_and_dmesg_follow_ends_with_ctrl_c(repl):
    run(repl, "ksyms", "PAGED:", "printk")  # hundreds of lines: through $PAGER
    run(repl, f"insmod {SAMPLES / 'hello.ko'} who=followed")
    repl.sendline("dmesg -w")
    repl.expect_exact("Hello, followed")
    repl.sendintr()  # Ctrl-C ends --follow, not the shell
    repl.expect(PROMPT)
    run(repl, "lsmod", "hello")


def test_time_the_repl_waits_for_its_user_never_reaches_dmesg(repl, lkmsh, tmp_path):
    import time

    hello = SAMPLES / "hello.ko"
    run(repl, f"insmod {hello}")
    time.sleep(1.5)  # the user reads, thinks: host time the kernel must not count
    run(repl, "rmmod hello")
    repl.sendline("dmesg | cat")
    repl.expect_exact("Goodbye, world")
    text = ANSI.sub("", repl.before + repl.after).replace("\r\n", "\n")
    repl.expect(PROMPT)
    in_repl = [ln[ln.index("[") :] for ln in text.splitlines() if "] hello: " in ln]
    # the same commands one by one, as scripts run them: the same timestamps
    other = ["--state", str(tmp_path / "oneshot.sqlite")]
    for argv in (["insmod", str(hello)], ["rmmod", "hello"]):
        assert lkmsh(*other, *argv, with_state=False).returncode == 0
    one_shot = lkmsh(*other, "dmesg", with_state=False).stdout.splitlines()
    assert len(in_repl) == 3 and in_repl == one_shot
