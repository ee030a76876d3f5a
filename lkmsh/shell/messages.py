"""Error wording: kmod's messages for kmod's tools, one line each, on stderr."""

from __future__ import annotations

import errno as E
import os

from lkmsh.errors import REBOOT_HINT, KernelError


class CommandFailed(Exception):
    """A command failed before touching the kernel; ``message`` follows "PROG: ERROR: "."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class OutputError(Exception):
    """Writing a command's output failed (``lsmod > /dev/full``): kmod's "write error"."""

    def __init__(self, prog: str, exc: OSError):
        self.message = f"{prog}: write error: {exc.strerror or exc}"
        super().__init__(self.message)


class ExitRequest(Exception):
    """``exit [N]``: leave the REPL or stop a script with status N."""

    def __init__(self, status: int = 0):
        super().__init__(status)
        self.status = status


def strerror(errno: int) -> str:
    return os.strerror(errno)


def mod_strerror(errno: int) -> str:
    """What kmod's insmod prints for a failed init_module(2) (tools/insmod.c mod_strerror).

    kmod words by errno, not by cause: every ENOENT reads "Unknown symbol in
    module", every EINVAL "Invalid parameters". A module that crashed (Oops,
    watchdog) fails with EFAULT here and reads "Bad address"; the Oops is in dmesg.
    """
    return {
        E.ENOEXEC: "Invalid module format",
        E.ENOENT: "Unknown symbol in module",
        E.ESRCH: "Module has wrong symbol version",
        E.EINVAL: "Invalid parameters",
    }.get(errno, os.strerror(errno))


def insmod_read_failed(filename: str, exc: OSError | KernelError) -> str:
    return f"could not load module {filename}: {_errtext(exc)}"


SOURCE_SUFFIXES = (".c", ".S", ".s", ".h")


def crash_hint(exc: KernelError) -> str:
    """A module that crashed fails with EFAULT; the report users need is in dmesg."""
    from lkmsh.errors import ModuleFault

    return " (see dmesg)" if isinstance(exc, ModuleFault) else ""


def insmod_insert_failed(filename: str, exc: KernelError, data: bytes = b"") -> str:
    text = f"could not insert module {filename}: {mod_strerror(exc.errno)}{crash_hint(exc)}"
    if exc.errno == E.ENOEXEC and filename.endswith(SOURCE_SUFFIXES) and data[:4] != b"\x7fELF":
        text += f" ({filename} is a source file: build it with 'lkmsh build {filename}')"
    return text


def rmmod_not_loaded(name: str) -> str:
    return f"Module {name} is not currently loaded"


def rmmod_in_use_by(name: str, users: list[str]) -> str:
    # kmod prints " %s" per holder after the colon.
    return f"Module {name} is in use by:" + "".join(f" {u}" for u in users)


def rmmod_in_use(name: str) -> str:
    return f"Module {name} is in use"


def rmmod_remove_failed(arg: str, exc: KernelError) -> str:
    return f"could not remove module {arg}: {os.strerror(exc.errno)}{crash_hint(exc)}"


def modinfo_not_found(arg: str) -> str:
    return f"Module {arg} not found."


def modinfo_unreadable(name: str, exc: OSError | KernelError) -> str:
    return f"could not get modinfo from '{name}': {_errtext(exc)}"


def state_problem(exc: KernelError) -> str:
    """A bad state file: the store's message already carries the hint."""
    text = exc.message or exc.strerror
    if exc.errno == E.EBUSY:  # the lock is held: retrying helps, rebooting would not
        return text
    if "lkmsh reboot" not in text and "--state" not in text:
        text += f" ({REBOOT_HINT}, or use --state)"
    return text


def _errtext(exc: OSError | KernelError) -> str:
    if isinstance(exc, KernelError):
        return os.strerror(exc.errno)
    return exc.strerror or str(exc)
