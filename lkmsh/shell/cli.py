"""``lkmsh``: the console script. One-shot commands, ``-c``, scripts, the REPL, multi-call.

    lkmsh [--state PATH] [--arch ARCH] [--json] [--keep-going] COMMAND [ARGS...]
    lkmsh [...] -c 'insmod a.ko; lsmod'
    lkmsh [...] SCRIPT | lkmsh [...] < SCRIPT
    lkmsh                                    (a terminal: the REPL)

The subcommands are the registry's commands (lkmsh.shell.registry), turned
into click commands. No user ever sees a traceback: unexpected exceptions
become "lkmsh: internal error: ..." and exit 1 (LKMSH_DEBUG=1 shows the
traceback).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import click

from lkmsh import __version__
from lkmsh.shell import registry
from lkmsh.shell.clickspec import CONTEXT_SETTINGS, RunnerBox, finish, missing_message
from lkmsh.shell.messages import ExitRequest

SCRIPT = "<script>"


class LkmshGroup(click.Group):
    """Subcommands from the registry; an unknown first word naming a file is a script."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [c.name for c in registry.all_commands() if not c.repl_only]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        cmd = registry.get(name)
        return cmd.click_command() if cmd is not None and not cmd.repl_only else None

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name = args[0]
        cmd = self.get_command(ctx, name)
        if cmd is not None:
            return name, cmd, args[1:]
        if name == "-" or os.path.exists(name):
            return SCRIPT, _script_command, args
        raise click.UsageError(f"unknown command or script file '{name}' (see 'lkmsh help')")


@click.command(SCRIPT, hidden=True, context_settings={"ignore_unknown_options": True})
@click.argument("path")
@click.argument("extra", nargs=-1, type=click.UNPROCESSED)
def _script_command(path: str, extra: tuple[str, ...]) -> None:
    from lkmsh.shell.script import run_file

    ctx = click.get_current_context()
    box = ctx.find_object(RunnerBox)
    box.runner.session.keep_kernel = True
    finish(ctx, lambda: run_file(box.runner, path, keep_going=box.keep_going))


@click.group(
    cls=LkmshGroup,
    invoke_without_command=True,
    context_settings=CONTEXT_SETTINGS,
    help="A loadable-kernel-module shell: insmod, rmmod, lsmod, modinfo ... "
    "over an emulated kernel whose state persists between commands.",
)
@click.option(
    "--state",
    "state",
    metavar="PATH",
    help="The kernel state file (default: $LKMSH_STATE, else $XDG_STATE_HOME/lkmsh/kernel.sqlite).",
)
@click.option(
    "--arch",
    "arch",
    metavar="ARCH",
    help="Architecture of a fresh kernel: x86_64 (default) or aarch64; kept in the state file.",
)
@click.option("--json", "json_output", is_flag=True, help="Machine-readable JSON output.")
@click.option("-c", "command_string", metavar="STRING", help="Run these ';'-separated commands.")
@click.option(
    "--keep-going", "keep_going", is_flag=True, help="Scripts: go on after a failing command."
)
@click.option("--version", "version", is_flag=True, help="Show the version and exit.")
@click.pass_context
def cli(
    ctx: click.Context,
    state: str | None,
    arch: str | None,
    json_output: bool,
    command_string: str | None,
    keep_going: bool,
    version: bool,
) -> None:
    from lkmsh.shell.context import Session
    from lkmsh.shell.runner import EXIT_OK, Runner

    if version:
        click.echo(f"lkmsh {__version__}")
        ctx.exit(EXIT_OK)
    if arch is not None:
        from lkmsh.arch import get_arch, supported_arches
        from lkmsh.errors import ElfError

        try:
            get_arch(arch)
        except ElfError:
            known = ", ".join(supported_arches())
            raise click.UsageError(f"unknown architecture '{arch}' (one of: {known})") from None
    session = Session(state, arch=arch)
    ctx.call_on_close(session.close)
    runner = Runner(session, json=json_output)
    ctx.obj = RunnerBox(runner, keep_going)
    if command_string is not None:
        if ctx.invoked_subcommand is not None:
            raise click.UsageError("-c and a command cannot be combined")
        from lkmsh.shell.script import run_string

        session.keep_kernel = True
        finish(ctx, lambda: run_string(runner, command_string, keep_going=keep_going))
    if ctx.invoked_subcommand is None:
        session.keep_kernel = True
        if sys.stdin.isatty():
            from lkmsh.shell.repl import run_repl

            finish(ctx, lambda: run_repl(runner))
        from lkmsh.shell.script import run_file

        finish(ctx, lambda: run_file(runner, "-", keep_going=keep_going))


def run_cli(argv: Sequence[str]) -> int:
    try:
        rv = cli.main(list(argv), prog_name="lkmsh", standalone_mode=False)
    except click.exceptions.Abort:
        return 130
    except click.MissingParameter as exc:
        cmd = registry.get(exc.ctx.info_name) if exc.ctx is not None else None
        if cmd is not None:
            sys.stderr.write(f"{cmd.prog}: ERROR: {missing_message(cmd, exc)}\n")
        else:
            sys.stderr.write(f"lkmsh: ERROR: {exc.format_message()}\n")
        return 1
    except click.ClickException as exc:
        name = exc.ctx.info_name if getattr(exc, "ctx", None) is not None else None
        cmd = registry.get(name) if name else None
        prog = cmd.prog if cmd is not None else "lkmsh"
        sys.stderr.write(f"{prog}: ERROR: {exc.format_message()}\n")
        return 1
    return rv if isinstance(rv, int) else 0


def main(argv: Sequence[str] | None = None) -> int:
    """The console script ``lkmsh`` (and insmod, lsmod, ... through links)."""
    from lkmsh.shell.multicall import run_tool, tool_name

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        tool = tool_name(sys.argv[0]) if argv is None and sys.argv else None
        return run_tool(tool, args) if tool else run_cli(args)
    except ExitRequest as req:
        return req.status
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return 130
    except BrokenPipeError:
        # `lkmsh lsmod | head -1`: the reader left; say nothing more.
        _silence_stdout()
        return 1
    except Exception as exc:  # the last guard: no traceback for any input
        if os.environ.get("LKMSH_DEBUG"):
            import traceback

            traceback.print_exc()
        sys.stderr.write(f"lkmsh: internal error: {type(exc).__name__}: {exc}\n")
        return 1


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
