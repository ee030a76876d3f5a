"""Run registry commands: parse, open the state, call, render, map errors to exit codes.

Every front end ends here: click's subcommands call ``Runner.run`` with parsed
parameters; the REPL, ``-c`` strings and script files call ``run_argv`` with a
split line. Exit status is kmod's: 0 on success, 1 on any failure.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from lkmsh.errors import KernelError, StateError
from lkmsh.shell import registry
from lkmsh.shell.context import Context, OutputMode, Scope, Session, output_mode
from lkmsh.shell.fastparse import JSON_DEST, parse_plain
from lkmsh.shell.messages import CommandFailed, OutputError, state_problem
from lkmsh.shell.registry import Command

EXIT_OK = 0
EXIT_FAILURE = 1
#: commands whose terminal output goes through a pager when taller than the terminal
PAGED = frozenset({"ksyms", "dmesg", "help"})


class Operator(str):
    """An unquoted shell operator (``>``, ``>>``) in a split line: not an argument."""

    __slots__ = ()


def did_you_mean(name: str) -> str:
    """git's and pgcli's habit: the closest command names to a mistyped one."""
    import difflib

    names = [c.name for c in registry.all_commands()]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    if not close:
        return " (type 'help' for the list)"
    return " (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)"


class Runner:
    def __init__(
        self,
        session: Session,
        *,
        out: TextIO | None = None,
        err: TextIO | None = None,
        json: bool = False,
        interactive: bool = False,
        prog: str | None = None,
    ):
        self.session = session
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.json = json
        self.interactive = interactive
        self.prog = prog  # the multi-call name, when invoked as insmod, lsmod, ...

    # -- entry points ------------------------------------------------------------

    def run_argv(self, argv: Sequence[str]) -> int:
        """Run one split command line (``["insmod", "x.ko", "a=1"]``)."""
        if not argv:
            return EXIT_OK
        ops = [i for i, w in enumerate(argv) if isinstance(w, Operator)]
        pipes = [i for i in ops if argv[i] == "|"]
        if pipes:
            return self._run_piped(argv, pipes[0])
        if ops:
            return self._run_redirected(argv, ops[0])
        name, rest = argv[0], list(argv[1:])
        cmd = registry.get(name)
        if cmd is None:
            self.err.write(f"lkmsh: {name}: unknown command{did_you_mean(name)}\n")
            return EXIT_FAILURE
        if cmd.kmod:  # the command line as kmod's getopt_long loop reads it
            from lkmsh.shell.getoptwords import getopt_walk

            walk = getopt_walk(cmd, rest, self.prog or "")
            if walk.status is None or not self.interactive:  # the REPL: click's wording
                self.err.write(walk.messages)
                if walk.status is not None:
                    return walk.status
                rest = walk.argv
        params = parse_plain(cmd, rest)
        if params is not None:
            return self.run(cmd, params)
        from lkmsh.shell.clickspec import HelpShown, UsageProblem, parse

        try:
            params = parse(cmd, rest)
        except HelpShown:
            return EXIT_OK
        except UsageProblem as exc:
            if cmd.kmod and not self.interactive:  # getopt's words, as kmod's tools print
                from lkmsh.shell.getoptwords import getopt_message

                line = getopt_message(cmd, rest, exc.message, self.prog or "")
                self.err.write(line + "\n")
            else:
                self.err.write(f"{self.prog or cmd.prog}: ERROR: {exc.message}\n")
            return EXIT_FAILURE
        return self.run(cmd, params)

    def _run_piped(self, argv: Sequence[str], at: int) -> int:
        """``CMD ... | host-command``: the command's plain text into a host shell pipeline.

        As ipython's ``!`` and pgcli's ``\\o``: ``dmesg | grep hello``, ``lsmod |
        sort -k2 -n``. Everything after the first ``|`` is the host's (sh -c),
        quoted words kept whole.
        """
        import shlex
        import subprocess

        host = " ".join(w if isinstance(w, Operator) else shlex.quote(w) for w in argv[at + 1 :])
        if not argv[:at] or not host:
            self.err.write("lkmsh: syntax error: '|' needs a command on each side\n")
            return EXIT_FAILURE
        status, data = self._captured(argv[:at])
        self.out.flush()
        try:
            proc = subprocess.run(
                ["/bin/sh", "-c", host], input=data, stdout=self.out, stderr=self.err
            )
        except (OSError, ValueError):  # a stream without a file descriptor (tests): copy it
            proc = subprocess.run(["/bin/sh", "-c", host], input=data, capture_output=True)
            self.out.write(proc.stdout.decode("utf-8", "replace"))
            self.err.write(proc.stderr.decode("utf-8", "replace"))
        return status if status != EXIT_OK else (EXIT_OK if proc.returncode == 0 else EXIT_FAILURE)

    def _captured(self, argv: Sequence[str]) -> tuple[int, bytes]:
        """Run @argv with its output caught as plain text (kmod's, as a pipe gets it)."""
        import io

        raw = io.BytesIO()
        out = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", write_through=True)
        saved = self.out
        self.out = out
        try:
            status = self.run_argv(argv)
        finally:
            out.flush()
            self.out = saved
        return status, raw.getvalue()

    def _run_redirected(self, argv: Sequence[str], at: int) -> int:
        """``CMD ... > PATH`` / ``>> PATH``: the command's plain text, written to PATH.

        A path under /proc, /sys or /dev is a kernel file: opened, written once
        and released, as bash does for ``echo 5 > /sys/...``; any other path
        is a host file.
        """
        from lkmsh.shell.files import is_kernel_path, write_host_file

        target = argv[at + 1 :]
        if len(target) != 1 or isinstance(target[0], Operator):
            self.err.write("lkmsh: syntax error: a redirection takes one file name\n")
            return EXIT_FAILURE
        path, append = target[0], argv[at] == ">>"
        status, data = self._captured(argv[:at])
        if status != EXIT_OK:
            return status
        if not is_kernel_path(path):
            problem = write_host_file(path, data, append)
            if problem:
                self.err.write(f"lkmsh: {problem}\n")
                return EXIT_FAILURE
            return EXIT_OK
        tee = registry.get("tee")
        assert tee is not None
        saved_prog, self.prog = self.prog, self.prog or argv[0]
        try:
            return self.run(tee, {"paths": (path,), "append": append, "data": data})
        finally:
            self.prog = saved_prog

    def run(self, cmd: Command, params: dict[str, Any]) -> int:
        """Run a parsed command; raises ExitRequest for ``exit``."""
        params = dict(params)
        mode = output_mode(self.out, bool(params.pop(JSON_DEST, False)) or self.json)
        mutating = cmd.mutates(params)
        job = _Job(self, cmd, params, mode, mutating)
        if mutating:
            # Module code runs: keep the main thread free to turn Ctrl-C into kernel.cancel().
            view, failed = run_cancellable(job.call, job.cancel)
        else:
            view, failed = job.call()
        if job.tty_output:
            # what modules wrote to the terminal (tty->ops->write), as it came; standard
            # error under --json, which keeps standard output for the JSON
            tty = self.err if mode is OutputMode.JSON else self.out
            tty.write(job.tty_output.decode("utf-8", "replace"))
            tty.flush()
        if view is not None:
            from lkmsh.shell.render import render

            try:
                if mode is OutputMode.RICH and cmd.name in PAGED:
                    from lkmsh.shell.pager import render_paged

                    render_paged(view, self.out)
                else:
                    render(view, self.out, mode)
            except BrokenPipeError:
                raise
            except OSError as exc:  # a full disk, /dev/full: the output is lost, say so
                raise OutputError(self.prog or cmd.prog, exc) from None
        return EXIT_FAILURE if failed else EXIT_OK


class _Job:
    """One command run inside its scope; failures become (view, failed=True)."""

    def __init__(
        self, runner: Runner, cmd: Command, params: dict[str, Any], mode: OutputMode, mutating: bool
    ):
        self.runner = runner
        self.cmd = cmd
        self.params = params
        self.mode = mode
        self.mutating = mutating
        self.scope: Scope | None = None
        self.cancelled = False
        self.tty_output = b""

    @property
    def prog(self) -> str:
        return self.runner.prog or self.cmd.prog

    def call(self) -> tuple[Any, bool]:
        r = self.runner
        try:
            with r.session.scope(self.mutating) as scope:
                self.scope = scope
                if self.cancelled:
                    raise KeyboardInterrupt
                ctx = Context(
                    self.cmd,
                    scope,
                    out=r.out,
                    err=r.err,
                    mode=self.mode,
                    interactive=r.interactive,
                    prog=r.prog,
                )
                try:
                    view = self.cmd.func(ctx, **self.params)
                finally:
                    self.tty_output = scope.take_tty_output()
            return view, ctx.failed
        except CommandFailed as exc:
            r.err.write(f"{self.prog}: ERROR: {exc.message}\n")
        except StateError as exc:
            r.err.write(f"{self.prog}: ERROR: {state_problem(exc)}\n")
        except KernelError as exc:
            # A kernel error the command did not word itself: still one line, never a traceback.
            r.err.write(f"{self.prog}: ERROR: {exc.message or exc.strerror}\n")
        r.err.flush()
        return None, True

    def cancel(self) -> None:
        self.cancelled = True
        if self.scope is not None:
            self.scope.cancel()


def run_cancellable(fn: Callable[[], Any], cancel: Callable[[], None]) -> Any:
    """Run fn in a worker thread; Ctrl-C in the main thread calls cancel() and keeps waiting.

    unicorn runs module code without returning to Python, so a KeyboardInterrupt
    could not stop it; the kernel's cancel() can, from another thread.
    """
    box: dict[str, Any] = {}
    done = threading.Event()

    def work() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the caller's thread below
            box["error"] = exc
        finally:
            done.set()

    worker = threading.Thread(target=work, name="lkmsh-command", daemon=True)
    worker.start()
    # An Event, not Thread.join(): a join interrupted by Ctrl-C can leave the
    # thread looking finished before it is (CPython 3.11).
    # After a Ctrl-C, cancel() again at every wake-up until the command ends: one that
    # came while the command was still starting (no module code running yet, nothing
    # to stop) must still stop the module code that starts after it.
    interrupted = False
    while not done.is_set():
        try:
            done.wait(0.2)
        except KeyboardInterrupt:
            interrupted = True
        if interrupted and not done.is_set():
            cancel()
    if "error" in box:
        raise box["error"]
    return box["value"]
