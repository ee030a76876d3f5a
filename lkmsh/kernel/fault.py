"""What a crash of module code is, without the CPU: fault kinds and the fault record.

The emulated CPU (cpu.py, which needs unicorn) raises ``CpuFault``; the Oops
writers (oops.py, oops_aarch64.py) and everything else that reads faults
import them from here, so none of them pulls unicorn in.
"""

from __future__ import annotations

import enum
from typing import Any

from lkmsh.errors import ModuleFault
from lkmsh.kernel import layout


class FaultKind(enum.Enum):
    PAGE_FAULT = "page fault"
    PROTECTION_FAULT = "protection fault"
    INVALID_OPCODE = "invalid opcode"
    BUG = "BUG"
    SOFT_LOCKUP = "soft lockup"
    DIVIDE_ERROR = "divide error"
    GENERAL_PROTECTION = "general protection fault"
    BREAKPOINT = "int3"
    CANCELLED = "cancelled"
    #: a page fault in the guard page below a stack: the stack overflowed
    STACK_GUARD = "stack guard page"


class Access(enum.StrEnum):
    READ = "read"
    WRITE = "write"
    EXEC = "exec"


class CpuFault(ModuleFault):
    """Module code crashed; everything the kernel needs to write the Oops.

    ``address``/``access`` are set for page and protection faults; ``code``
    holds the bytes from RIP on (empty when RIP is unmapped) and
    ``code_before`` up to 42 bytes before it, as Linux's "Code:" line shows.
    """

    def __init__(
        self,
        kind: FaultKind,
        *,
        rip: int,
        regs: dict[str, int],
        address: int | None = None,
        access: Access | None = None,
        code: bytes = b"",
        code_before: bytes = b"",
        vector: int | None = None,
        detail: str = "",
        elapsed_s: float = 0.0,
        user_page: bool = False,
        watch: Any = None,
    ):
        self.kind = kind
        #: a mapped user page that kernel-mode code touched directly (SMAP/SMEP, PAN)
        self.user_page = user_page
        self.elapsed_s = elapsed_s
        #: a soft lockup's watchdog deadline (kernel/watchdog.py's Watch), when one was set
        self.watch = watch
        self.rip = rip
        self.regs = regs
        self.address = address
        self.access = access
        self.code = code
        self.code_before = code_before
        self.vector = vector
        self.detail = detail
        super().__init__(self.headline)

    @property
    def error_code(self) -> int:
        """The x86 #PF error code (present, write, user=0, instruction fetch)."""
        code = 0
        if self.kind is FaultKind.PROTECTION_FAULT:
            code |= 1
        if self.access is Access.WRITE:
            code |= 2
        if self.access is Access.EXEC:
            code |= 0x10
        return code

    @property
    def headline(self) -> str:
        """Linux's first Oops line for this fault."""
        kind = self.kind
        if kind in (FaultKind.PAGE_FAULT, FaultKind.PROTECTION_FAULT) and self.address is not None:
            if kind is FaultKind.PROTECTION_FAULT and self.access is Access.EXEC:
                if self.user_page:
                    return "unable to execute userspace code (SMEP?) (uid: 0)"
                return "kernel tried to execute NX-protected page - exploit attempt? (uid: 0)"
            if self.address < layout.PAGE_SIZE:
                return f"BUG: kernel NULL pointer dereference, address: {self.address:016x}"
            return f"BUG: unable to handle page fault for address: {self.address:016x}"
        if kind is FaultKind.GENERAL_PROTECTION and self.address is not None:
            return (
                "general protection fault, probably for non-canonical address "
                f"{self.address:#x}: 0000 [#1]"
            )
        if kind is FaultKind.BUG:
            return "kernel BUG"
        if kind is FaultKind.STACK_GUARD:
            return f"BUG: TASK stack guard page was hit at {self.address or 0:016x}"
        if kind is FaultKind.SOFT_LOCKUP:
            return f"watchdog: BUG: soft lockup - {self.detail}"
        if kind is FaultKind.CANCELLED:
            return "module code interrupted"
        return f"{kind.value}: 0000 [#1]"

    def summary(self) -> str:
        """One line for an error message (the Oops headline)."""
        return self.headline

    describe = summary

    def report_lines(self) -> list[str]:
        """The headline plus Linux's #PF detail lines, when it is a page fault."""
        lines = [self.headline]
        if self.kind in (FaultKind.PAGE_FAULT, FaultKind.PROTECTION_FAULT) and self.access:
            verb = {
                Access.READ: "read access",
                Access.WRITE: "write access",
                Access.EXEC: "instruction fetch",
            }[self.access]
            lines.append(f"#PF: supervisor {verb} in kernel mode")
            why = (
                "permissions violation"
                if self.kind is FaultKind.PROTECTION_FAULT
                else "not-present page"
            )
            lines.append(f"#PF: error_code({self.error_code:#06x}) - {why}")
        return lines
