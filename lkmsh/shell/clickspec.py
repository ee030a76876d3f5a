"""Turn a registry spec into a click command, and parse argument lists with it.

The same click command parses ``lkmsh insmod ...`` on the command line and
``insmod ...`` typed in the REPL or read from a script, so both accept exactly
the same syntax and print the same usage errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from lkmsh.shell.fastparse import JSON_DEST
from lkmsh.shell.registry import Command

__all__ = ["JSON_DEST", "HelpShown", "RunnerBox", "UsageProblem", "parse", "to_click"]
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class UsageProblem(Exception):
    """Bad arguments for a command; ``message`` is ready to print after "PROG: ERROR: "."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class HelpShown(Exception):
    """``-h``/``--help`` printed the command's help; nothing else to do."""


def to_click(cmd: Command) -> click.Command:
    params: list[click.Parameter] = []
    for o in cmd.opts:
        if o.value is None and o.const is not None:
            # A feature-switch group: click gives the dest to the option given last
            # (by first occurrence: "-a -d -a" is -d here, -a for kmod's getopt).
            params.append(click.Option([*o.flags, o.dest], flag_value=o.const, help=o.help))
        elif o.value is None:
            params.append(click.Option([*o.flags, o.dest], is_flag=True, help=o.help))
        else:
            params.append(
                click.Option([*o.flags, o.dest], default=o.default, help=o.help, metavar=o.metavar)
            )
    params.append(
        click.Option(["--json", JSON_DEST], is_flag=True, help="Machine-readable JSON output.")
    )
    for a in cmd.args:
        params.append(
            click.Argument(
                [a.name],
                nargs=-1 if a.many else 1,
                required=a.required,
                metavar=a.metavar if a.required else f"[{a.metavar}]",
                type=click.UNPROCESSED if cmd.raw else None,
            )
        )
    settings = dict(CONTEXT_SETTINGS)
    if cmd.raw:  # no option of its own: "-3", "--help" are words
        params = [p for p in params if isinstance(p, click.Argument)]
        settings.update(ignore_unknown_options=True, help_option_names=[])

    def callback(**values: Any) -> None:
        ctx = click.get_current_context()
        box = ctx.find_object(RunnerBox)
        finish(ctx, lambda: box.runner.run(cmd, values))

    return click.Command(
        cmd.name,
        params=params,
        callback=callback,
        help=cmd.help,
        short_help=cmd.help,
        context_settings=settings,
        add_help_option=not cmd.raw,
    )


def finish(ctx: click.Context, job: Any) -> None:
    """Run job() and leave click with its status (click drops return values when standalone)."""
    from lkmsh.shell.messages import ExitRequest

    try:
        status = job()
    except ExitRequest as req:
        status = req.status
    ctx.exit(status)


class RunnerBox:
    """The object the click group hands its subcommands: the shell's runner and options."""

    def __init__(self, runner: Any, keep_going: bool = False):
        self.runner = runner
        self.keep_going = keep_going


def parse(cmd: Command, argv: Sequence[str]) -> dict[str, Any]:
    """Parse @argv (without the command name) into the command's parameters.

    Raises UsageProblem with kmod-like wording, or HelpShown after printing help.
    """
    ccmd = cmd.click_command()
    try:
        ctx = ccmd.make_context(cmd.name, list(argv))
    except click.exceptions.Exit as exc:
        if exc.exit_code == 0:
            raise HelpShown() from None
        raise UsageProblem("bad arguments") from None
    except click.MissingParameter as exc:
        raise UsageProblem(missing_message(cmd, exc)) from None
    except click.UsageError as exc:
        raise UsageProblem(exc.format_message()) from None
    return dict(ctx.params)


def missing_message(cmd: Command, exc: click.MissingParameter) -> str:
    name = exc.param.name if exc.param is not None else None
    for a in cmd.args:
        if a.name == name and a.missing:
            return a.missing
    return exc.format_message()
