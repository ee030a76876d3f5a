"""One registry: every front end sees the same commands, options and help.

The story: a developer adds a command with one decorated function and it is
at once a CLI subcommand, a REPL command with completion, and listed in help.
"""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner

from lkmsh.shell import registry
from lkmsh.shell.cli import cli
from lkmsh.shell.clickspec import HelpShown, UsageProblem, parse
from lkmsh.shell.complete import StaticCatalog, complete
from lkmsh.shell.context import Session
from lkmsh.shell.registry import Arg, Kind, Opt, command
from lkmsh.shell.render import DoneView
from lkmsh.shell.runner import Runner
from lkmsh.shell.script import run_string

ISSUE_COMMANDS = {
    "insmod",
    "rmmod",
    "lsmod",
    "modinfo",
    "ksyms",
    "dmesg",
    "cat",
    "build",
    "reboot",
    "help",
    "exit",
    "install-links",
}


def test_every_command_of_the_issue_is_registered_once_with_a_one_line_help():
    cmds = registry.all_commands()
    names = [c.name for c in cmds]
    assert set(names) >= ISSUE_COMMANDS
    assert len(names) == len(set(names))
    for c in cmds:
        assert c.help and "\n" not in c.help, c.name


def test_kmod_tools_word_errors_as_kmod_and_lkmsh_commands_as_lkmsh():
    assert registry.get("insmod").prog == "insmod"
    assert registry.get("rmmod").prog == "rmmod"
    assert registry.get("ksyms").prog == "lkmsh ksyms"


def test_parse_accepts_kmod_syntax():
    insmod = registry.get("insmod")
    p = parse(insmod, ["hello.ko", "who=world", "times=3", "-f"])
    assert p["filename"] == "hello.ko"
    assert p["params"] == ("who=world", "times=3")
    assert p["force"] is True
    modinfo = registry.get("modinfo")
    p = parse(modinfo, ["-0", "-F", "parm", "a.ko", "b"])
    assert (p["null"], p["field"], p["modules"]) == (True, "parm", ("a.ko", "b"))


def test_missing_arguments_use_kmods_words(tmp_path):
    with pytest.raises(UsageProblem, match="--bogus"):
        parse(registry.get("lsmod"), ["--bogus"])
    # kmod's tools take -V without a file: they word a missing one themselves
    for line, words in (
        ("insmod", "insmod: ERROR: missing filename.\n"),
        ("rmmod", "rmmod: ERROR: missing module name.\n"),
        ("modinfo", "modinfo: ERROR: missing module or filename.\n"),
        ("modprobe", "modprobe: ERROR: missing parameters. See -h.\n"),
    ):
        out, err = io.StringIO(), io.StringIO()
        assert Runner(Session(tmp_path / "s"), out=out, err=err).run_argv([line]) == 1
        assert err.getvalue() == words


def test_help_option_prints_usage_and_stops(capsys):
    with pytest.raises(HelpShown):
        parse(registry.get("rmmod"), ["--help"])
    assert "rmmod [OPTIONS] [NAMES...]" in capsys.readouterr().out  # none with -V


@pytest.fixture
def greet_command():
    """A command added the way modprobe will be: one decorated function."""

    @command(
        "greet",
        "Say hello to a module",
        args=[Arg("name", Kind.MODULE)],
        opts=[Opt(("-l", "--loud"), "loud", "Shout")],
    )
    def greet(ctx, name, loud):
        text = f"hello {name}" + ("!" if loud else "")
        return DoneView({"greeted": name}, message=text + "\n")

    yield
    del registry._REGISTRY["greet"]


def test_one_decorated_function_serves_cli_scripts_help_and_completion(greet_command, tmp_path):
    # click subcommand
    result = CliRunner().invoke(cli, ["--state", str(tmp_path / "s"), "greet", "-l", "hello"])
    assert result.exit_code == 0
    assert result.output == "hello hello!\n"
    # a -c string / script line
    out, err = io.StringIO(), io.StringIO()
    runner = Runner(Session(tmp_path / "s"), out=out, err=err)
    assert run_string(runner, "greet x; greet --json y") == 0
    assert out.getvalue().startswith("hello x\n{")
    assert '"greeted": "y"' in out.getvalue()
    # help lists it with its one-liner
    out = io.StringIO()
    Runner(Session(tmp_path / "s"), out=out, err=err).run_argv(["help"])
    assert "greet" in out.getvalue() and "Say hello to a module" in out.getvalue()
    # REPL completion knows its name, its options and what its argument names
    catalog = StaticCatalog(modules=["hello", "provider"])
    assert [c.text for c in complete("gre", catalog)] == ["greet"]
    assert {c.text for c in complete("greet --l", catalog)} == {"--loud"}
    assert [c.text for c in complete("greet pro", catalog)] == ["provider"]


def test_a_command_cannot_be_registered_twice():
    with pytest.raises(ValueError, match="twice"):
        command("lsmod", "again")(lambda ctx: None)
