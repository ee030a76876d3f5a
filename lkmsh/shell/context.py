"""Where a command gets its kernel: the session (state file) and one command's scope.

A one-shot command, each line of a script and each REPL command all run in
their own scope. A scope opens the state lazily, as the command asks:

* ``ctx.summary()`` reads the module table without building a kernel (lsmod);
* ``ctx.kernel()`` in a command that changes the kernel opens one store
  transaction, committed when the command ends (also when it fails with a
  KernelError: a failed insmod leaves dmesg lines) and rolled back on anything
  else, Ctrl-C included;
* ``ctx.kernel()`` in a read-only command loads the saved kernel and saves nothing.

The session keeps the last kernel in memory. The store reuses it when no other
process changed the file since (the REPL's write-through fast path) and loads
the file again when one did, so two terminals never overwrite each other.
"""

from __future__ import annotations

import contextlib
import copy
import enum
import gc
import os
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from lkmsh.record import Record
from lkmsh.shell.registry import Command

if TYPE_CHECKING:
    from lkmsh.kernel.dmesg import SavedLog
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kernel.module import Module
    from lkmsh.kernel.snapshot import KernelState
    from lkmsh.kernel.state import StateStore


class OutputMode(enum.Enum):
    PLAIN = "plain"  # kmod's exact text: pipes, files, scripts
    RICH = "rich"  # tables on a terminal
    JSON = "json"


def output_mode(stream: TextIO, json: bool) -> OutputMode:
    if json:
        return OutputMode.JSON
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if tty and os.environ.get("TERM") != "dumb":
        return OutputMode.RICH
    return OutputMode.PLAIN


class Summary(Record):
    """The module list and taints: all lsmod needs."""

    _fields = ("modules", "taints")

    def __init__(
        self,
        modules: list[Module] | None = None,
        taints: str = "",
    ):
        self.modules = [] if modules is None else modules
        self.taints = taints


def _env_number(name: str, kind: type) -> Any:
    text = os.environ.get(name)
    if not text:
        return None
    try:
        value = kind(text)
    except ValueError:
        return None
    return value if value > 0 else None


def apply_env_config(config: Any) -> None:
    """Per-process watchdog overrides: LKMSH_TIMEOUT (seconds), LKMSH_INSN_BUDGET,
    LKMSH_WATCHDOG_THRESH (the soft-lockup threshold's half, in virtual seconds)."""
    timeout = _env_number("LKMSH_TIMEOUT", float)
    if timeout is not None:
        config.timeout_s = timeout
    budget = _env_number("LKMSH_INSN_BUDGET", int)
    if budget is not None:
        config.insn_budget = budget
    thresh = os.environ.get("LKMSH_WATCHDOG_THRESH", "")
    if thresh.isdigit() and int(thresh) <= 60:  # as watchdog_thresh: 0 switches it off
        config.watchdog_thresh = int(thresh)


def make_kernel(state: KernelState | None, arch: str | None = None, cmdline: str = "") -> Kernel:
    """The store's factory: restore the saved kernel, or boot a fresh one.

    @arch (``lkmsh --arch``) is the architecture a fresh kernel boots with; a
    saved kernel keeps its own, and asking for another one is an error.
    """
    from lkmsh.kernel.kernel import Kernel, KernelConfig

    if state is None:
        config = KernelConfig() if arch is None else KernelConfig(arch=_arch_name(arch))
        kernel = Kernel(config=config)
        kernel.saved_config = copy.copy(config)  # what the state keeps
        apply_env_config(config)
        kernel.set_cmdline(cmdline)
    else:
        kernel = Kernel.from_state(state)
        check_arch(kernel.arch.name, arch)
        kernel.saved_config = copy.copy(kernel.config)
        apply_env_config(kernel.config)  # this process only: never saved
    seed = os.environ.get("LKMSH_SCHED_SEED", "")
    if seed.isdigit():
        kernel.set_sched_seed(int(seed))
    kernel.module_requester = _request_module  # request_module() in module code runs modprobe
    return kernel


def _request_module(kernel: Any, name: str) -> None:
    """modprobe's request_module, imported when a module first asks (most commands never do)."""
    from lkmsh.shell.modprobe import request_module

    request_module(kernel, name)


def check_arch(saved: str, wanted: str | None) -> None:
    """``lkmsh --arch X`` on a state that holds another architecture's kernel is an error."""
    if wanted is None or not saved or _arch_name(wanted) == saved:
        return
    from lkmsh.errors import InvalidArgument

    name = _arch_name(wanted)
    article = "an" if name[0] in "aeiou" else "a"
    raise InvalidArgument(
        f"the saved kernel is {saved}, not {name}"
        f" ('lkmsh --arch {wanted} reboot' starts {article} {name} kernel)"
    )


