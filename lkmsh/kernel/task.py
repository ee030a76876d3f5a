"""One task: a pid, a comm, a task_struct in kernel memory, and its saved CPU state.

A task that blocks in a kernel function at the top of its own run (a kthread
in ``msleep``) is *parked*: the CPU's registers are saved as they will be
when the kernel call returns (``Park``), its stack stays mapped, and both go
into the state file, so the task can resume in another process. A task with
Python frames beneath it (the command's own task: insmod running an init)
waits *nested*: the scheduler runs the others inside the blocking call until
it is woken.

``struct task_struct`` (lkmsh/include/linux/sched.h) as the kernel writes it::

    0   struct thread_info thread_info  { u64 flags; u64 syscall_work; u32 status; u32 cpu; }
    24  unsigned int __state
    28  unsigned int flags              PF_KTHREAD, PF_EXITING
    32  void *stack
    40  int prio
    44  pid_t pid
    48  pid_t tgid
    52  int exit_code
    56  char comm[16]
    72  struct signal_struct *signal    (its tty: the shell's terminal, NULL for kthreads)
    80  struct mm_struct *mm            (a command's address space, NULL for kthreads: mm.py)
    96  const struct cpumask *cpus_ptr  (cpu_possible_mask: the one CPU)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Protocol

from lkmsh.kernel.cstructs import cstruct

TASK_STRUCT = cstruct(
    "struct task_struct",
    "linux/sched.h",
    128,
    thread_info__flags=(0, 8),
    flags=(28, 4),
    stack=(32, 8),
    prio=(40, 4),
    pid=(44, 4),
    tgid=(48, 4),
    exit_code=(52, 4),
    comm=(56, 16),
    signal=(72, 8),
    mm=(80, 8),
    cpus_ptr=(96, 8),
)
TASK_STRUCT_SIZE = TASK_STRUCT.size
OFF_TI_FLAGS = TASK_STRUCT.off("thread_info__flags")
#: __state sits just before flags (the contract test cannot spell a leading "__")
OFF_STATE = TASK_STRUCT.off("flags") - 4
OFF_FLAGS = TASK_STRUCT.off("flags")
OFF_STACK = TASK_STRUCT.off("stack")
OFF_PRIO = TASK_STRUCT.off("prio")
OFF_PID = TASK_STRUCT.off("pid")
OFF_TGID = TASK_STRUCT.off("tgid")
OFF_EXIT_CODE = TASK_STRUCT.off("exit_code")
OFF_COMM = TASK_STRUCT.off("comm")
OFF_SIGNAL = TASK_STRUCT.off("signal")
OFF_MM = TASK_STRUCT.off("mm")
OFF_CPUS_PTR = TASK_STRUCT.off("cpus_ptr")
TASK_COMM_LEN = 16

TASK_RUNNING = 0x0000
TASK_INTERRUPTIBLE = 0x0001
TASK_UNINTERRUPTIBLE = 0x0002
TASK_DEAD = 0x0080
TASK_NOLOAD = 0x0400
TASK_IDLE = TASK_UNINTERRUPTIBLE | TASK_NOLOAD
TASK_KILLABLE = 0x0100 | TASK_UNINTERRUPTIBLE

PF_EXITING = 0x00000004
PF_KTHREAD = 0x00200000
TIF_SIGPENDING = 2
MAX_PRIO = 120  # the nice-0 priority Linux shows

THREAD_SIZE = 16 * 1024


class Park(BaseException):
    """Raised by a blocking kernel function in a task the scheduler can park.

    The CPU fills ``regs`` (resume state); ``exit_code`` set means the task
    ends here (do_exit) instead.
    """

    def __init__(self, exit_code: int | None = None):
        super().__init__("task parked")
        self.regs: list[int] = []
        self.exit_code = exit_code


class TaskExit(Exception):  # noqa: N818 (do_exit, not an error)
    """do_exit() from a kernel call nested below the task's own code (a callback's
    kernel call): unwinds every call to the scheduler, which ends the task with @exit_code."""

    def __init__(self, exit_code: int):
        super().__init__("task exits")
        self.exit_code = exit_code


class Program(Protocol):
    """A kthread whose body is kernel code calling module functions one after another
    (KUnit's kunit_try_run_case: init, the case, exit). Each call runs as the task's own
    code, so it can sleep (park) as any kthread's; the kernel's work between them runs
    in ``returned``, as the task."""

    #: what the task's call traces show below the module's frames
    path: Any

    def returned(self, task: Task, value: int) -> tuple[int, int] | None:
        """The module call (function, argument) to run next, or None: the task exits (0)."""
        ...


class Kind(enum.StrEnum):
    USER = "user"  # the command's own task (insmod, rmmod, cat): runs nested in Python
    KTHREAD = "kthread"
    WORKER = "worker"  # a kworker running work items


class Run(enum.StrEnum):
    NEW = "new"  # created, never woken (kthread_create)
    RUNNABLE = "runnable"
    BLOCKED = "blocked"
    DEAD = "dead"


@dataclass
class Task:
    """A kernel task: pid, comm, its task_struct and stack, and where it stopped."""

    pid: int
    comm: str
    kind: Kind
    struct_addr: int
    stack: int = 0  # base of its own stack (0: the CPU's, for USER tasks)
    module: str | None = None  # whose code it runs (heap ownership, unload cleanup)
    run: Run = Run.NEW
    regs: list[int] | None = None  # saved CPU state while parked
    entry: int = 0  # thread function
    arg: int = 0
    #: what it waits for: the kernel function (wchan) and, for wakeups, the object
    wchan: str = ""
    waits_on: int = 0
    sleep: int = TASK_RUNNING  # TASK_INTERRUPTIBLE/UNINTERRUPTIBLE while blocked
    wake_at: int | None = None  # ns: a timeout or a sleep's end
    timer_only: bool = False  # msleep: only its timer wakes it
    timeout_result: int = 0  # what the call returns when the timeout ends the wait
    wake_result: int = 0  # what it returns when woken (no timeout, no waker's choice)
    result: int = 0  # what the blocking call returns when it resumes
    blocked_since: int = 0
    hung_reported: bool = False
    should_stop: bool = False
    should_park: bool = False
    parked: bool = False
    exit_code: int | None = None
    work: int = 0  # a worker: the work_struct it runs
    workqueue: int = 0  # a worker: the workqueue it serves
    caller: int = 0  # where it called the blocking function (/proc/PID/stack)
    mm: int = 0  # its struct mm_struct (a command's task only)
    #: not saved: the task is running or waiting on the Python stack
    on_stack: bool = field(default=False, compare=False)
    run_depth: int = field(default=0, compare=False)
    #: not saved: a kthread the kernel drives (lives within one command)
    program: Program | None = field(default=None, compare=False)

    @property
    def state_letter(self) -> str:
        """ps's STAT: R running, S interruptible, D uninterruptible, I idle (Z: exited, never listed)."""
        if self.run is Run.DEAD:
            return "Z"
        if self.run is Run.RUNNABLE:
            return "R"
        if self.sleep & TASK_NOLOAD or (self.kind is Kind.WORKER and not self.work):
            return "I"
        if self.run is Run.NEW or self.sleep & TASK_UNINTERRUPTIBLE:
            return "D"
        return "S"

    def to_data(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in _SAVED}
        d["kind"] = self.kind.value
        d["run"] = self.run.value
        return d

    @classmethod
    def from_data(cls, d: dict[str, Any]) -> Task:
        kw = {k: d[k] for k in _SAVED if k in d}
        kw["kind"] = Kind(d["kind"])
        kw["run"] = Run(d["run"])
        return cls(**kw)


_SAVED = [f for f in Task.__dataclass_fields__ if f not in ("on_stack", "run_depth", "program")]
