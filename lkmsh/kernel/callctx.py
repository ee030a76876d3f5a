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
    from lkmsh.kernel.memory import AddressSpace

MASK64 = (1 << 64) - 1


def to_signed(value: int, bits: int = 64) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


class CallContext:
    """Arguments of one kernel API call plus the kernel it runs in.

    ``reg_args`` are the register arguments in calling-convention order;
    ``stack_arg(i)`` returns the i-th stack argument (0 = first one past the
    registers). ``caller`` is the return address, ``sp`` and ``fp`` the stack
    and frame pointers at the call (for symbolised traces).
    """

    __slots__ = ("kernel", "mem", "_regs", "_stack_arg", "caller", "name", "sp", "fp")

    kernel: KernelApi

    def __init__(
        self,
        kernel: KernelApi,
        mem: AddressSpace,
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
        if i < len(self._regs):
            return self._regs[i] & MASK64
        if self._stack_arg is None:
            return 0
        return self._stack_arg(i - len(self._regs)) & MASK64

    def sarg(self, i: int, bits: int = 64) -> int:
        """The i-th argument as a signed integer of ``bits`` bits."""
        return to_signed(self.arg(i), bits)

    def varargs(self, first: int) -> Iterator[int]:
        """Variadic arguments starting at position ``first`` (endless, as va_arg is)."""
        i = first
        while True:
            yield self.arg(i)
            i += 1
