"""Address spaces: every user task has a ``struct mm_struct``, kernel threads none.

Linux's insmod, cat and echo are processes: ``current->mm`` is their address
space, and code that must tell a user task from a kernel thread tests it
(samples/kprobes/kretprobe_example.c skips kernel threads that way). A
command's task gets one when its module code first runs and drops it when the
command ends (exit_mm's mmput); kthreads and kworkers keep ``mm == NULL``.

The fields a module may touch are real: ``mmap_lock`` is an rw_semaphore
(<linux/mmap_lock.h>), ``mm_users`` counts get_task_mm()/mmget() references,
``mm_count`` mmgrab()/mmdrop() ones; the struct is freed when the last of
those goes, so a module holding a reference keeps it past its command. The
addresses of live address spaces are this component's saved state: mmput()
of anything else is refused instead of freeing a stranger's memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lkmsh.kernel.component import Component
from lkmsh.kernel.cstructs import SPINLOCK, cstruct
from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.uaccess import TASK_SIZE_MAX, USER_BASE

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel

MM_STRUCT = cstruct(
    "struct mm_struct",
    "linux/mm_types.h",
    136,
    mmap_base=(0, 8),
    task_size=(8, 8),
    mm_users=(16, 4),
    mm_count=(20, 4),
    map_count=(24, 4),
    mmap_lock=(32, 40),
    mmap_lock__wait_lock=(48, 8),
    mmap_lock__wait_list=(56, 16),
)
SPINLOCK_MAGIC = 0xDEAD4EAD


class AddressSpaces(Component):
    name = "mm"

    def __init__(self, kernel: Kernel):
        self.kernel = kernel
        self.live: set[int] = set()

    def to_data(self) -> Any:
        return sorted(self.live)

    def load_data(self, data: Any) -> None:
        self.live = set(data or ())

    def new(self) -> int:
        """A fresh address space (mm_alloc): one user and one reference; 0 if out of memory."""
        k, M = self.kernel, MM_STRUCT
        mm = k.heap.alloc(M.size, KERNEL_OWNER, zero=True)
        if not mm:
            return 0
        mem = k.mem
        mem.write_u64(mm + M.off("mmap_base"), USER_BASE)
        mem.write_u64(mm + M.off("task_size"), TASK_SIZE_MAX[k.arch.name])
        mem.write_u32(mm + M.off("mm_users"), 1)
        mem.write_u32(mm + M.off("mm_count"), 1)
        lock = mm + M.off("mmap_lock__wait_lock")
        mem.write_u32(lock + SPINLOCK.off("magic"), SPINLOCK_MAGIC)
        waits = mm + M.off("mmap_lock__wait_list")
        mem.write_u64(waits, waits)
        mem.write_u64(waits + 8, waits)
        self.live.add(mm)
        return mm

    def _dec(self, mm: int, field: str) -> int:
        """One reference less in @field; what is left (-1: not an address space)."""
        if mm not in self.live:
            return -1
        at = mm + MM_STRUCT.off(field)
        left = max(self.kernel.mem.read_u32(at) - 1, 0)
        self.kernel.mem.write_u32(at, left)
        return left

    def get(self, mm: int) -> bool:
        """mmget(): one more user; False for what is no live address space."""
        if mm not in self.live:
            return False
        at = mm + MM_STRUCT.off("mm_users")
        self.kernel.mem.write_u32(at, self.kernel.mem.read_u32(at) + 1)
        return True

    def put(self, mm: int) -> bool:
        """mmput(): the last user gone drops the users' reference (mmdrop); False: no mm."""
        left = self._dec(mm, "mm_users")
        if left == 0:
            self.drop(mm)
        return left >= 0

    def drop(self, mm: int) -> bool:
        """mmdrop(): the last reference frees the struct (__mmdrop); False: no mm."""
        left = self._dec(mm, "mm_count")
        if left == 0:
            self.free(mm)
        return left >= 0

    def free(self, mm: int) -> bool:
        """__mmdrop(): the struct goes (<linux/sched/mm.h>'s inline mmdrop counted down)."""
        if mm not in self.live:
            return False
        self.live.discard(mm)
        self.kernel.heap.free(mm)
        return True
