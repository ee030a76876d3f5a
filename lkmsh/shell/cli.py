"""``lkmsh``: the console script. One-shot commands, ``-c``, scripts, the REPL, multi-call.

    lkmsh [--state PATH] [--arch ARCH] [--json] [--keep-going] COMMAND [ARGS...]
    lkmsh [...] -c 'insmod a.ko; lsmod'
    lkmsh [...] SCRIPT | lkmsh [...] < SCRIPT
    lkmsh                                    (a terminal: the REPL)

The subcommands are the registry's commands (lkmsh.shell.registry), turned
into click commands (lkmsh.shell.clickcli). A plain command line is parsed by
lkmsh.shell.fastparse into the same parameters without importing click. No
user ever sees a traceback: unexpected exceptions become "lkmsh: internal
error: ..." and exit 1 (LKMSH_DEBUG=1 shows the traceback).
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Sequence

from lkmsh.shell import registry
from lkmsh.shell.messages import ExitRequest, OutputError


def __getattr__(name: str):
    """``cli`` and its helpers live in lkmsh.shell.clickcli, imported on first use."""
    if name in ("cli", "LkmshGroup", "_script_command"):
        from lkmsh.shell import clickcli

        return getattr(clickcli, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run_plain(argv: Sequence[str]) -> int | None:
    """Run ``[--state P] [--json] COMMAND ARGS`` without click; None when click must parse."""
    from lkmsh.shell.fastparse import parse_plain, split_globals

    split = split_globals(argv)
    if split is None:
        return None
    state, json_output, _keep_going, rest = split
    cmd = registry.get(rest[0])
    if cmd is None or cmd.repl_only:
        return None  # a script file, or click's "unknown command"
    params = parse_plain(cmd, rest[1:])
    if params is None:
        return None
    from lkmsh.shell.context import Session
    from lkmsh.shell.runner import Runner

    session = Session(state)
    try:
        return Runner(session, json=json_output).run(cmd, params)
    except ExitRequest as req:
        return req.status
    finally:
        session.close()


def _kmod_command(argv: Sequence[str]) -> tuple[registry.Command, int] | None:
    """(the kmod tool ARGV runs, where its own words start), or None."""
    from lkmsh.shell.fastparse import split_globals

    split = split_globals(argv)
    if split is None:
        return None
    rest = split[3]
    cmd = registry.get(rest[0])
    if cmd is None or not cmd.kmod:
        return None
    return cmd, len(argv) - len(rest) + 1


def run_cli(argv: Sequence[str]) -> int:
    kmod_cmd = _kmod_command(argv)
    if kmod_cmd is not None:  # the command line as kmod's getopt_long loop reads it
        from lkmsh.shell.getoptwords import getopt_walk

        cmd, at = kmod_cmd
        walk = getopt_walk(cmd, argv[at:])
        sys.stderr.write(walk.messages)
        if walk.status is not None:
            return walk.status
        argv = [*argv[:at], *walk.argv]
    status = run_plain(argv)
    if status is not None:
        return status
    gc.enable()  # scripts and the REPL run many commands: the collector works as usual
    import click

    from lkmsh.shell.clickcli import cli
    from lkmsh.shell.clickspec import missing_message

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
        if kmod_cmd is not None:  # getopt's words, as kmod's tools print them
            from lkmsh.shell.getoptwords import getopt_message

            cmd, at = kmod_cmd
            sys.stderr.write(getopt_message(cmd, argv[at:], exc.format_message()) + "\n")
            return 1
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
    # A one-shot command's start-up (imports, restoring the kernel) allocates most
    # of what the process will hold, and the cyclic collector would walk it again
    # and again while it grows: off until the command has its kernel (Scope.kernel
    # turns it back on), or for the whole of a short command that needs none (lsmod).
    gc.disable()
    _bytes_through()
    try:
        tool = tool_name(sys.argv[0]) if argv is None and sys.argv else None
        return run_tool(tool, args) if tool else run_cli(args)
    except ExitRequest as req:
        return req.status
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return 130
    except OutputError as exc:
        sys.stderr.write(exc.message + "\n")
        _silence_stdout()  # the interpreter's last flush must not fail again
        return 1
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
    finally:
        # The interpreter's last garbage collection at exit walks every object
        # the command's imports created: ~20 ms of a one-shot insmod (the kernel,
        # its API table, unicorn), more than the command's own work. The process
        # is ending; what is left is freed with it, so that walk is skipped.
        gc.freeze()
        gc.enable()


def _bytes_through() -> None:
    """Undecodable bytes in names, paths and values (read with surrogateescape, as
    Python reads argv and file names) go out as the same bytes, as kmod prints them."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="surrogateescape")


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
