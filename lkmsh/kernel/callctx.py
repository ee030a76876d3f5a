"""The view a kernel API function has of the call that reached it.

The CPU builds one from registers and stack at a trap slot; kernel code may also
build one directly (for example to call an API function from Python). Integer
arguments are unsigned 64-bit values, as the registers hold them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lkmsh.kernel.contract import KernelApi
    from lkmsh.kernel.memory import CheckedAccess

MASK64 = (1 << 64) - 1
#: reads a trapped call's (register arguments, stack argument reader, return address, sp, fp)
Fetch = Callable[[], "tuple[Sequence[int], Callable[[int], int] | None, int, int, int]"]


def to_signed(value: int, bits: int = 64) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


class CallContext:
    """Arguments of one kernel API call plus the kernel it runs in.

    ``reg_args`` are the register arguments in calling-convention order;
    ``stack_arg(i)`` returns the i-th stack argument (0 = first one past the
    registers). ``caller`` is the return address, ``sp`` and ``fp`` the stack
    and frame pointers at the call (for symbolised traces).

    The CPU builds contexts with ``fetch`` instead: registers are read on first
    use, so a call that takes no arguments (``ktime_get_ns``) never reads them.
    Such a context is valid during its call; once the CPU ``seal``s it, reading
    what was never read is an error rather than another call's registers.
    """

    __slots__ = ("kernel", "mem", "_regs", "_stack_arg", "_caller", "name", "_sp", "_fp", "_fetch")

    kernel: KernelApi

    def __init__(
        self,
        kernel: KernelApi,
        mem: CheckedAccess,
        reg_args: Sequence[int] | None,
        stack_arg: Callable[[int], int] | None = None,
        caller: int = 0,
        name: str = "",
        sp: int = 0,
        fp: int = 0,
        *,
        fetch: Fetch | None = None,
    ):
        self.kernel = kernel
        self.mem = mem
        self._regs = reg_args
        self._stack_arg = stack_arg
        self._caller = caller
        self.name = name
        self._sp = sp
        self._fp = fp
        self._fetch = fetch

    def _load(self) -> Sequence[int]:
        fetch = self._fetch
        if fetch is None:
            from lkmsh.errors import KernelError

            raise KernelError("a kernel call's arguments were read after the call returned")
        self._regs, self._stack_arg, self._caller, self._sp, self._fp = fetch()
        return self._regs

    def seal(self) -> None:
        """The call returned: registers not read so far are gone."""
        self._fetch = None

    @property
    def caller(self) -> int:
        if self._regs is None:
            self._load()
        return self._caller

    @property
    def sp(self) -> int:
        if self._regs is None:
            self._load()
        return self._sp

    @property
    def fp(self) -> int:
        if self._regs is None:
            self._load()
        return self._fp

    def arg(self, i: int) -> int:
        """The i-th integer argument (unsigned 64-bit)."""
        regs = self._regs
        if regs is None:
            regs = self._load()
        if i < len(regs):
            return regs[i] & MASK64
        if self._stack_arg is None:
            return 0
        return self._stack_arg(i - len(regs)) & MASK64

    def sarg(self, i: int, bits: int = 64) -> int:
        """The i-th argument as a signed integer of ``bits`` bits."""
        return to_signed(self.arg(i), bits)

    def varargs(self, first: int) -> Iterator[int]:
        """Variadic arguments starting at position ``first`` (endless, as va_arg is)."""
        i = first
        while True:
            yield self.arg(i)
            i += 1
