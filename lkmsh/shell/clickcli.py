"""The click front of ``lkmsh``: the group, its global options, scripts and the REPL.

Imported only when lkmsh.shell.fastparse declines a command line (help,
usage errors, ``-c``, scripts, the REPL, ``--arch``, ``--version``): click
costs ~20 ms to import, which a plain one-shot command does not pay.
"""

from __future__ import annotations

import os
import sys

import click

from lkmsh import __version__
from lkmsh.shell import registry
from lkmsh.shell.clickspec import CONTEXT_SETTINGS, RunnerBox, finish

SCRIPT = "<script>"
STATE_HELP = (
    "The kernel state file (default: $LKMSH_STATE, else $XDG_STATE_HOME/lkmsh/kernel.sqlite,"
    " else ~/.local/state/lkmsh/kernel.sqlite)."
)


class LkmshGroup(click.Group):
    """Subcommands from the registry; an unknown first word naming a file is a script."""

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """--help names the state file this environment would use."""
        from lkmsh.kernel.state import default_state_path

        for p in self.params:
            if p.name == "state":
                p.help = f"{STATE_HELP} Here: {default_state_path()}"
        super().format_help(ctx, formatter)

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
        from lkmsh.shell.runner import did_you_mean

        hint = did_you_mean(name).replace("type 'help' for the list", "see 'lkmsh help'")
        raise click.UsageError(f"unknown command or script file '{name}'{hint}")


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
    help=STATE_HELP,
)
@click.option(
    "--arch",
    "arch",
    metavar="ARCH",
    help="Architecture of a fresh kernel: x86_64 (default) or aarch64; kept in the state file.",
)
@click.option(
    "--sched-seed",
    "sched_seed",
    type=click.IntRange(min=0),
    metavar="N",
    help="Choose among runnable tasks by this seed (same seed, same interleaving);"
    " kept in the state file. Also $LKMSH_SCHED_SEED.",
)
@click.option("--json", "json_output", is_flag=True, help="Machine-readable JSON output.")
@click.option("-c", "command_string", metavar="STRING", help="Run these ';'-separated commands.")
@click.option(
    "--keep-going", "keep_going", is_flag=True, help="Scripts: go on after a failing command."
)
@click.option("-V", "--version", "version", is_flag=True, help="Show the version and exit.")
@click.pass_context
def cli(
    ctx: click.Context,
    state: str | None,
    arch: str | None,
    sched_seed: int | None,
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
    if sched_seed is not None:
        os.environ["LKMSH_SCHED_SEED"] = str(sched_seed)  # make_kernel applies it
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
        if sys.stdin.isatty() and sys.stdout.isatty():
            from lkmsh.shell.repl import run_repl

            finish(ctx, lambda: run_repl(runner))
        if sys.stdin.isatty():
            # `lkmsh | cat`: a REPL would draw on a pipe; read commands as sh does
            sys.stderr.write(
                "lkmsh: standard output is not a terminal: no REPL; reading commands"
                " from standard input (Ctrl-D ends)\n"
            )
        from lkmsh.shell.script import run_file

        finish(ctx, lambda: run_file(runner, "-", keep_going=keep_going))
