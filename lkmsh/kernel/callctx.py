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


def to_signed(value: int, bits: int = 64) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


class CallContext:
    """Arguments of one kernel API call plus the kernel it runs in.

    ``reg_args`` are the register arguments in calling-convention order;
    ``stack_arg(i)`` returns the i-th stack argument (0 = first one past the
    registers). ``caller`` is the return address, ``sp`` and ``fp`` the stack
    and frame pointers at the call (for symbolised traces). The CPU builds its
    own kind (``trap_context_class``).
    """

    __slots__ = ("kernel", "mem", "_regs", "_stack_arg", "caller", "name", "sp", "fp")

    kernel: KernelApi

    def __init__(
        self,
        kernel: KernelApi,
        mem: CheckedAccess,
        reg_args: Sequence[int],
        stack_arg: Callable[[int], int] | None = None,
        caller: int = 0,
        name: str = "",
        sp: int = 0,
        fp: int = 0,
    ):
        self.kernel = kernel
        self.mem = mem
        self._regs = reg_args
        self._stack_arg = stack_arg
        self.caller = caller
        self.name = name
        self.sp = sp
        self.fp = fp

    def arg(self, i: int) -> int:
        """The i-th integer argument (unsigned 64-bit)."""
        regs = self._regs
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


def trap_context_class(
    kernel: KernelApi, mem: CheckedAccess, nargs: int, stack_args_offset: int
) -> Callable[[tuple[int, ...], int], CallContext]:
    """The CPU's own CallContext: built from the trap cell's words at each kernel call.

    ``cell`` is the tuple the common trap entry stored (argument registers,
    sp, ..., fp, slot). What is the same for every call of one CPU (kernel,
    memory view, register count) is a class attribute, so a call builds an
    object of two fields: construction is most of the cost of a fast call.
    """

    class TrapContext(CallContext):
        __slots__ = ()

        def __init__(self, cell: tuple[int, ...], caller: int):
            self._regs = cell
            self.caller = caller
            self.name = ""

        def arg(self, i: int) -> int:
            if i < nargs:
                return self._regs[i]  # u64 already
            return mem.read_u64(self._regs[nargs] + stack_args_offset + 8 * (i - nargs))

        @property
        def sp(self) -> int:  # type: ignore[override]
            return self._regs[nargs]

        @property
        def fp(self) -> int:  # type: ignore[override]
            return self._regs[-2]

    TrapContext.kernel = kernel  # type: ignore[misc]
    TrapContext.mem = mem  # type: ignore[misc]
    return TrapContext
