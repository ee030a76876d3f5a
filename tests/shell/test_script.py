"""Scripts: lines split like a shell's, stop at the first failure unless told to go on."""

from __future__ import annotations

import io

import pytest

from lkmsh.shell.context import Session
from lkmsh.shell.runner import Runner
from lkmsh.shell.script import SyntaxProblem, run_lines, run_string, split_commands

from .conftest import SAMPLES, assert_no_traceback

HELLO = str(SAMPLES / "hello.ko")


@pytest.mark.parametrize(
    "line, expected",
    [
        ("lsmod", [["lsmod"]]),
        ("insmod a.ko who=world; lsmod", [["insmod", "a.ko", "who=world"], ["lsmod"]]),
        ('insmod "my module.ko" who="a b"', [["insmod", "my module.ko", "who=a b"]]),
        ("insmod 'x;y.ko' ;; lsmod ;", [["insmod", "x;y.ko"], ["lsmod"]]),
        ("modinfo a#b.ko # a comment", [["modinfo", "a#b.ko"]]),
        ("# only a comment", []),
        ("   ", []),
        (r"insmod a\ b.ko", [["insmod", "a b.ko"]]),
        ('echo "say \\"hi\\""', [["echo", 'say "hi"']]),
    ],
)
def test_lines_split_like_a_posix_shell(line, expected):
    assert split_commands(line) == expected


def test_an_unterminated_quote_is_a_syntax_error():
    with pytest.raises(SyntaxProblem):
        split_commands('insmod "hello.ko')


@pytest.fixture
def runner(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    return Runner(Session(tmp_path / "state.sqlite", keep_kernel=True), out=out, err=err)


def test_a_script_stops_at_the_first_failure(runner):
    status = run_lines(runner, [f"modinfo -F name {HELLO}", "modinfo nosuch", "help"])
    assert status == 1
    assert runner.out.getvalue() == "hello\n"
    assert runner.err.getvalue() == "modinfo: ERROR: Module nosuch not found.\n"


def test_keep_going_runs_everything_and_still_fails(runner):
    status = run_lines(runner, ["modinfo nosuch", f"modinfo -F license {HELLO}"], keep_going=True)
    assert status == 1
    assert runner.out.getvalue() == "GPL\n"


def test_exit_stops_a_script_with_its_status(runner):
    assert run_string(runner, f"exit 7; modinfo {HELLO}") == 7
    assert runner.out.getvalue() == ""
    assert run_string(runner, "exit") == 0


def test_syntax_errors_name_the_line(runner):
    assert run_lines(runner, ["help", "modinfo 'oops"], source="s.lkm") == 1
    assert "s.lkm: line 2: syntax error" in runner.err.getvalue()


def test_unknown_commands_fail_with_a_hint(runner):
    assert run_string(runner, "frobnicate") == 1
    assert "frobnicate: unknown command" in runner.err.getvalue()


def test_scripts_from_stdin_and_from_files(lkmsh, tmp_path):
    script = tmp_path / "session.lkm"
    script.write_text(f"# a script\nmodinfo -F name {HELLO}\nmodinfo -F license {HELLO}\n")
    by_file = lkmsh(str(script))
    assert (by_file.returncode, by_file.stdout) == (0, "hello\nGPL\n")
    by_stdin = lkmsh(input=script.read_text())
    assert (by_stdin.returncode, by_stdin.stdout) == (0, "hello\nGPL\n")
    dash = lkmsh("-", input=script.read_text())
    assert (dash.returncode, dash.stdout) == (0, "hello\nGPL\n")


def test_a_failing_script_exits_1_and_keep_going_finishes_it(lkmsh, tmp_path):
    script = tmp_path / "fails.lkm"
    script.write_text(f"modinfo /nonexistent.ko\nmodinfo -F name {HELLO}\n")
    stop = lkmsh(str(script))
    assert stop.returncode == 1
    assert stop.stdout == ""
    # a script file's errors name its line, as sh's do
    assert stop.stderr == f"{script}:1: modinfo: ERROR: Module /nonexistent.ko not found.\n"
    go = lkmsh("--keep-going", str(script))
    assert go.returncode == 1
    assert go.stdout == "hello\n"
    piped = lkmsh("--keep-going", input=script.read_text())
    assert (piped.returncode, piped.stdout) == (1, "hello\n")
    assert_no_traceback(go)


def test_c_strings_run_each_command(lkmsh):
    r = lkmsh("-c", f"modinfo -F name {HELLO}; modinfo -F version {HELLO}")
    assert (r.returncode, r.stdout) == (0, "hello\n1.0\n")
    r = lkmsh("-c", f"modinfo nosuch; modinfo -F name {HELLO}")
    assert (r.returncode, r.stdout) == (1, "")
    r = lkmsh("--keep-going", "-c", f"modinfo nosuch; modinfo -F name {HELLO}")
    assert (r.returncode, r.stdout) == (1, "hello\n")


def test_a_missing_script_file_is_one_clear_error(lkmsh):
    r = lkmsh("no_such_command_or_file")
    assert r.returncode == 1
    assert r.stderr == (
        "lkmsh: ERROR: unknown command or script file 'no_such_command_or_file' (see 'lkmsh help')\n"
    )