def _arch_name(arch: str) -> str:
    from lkmsh.arch import get_arch

    return get_arch(arch).name


class Session:
    """One state file for the life of a process (one command, a script, a REPL)."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        keep_kernel: bool = False,
        arch: str | None = None,
    ):
        self._path = Path(path).expanduser() if path else None
        self.keep_kernel = keep_kernel  # scripts and the REPL: reuse the kernel between commands
        self.arch = arch  # lkmsh --arch: what a fresh kernel boots as
        self._store: StateStore | None = None
        self.cached: Kernel | None = None
        self._cached_gen: int | None = None

    @property
    def path(self) -> Path:
        """The state file; the default one is looked up only when asked (depmod never asks)."""
        if self._path is None:
            from lkmsh.kernel.state import default_state_path

            self._path = default_state_path()
        return self._path

    @property
    def store(self) -> StateStore:
        if self._store is None:
            from lkmsh.kernel.state import StateStore

            if self.path.is_dir():
                from lkmsh.errors import StateError

                raise StateError(
                    f"{self.path}: Is a directory (--state and LKMSH_STATE name the state"
                    f" file, e.g. {self.path / 'kernel.sqlite'})"
                )
            self._store = StateStore(self.path)
        return self._store

    def machine(self) -> str:
        """The architecture commands work for: --arch, else the saved kernel's, else x86_64."""
        from lkmsh.errors import KernelError

        if self.arch is not None:
            return _arch_name(self.arch)
        try:
            s = self.store.read_summary()
        except KernelError:  # no usable state: a fresh kernel's default
            return "x86_64"
        return s.arch if s is not None and s.arch else "x86_64"

    @contextlib.contextmanager
    def scope(self, mutating: bool):
        scope = Scope(self, mutating)
        try:
            with scope.stack:
                yield scope
        except BaseException as exc:
            from lkmsh.errors import KernelError

            if scope.used_kernel and not isinstance(exc, KernelError):
                self.forget()  # rolled back: the kernel in memory may be half-changed
            raise
        if scope.used_kernel and mutating and self.keep_kernel:
            self._cached_gen = self.store.generation()

    def forget(self) -> None:
        self.cached = None
        self._cached_gen = None

    def summary(self, full: bool = False) -> Summary:
        """Without @full, modules hold only lsmod's columns (cheapest to read)."""
        s = self.store.read_summary(full=full)
        if s is None:
            return Summary()
        check_arch(s.arch, self.arch)
        return Summary(list(s.modules), s.taints)

    def kernel_cmdline(self) -> str:
        """The saved kernel's command line ("" when none was saved)."""
        from lkmsh.errors import KernelError

        try:
            config = self.store.read_config()
        except KernelError:
            return ""
        cmdline = (config or {}).get("cmdline", "")
        return cmdline if isinstance(cmdline, str) else ""

    def read_kernel(self) -> Kernel:
        gen = self.store.generation()
        if self.cached is not None and gen == self._cached_gen:
            return self.cached
        kernel = make_kernel(self.store.load(), self.arch)
        if self.keep_kernel:
            self.cached, self._cached_gen = kernel, gen
        return kernel

    def saved_log(self) -> SavedLog | None:
        """The saved log alone (None: no kernel saved yet), unless this process has the kernel."""
        if self.cached is not None and self.store.generation() == self._cached_gen:
            return None
        from lkmsh.kernel.dmesg import SavedLog

        data = self.store.read_components("dmesg", "clock")
        return None if data is None else SavedLog.from_components(data)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


