"""The interactive shell (prompt_toolkit): ``lkmsh>`` with completion, history, a toolbar.

The REPL keeps its kernel in memory between commands and writes through to
the state file after each command that changes it, so ``lkmsh lsmod`` in
another terminal sees its modules (and it sees theirs: the store reloads the
file when another process changed it). Ctrl-C cancels the line being typed,
or stops the module code a command is running; Ctrl-D leaves.
"""

from __future__ import annotations

import os
from pathlib import Path

from lkmsh.errors import KernelError
from lkmsh.shell.complete import Catalog, complete, module_param_names
from lkmsh.shell.messages import ExitRequest
from lkmsh.shell.runner import EXIT_FAILURE, EXIT_OK, Runner
from lkmsh.shell.script import SyntaxProblem, continues, split_commands

PROMPT = "lkmsh> "
CONTINUATION = "> "  # sh's PS2
#: what users of other shells type: pgcli's quit, psql's ?
REPL_WORDS = {"quit": "exit", "?": "help"}
HISTORY_CAP = 1000  # entries kept in the history file


def history_path() -> Path:
    """``$XDG_STATE_HOME/lkmsh/history`` (else ``~/.local/state/lkmsh/history``)."""
    env = os.environ.get("LKMSH_HISTORY")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_STATE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "state"
    return base / "lkmsh" / "history"


def cap_history(path: Path, cap: int = HISTORY_CAP) -> None:
    """Keep only the newest @cap entries of a prompt_toolkit FileHistory file."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    entries: list[tuple[str, list[str]]] = []  # (comment line, "+..." lines)
    for line in text.splitlines():
        if line.startswith("#"):
            entries.append((line, []))
        elif line.startswith("+"):
            if not entries:
                entries.append(("# (undated)", []))
            entries[-1][1].append(line)
    entries = [e for e in entries if e[1]]
    if len(entries) <= cap:
        return
    keep = entries[-cap:]
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text("".join(f"\n{c}\n" + "".join(x + "\n" for x in b) for c, b in keep))
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


class SessionCatalog:
    """Completion data from the session, refreshed after each command."""

    def __init__(self, runner: Runner):
        self.runner = runner
        self._modules: list[str] | None = None
        self._symbols: list[str] | None = None
        self._procs: list[str] | None = None
        self.toolbar = ""

    def refresh(self) -> None:
        self._modules = self._symbols = self._procs = None
        session = self.runner.session
        try:
            summary = session.summary()
            count, taints = len(summary.modules), summary.taints
            self._modules = [m.name for m in summary.modules]
        except KernelError as exc:
            self.toolbar = f" state: {exc.message}"
            return
        noun = "module" if count == 1 else "modules"
        self.toolbar = (
            f" {count} {noun} loaded | taint: {taints or 'none'} | {session.path}"
            " | Tab completes, Ctrl-D exits"
        )

    def module_symbols(self, module: str) -> list[str]:
        k = self._kernel()
        m = k.module_find(module) if k is not None else None
        return [s.name for s in m.symbols] if m is not None else []

    def _kernel(self):
        try:
            return self.runner.session.read_kernel()
        except KernelError:
            return None

    def module_names(self) -> list[str]:
        if self._modules is None:
            self.refresh()
        return self._modules or []

    def symbol_names(self) -> list[str]:
        if self._symbols is None:
            k = self._kernel()
            self._symbols = [s.name for s in k.symbols()] if k is not None else []
        return self._symbols

    def file_paths(self) -> list[str]:
        if self._procs is None:
            k = self._kernel()
            self._procs = k.file_paths() if k is not None else ["/proc/modules", "/proc/kallsyms"]
        return self._procs


def _completer(catalog: Catalog):
    from prompt_toolkit.completion import Completer, Completion

    class ShellCompleter(Completer):
        def get_completions(self, document, complete_event):
            try:
                found = complete(document.text_before_cursor, catalog, module_param_names)
            except Exception:  # completion must never kill the prompt
                return
            for c in found:
                yield Completion(c.text, start_position=c.start, display_meta=c.meta)

    return ShellCompleter()


def run_repl(runner: Runner) -> int:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    runner.interactive = True
    runner.session.keep_kernel = True
    hist_file = history_path()
    try:
        hist_file.parent.mkdir(parents=True, exist_ok=True)
        cap_history(hist_file)
        history = FileHistory(str(hist_file))
    except OSError:
        history = InMemoryHistory()
    catalog = SessionCatalog(runner)
    catalog.refresh()
    from prompt_toolkit.auto_suggest import AutoSuggestFromHistory

    prompt = PromptSession(
        history=history,
        completer=_completer(catalog),
        complete_while_typing=False,
        auto_suggest=AutoSuggestFromHistory(),  # fish/pgcli-style grey suggestion; -> takes it
        bottom_toolbar=lambda: catalog.toolbar,
    )
    runner.out.write("lkmsh: type 'help' for commands, Ctrl-D to leave.\n")
    status = EXIT_OK
    while True:
        try:
            line = prompt.prompt(PROMPT)
            while continues(line):  # a trailing backslash: the line goes on, as in sh
                line = line.rstrip()[:-1] + prompt.prompt(CONTINUATION)
        except KeyboardInterrupt:
            continue  # Ctrl-C: drop the line
        except EOFError:
            return status  # as sh: the last command's status
        word = line.strip()
        if word in REPL_WORDS:
            line = REPL_WORDS[word]
        elif word == "clear":
            from prompt_toolkit.shortcuts import clear

            clear()
            continue
        _idle(runner, False)
        try:
            status = run_line(runner, line)
        except ExitRequest as req:
            return req.status
        except KeyboardInterrupt:
            runner.err.write("^C\n")
            status = 130
        except Exception as exc:  # the REPL survives anything a command does
            if os.environ.get("LKMSH_DEBUG"):
                import traceback

                traceback.print_exc()
            runner.err.write(f"lkmsh: internal error: {type(exc).__name__}: {exc}\n")
            status = EXIT_FAILURE
        _idle(runner, True)
        catalog.refresh()


def _idle(runner: Runner, waiting: bool) -> None:
    kernel = runner.session.cached
    if kernel is not None:
        kernel.idle(waiting)


def run_line(runner: Runner, line: str) -> int:
    """One REPL line: its ';'-separated commands all run (as in sh); the last status wins."""
    try:
        commands = split_commands(line)
    except SyntaxProblem as exc:
        runner.err.write(f"lkmsh: syntax error: {exc}\n")
        return EXIT_FAILURE
    status = EXIT_OK
    for argv in commands:
        status = runner.run_argv(argv)
    return status
