"""<linux/sched/mm.h>: a task's address space and its references (mm.py keeps them).

get_task_mm() is how a module holds on to a process's mm (kernel threads have
none, even when borrowing one); mmput() gives it back, and the last user
gone drops the struct's own reference. mmget()/mmgrab()/mmdrop() are inline
atomics in the header, as in Linux; __mmdrop() is the free behind mmdrop().
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.kthread import might_sleep
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.task import OFF_FLAGS, OFF_MM, PF_KTHREAD

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext


def _warn_bad(ctx: CallContext, what: str, mm: int) -> None:
    """lkmsh's word for a pointer that is no address space (Linux would corrupt memory)."""
    ctx.kernel.log.emit(4, f"{what}: 0x{mm:016x} is not an mm_struct; ignored")


@kapi("get_task_mm", "struct mm_struct *get_task_mm(struct task_struct *task)", gpl=True)
def get_task_mm(ctx: CallContext) -> int:
    task = ctx.arg(0)
    mm = ctx.mem.read_u64(task + OFF_MM)
    if not mm or ctx.mem.read_u32(task + OFF_FLAGS) & PF_KTHREAD:
        return 0
    return mm if ctx.kernel.mm.get(mm) else 0


@kapi("mmput", "void mmput(struct mm_struct *mm)", gpl=True)
def mmput(ctx: CallContext) -> None:
    mm = ctx.arg(0)
    might_sleep(ctx)
    if not ctx.kernel.mm.put(mm):
        _warn_bad(ctx, "mmput", mm)


@kapi("__mmdrop", "void __mmdrop(struct mm_struct *mm)", gpl=True)
def mmdrop_free(ctx: CallContext) -> None:
    mm = ctx.arg(0)
    if not ctx.kernel.mm.free(mm):
        _warn_bad(ctx, "__mmdrop", mm)