class Scope:
    """What one command run may open; see the module docstring."""

    def __init__(self, session: Session, mutating: bool):
        self.session = session
        self.mutating = mutating
        self.stack = contextlib.ExitStack()
        self._kernel: Kernel | None = None
        self.used_kernel = False
        self.cancelled = False  # Ctrl-C came (a command that runs until it does polls it)

    def kernel(self) -> Kernel:
        if self._kernel is None:
            s = self.session
            self.used_kernel = True
            if self.mutating:
                factory = partial(make_kernel, arch=s.arch)
                tx = self.stack.enter_context(s.store.transaction(factory, reuse=s.cached))
                self._kernel = tx.kernel
                if s.keep_kernel:
                    s.cached = tx.kernel
            else:
                self._kernel = s.read_kernel()
            gc.enable()  # start-up is over (see cli.main): collect the command's own garbage
        return self._kernel

    def kernel_log(self) -> Kernel | SavedLog:
        """What ``dmesg`` reads (``dmesg()``, ``boot_time_ns()``): the kernel when this
        command or session has it, else the log alone, without building a kernel."""
        if self._kernel is None and not self.mutating:
            saved = self.session.saved_log()
            if saved is not None:
                return saved
        return self.kernel()

    def summary(self, full: bool = False) -> Summary:
        if self._kernel is not None:
            return Summary(self._kernel.module_list_all(), self._kernel.taints)
        return self.session.summary(full)

    def reboot(self, cmdline: str | None = None) -> None:
        """A fresh kernel; it keeps the machine's architecture and, unless @cmdline
        gives another, its command line (what the boot loader passes again)."""
        s = self.session
        saved_arch, saved_cmdline = self._saved_boot()
        arch = s.arch or saved_arch
        cmdline = saved_cmdline if cmdline is None else cmdline
        if cmdline:
            from lkmsh.kernel.kernel import COMMAND_LINE_SIZE, valid_cmdline
            from lkmsh.shell.messages import CommandFailed

            if not valid_cmdline(cmdline):
                raise CommandFailed(
                    "the kernel command line must be one printable line shorter than"
                    f" {COMMAND_LINE_SIZE} bytes"
                )
        s.store.reset()
        s.forget()
        if arch is not None or cmdline:
            # boot and save that kernel now, so that later commands find it
            boot = partial(make_kernel, arch=arch, cmdline=cmdline)
            with s.store.transaction(boot) as tx:
                tx.kernel  # noqa: B018 - building it is the point

    def _saved_boot(self) -> tuple[str | None, str]:
        """The saved kernel's architecture (when not the default one) and command line."""
        from lkmsh.errors import KernelError

        try:
            saved = self.session.store.load()
        except KernelError:
            return None, ""  # an unusable file: reboot replaces it
        if saved is None:
            return None, ""
        from lkmsh.kernel.kernel import valid_cmdline

        cmdline = saved.config.get("cmdline", "") if isinstance(saved.config, dict) else ""
        arch = saved.arch if saved.arch != "x86_64" else None
        # a line no boot loader could pass (a tampered file) is not passed again
        return arch, cmdline if isinstance(cmdline, str) and valid_cmdline(cmdline) else ""

    def kernel_cmdline(self) -> str:
        """The kernel's command line (/proc/cmdline), read without booting one when
        this command does not change the kernel."""
        if self._kernel is not None or self.mutating:
            return self.kernel().config.cmdline
        return self.session.kernel_cmdline()

    def take_tty_output(self) -> bytes:
        """What modules wrote to the shell's terminal during this command (none: b"")."""
        if self._kernel is None:
            return b""
        return self._kernel.tty_output_take()

    def cancel(self) -> None:
        """Ctrl-C: stop a running module call (the command then fails cleanly)."""
        self.cancelled = True
        if self._kernel is not None:
            self._kernel.cancel()


class Context:
    """What a command function gets: its scope, its output streams, how to fail."""

    def __init__(
        self,
        cmd: Command,
        scope: Scope,
        *,
        out: TextIO,
        err: TextIO,
        mode: OutputMode,
        interactive: bool = False,
        prog: str | None = None,
    ):
        self.cmd = cmd
        self.scope = scope
        self.out = out
        self.err = err
        self.mode = mode
        self.interactive = interactive
        self.prog = prog or cmd.prog
        self._short_prog = prog or cmd.name  # coreutils' messages name the bare command
        self.failed = False

    def kernel(self) -> Kernel:
        return self.scope.kernel()

    def summary(self, full: bool = False) -> Summary:
        """The module list and taints, read without building a kernel.

        Without @full each module holds only lsmod's columns (name, size,
        refcount, users, state, taints, address); @full adds path, modinfo, params.
        """
        return self.scope.summary(full)

    def error(self, message: str) -> None:
        """Report one failure as kmod does ("insmod: ERROR: ..."); the command exits 1."""
        self.failed = True
        self.err.write(f"{self.prog}: ERROR: {message}\n")
        self.err.flush()

    def fail(self, message: str) -> None:
        """Report one failure as coreutils does ("cat: PATH: reason"); the command exits 1."""
        self.failed = True
        self.err.write(f"{self._short_prog}: {message}\n")
        self.err.flush()

    def warn(self, message: str) -> None:
        self.err.write(f"{self.prog}: WARNING: {message}\n")
        self.err.flush()
