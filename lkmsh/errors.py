"""Typed errors shared by every layer; each carries the errno Linux would return."""

from __future__ import annotations

import errno as _errno
import os


class KernelError(Exception):
    """Base of every error lkmsh reports to a user; ``.errno`` is a positive errno."""

    errno: int = _errno.EINVAL

    def __init__(self, message: str = "", errno: int | None = None):
        super().__init__(message)
        if errno is not None:
            self.errno = errno

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    @property
    def strerror(self) -> str:
        """The libc text for the errno, as kmod prints it ("Unknown symbol in module" aside)."""
        return os.strerror(self.errno)


class ElfError(KernelError):
    """The file is not a valid module image (Linux: -ENOEXEC, "Invalid module format")."""

    errno = _errno.ENOEXEC

    @property
    def strerror(self) -> str:
        return "Invalid module format"


class RelocationError(ElfError):
    """A relocation could not be applied (unsupported type, overflow, bad place)."""


class InvalidArgument(KernelError):
    errno = _errno.EINVAL


class NotFound(KernelError):
    errno = _errno.ENOENT


class UnknownSymbol(NotFound):
    """Linking failed: symbols nobody exports. kmod words ENOENT from insmod this way."""

    def __init__(self, message: str, symbols: list[str]):
        super().__init__(message)
        self.symbols = symbols

    @property
    def strerror(self) -> str:
        return "Unknown symbol in module"


class AlreadyExists(KernelError):
    errno = _errno.EEXIST


class Busy(KernelError):
    errno = _errno.EBUSY

    def __init__(self, message: str, users: list[str] | None = None):
        super().__init__(message)
        self.users = users or []


class BadAddress(KernelError):
    """Kernel-side access to an address nothing is mapped at, or whose page forbids
    the access (Linux: -EFAULT, an Oops when module code passed the pointer).

    ``address`` is the first byte that failed, ``access`` "read" or "write",
    ``protection`` True for a mapped page whose permissions forbid the access.
    """

    errno = _errno.EFAULT

    def __init__(
        self,
        message: str = "",
        *,
        address: int | None = None,
        access: str = "read",
        protection: bool = False,
    ):
        super().__init__(message)
        self.address = address
        self.access = access
        self.protection = protection


class PermissionDenied(KernelError):
    errno = _errno.EPERM


class OutOfMemory(KernelError):
    errno = _errno.ENOMEM


class TooMany(KernelError):
    """The module-count limit is reached."""

    errno = _errno.ENOSPC


class ModuleFault(KernelError):
    """Module code crashed (Oops), hit BUG(), or ran past the watchdog; detail is in dmesg."""

    errno = _errno.EFAULT


class InitFailed(KernelError):
    """A module's init function returned a negative errno; ``.errno`` is that errno."""


#: what every unusable-state message ends with, in one wording
REBOOT_HINT = "run 'lkmsh reboot' to start a fresh kernel"


class StateError(KernelError):
    """The persistent state file is unusable (corrupt, foreign, newer format)."""

    errno = _errno.EIO

    @classmethod
    def corrupt(cls, detail: str) -> StateError:
        """What a file of the right kind but with contents that do not fit together gets."""
        return cls(f"state file is corrupt: {detail} ({REBOOT_HINT})")


class BuildError(KernelError):
    """Compiling a module failed (no gcc, compiler errors)."""

    errno = _errno.EIO
    detail: str = ""  # the compiler's full output, when there is one
