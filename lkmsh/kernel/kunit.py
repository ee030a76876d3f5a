"""KUnit: runs the suites a module lists in ``.kunit_test_suites`` once it is live.

This is Linux 6.1's lib/kunit/test.c seen from the module notifier
(MODULE_STATE_LIVE): each suite's cases run in order, each in a kthread of
its own (try-catch.c's kunit_try_catch_run(): an assertion, a skip or a crash
ends that thread, not the others; the loading task waits for it up to
KUnit's timeout), and the results go to the kernel log as KTAP, in the words
and indentation test.c prints. A case's resources (``kunit_kmalloc()``'s
memory among them) are C records on test->resources, freed when the case
ends by the kernel library's ``kunit_cleanup()`` (lkmsh/klib/kunit_resource.c),
as lib/kunit/resource.c does.

The struct layouts read and written here are those of lkmsh's
<kunit/test.h> (Linux's), whose ``_Static_assert``s pin the offsets.
"""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lkmsh.errors import KernelError, ModuleFault
from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.module import KUNIT_SECTION
from lkmsh.kernel.task import TaskExit

if TYPE_CHECKING:
    from lkmsh.kernel.module import Module

SECTION = KUNIT_SECTION
INDENT = "    "
KERN_ERR, KERN_INFO = 3, 6

# enum kunit_status
SUCCESS, FAILURE, SKIPPED = 0, 1, 2
STATUS_COMMENT_SIZE = 256
PARAM_DESC_SIZE = 128

# struct kunit (368 bytes)
KUNIT_SIZE = 368
K_PRIV, K_NAME, K_LOG, K_TRY_CATCH = 0, 8, 16, 24
K_PARAM_VALUE, K_PARAM_INDEX, K_LOCK, K_STATUS = 72, 80, 84, 92
K_RESOURCES, K_STATUS_COMMENT = 96, 112
SPINLOCK_MAGIC = 0xDEAD4EAD
# struct kunit_try_catch, in struct kunit at K_TRY_CATCH
TC_TEST, TC_COMPLETION, TC_RESULT, TC_TRY, TC_CATCH, TC_CONTEXT = 0, 8, 16, 24, 32, 40
#: struct completion: unsigned int done, then its wait queue
COMPLETION_SIZE = 32
#: lib/kunit/try-catch.c's kunit_test_timeout(): 300 * msecs_to_jiffies(MSEC_PER_SEC)
TRY_TIMEOUT_NS = 300 * 1_000_000_000
# struct kunit_case (40 bytes)
CASE_SIZE = 40
C_RUN, C_NAME, C_GEN, C_STATUS = 0, 8, 16, 24
# struct kunit_suite (576 bytes)
S_NAME, S_SUITE_INIT, S_SUITE_EXIT, S_INIT, S_EXIT, S_CASES = 0, 256, 264, 272, 280, 288
S_STATUS_COMMENT, S_INIT_ERR = 296, 568


class KunitAbort(TaskExit):  # noqa: N818 (Linux's word)
    """kunit_try_catch_throw(): the case's kthread exits (kthread_complete_and_exit)."""


@dataclass
class RunningCase:
    """The case a kernel API call from module code belongs to (``current->kunit_test``)."""

    test: int  # address of its struct kunit
    name: str


@dataclass
class Stats:
    passed: int = 0
    skipped: int = 0
    failed: int = 0
    total: int = 0

    def update(self, status: int) -> None:
        if status == SUCCESS:
            self.passed += 1
        elif status == SKIPPED:
            self.skipped += 1
        else:
            self.failed += 1
        self.total += 1

    def add(self, other: Stats) -> None:
        self.passed += other.passed
        self.skipped += other.skipped
        self.failed += other.failed
        self.total += other.total

    def words(self) -> str:
        return f"pass:{self.passed} fail:{self.failed} skip:{self.skipped} total:{self.total}"


def ok_not_ok(status: int) -> str:
    return "not ok" if status == FAILURE else "ok"


def _signed32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


class KUnit(Component):
    """The KUnit executor: suite numbering (``kunit_suite_counter``) and the running case.

    ``KernelConfig.kunit_filter_glob`` is Linux's ``kunit.filter_glob``
    ("suite_glob" or "suite_glob.case_glob"): cases that do not match are not
    run nor listed, and a suite with none left is left out.
    """

    name = "kunit"

    def __init__(self, kernel: Any):
        self.kernel = kernel
        self.suite_counter = 1
        self.current: RunningCase | None = None
        #: case threads left running past their timeout (their struct kunit is theirs)
        self.left_behind = 0

    # -- component ------------------------------------------------------------

    def to_data(self) -> Any:
        return {"suite_counter": self.suite_counter}

    def load_data(self, data: Any) -> None:
        if data:
            self.suite_counter = int(data.get("suite_counter", 1))

    def module_going(self, module: Module) -> list[Report]:
        # __kunit_test_suites_exit(): the numbering starts again at 1
        if self.suites_of(module):
            self.suite_counter = 1
        return []

    # -- memory helpers -------------------------------------------------------

    def _u64(self, addr: int) -> int:
        return self.kernel.mem.read_u64(addr)

    def _str(self, addr: int, limit: int = 4096) -> str:
        if not addr:
            return "(null)"
        return self.kernel.mem.read_cstr(addr, limit).decode("utf-8", "backslashreplace")

    def _log(self, level: int, text: str) -> None:
        for line in text.rstrip("\n").split("\n"):
            self.kernel.log.emit(level, line)

    def err(self, case: RunningCase, text: str) -> None:
        """kunit_err(test, "%s", text): the case's name, then the text."""
        self._log(KERN_ERR, f"{INDENT}# {case.name}: {text}")

    # -- finding suites -------------------------------------------------------

    def suites_of(self, module: Module) -> list[int]:
        """Addresses of the struct kunit_suite the module lists, in order."""
        for p in module.placements:
            if p.name == SECTION:
                return [self._u64(p.addr + 8 * i) for i in range(p.size // 8)]
        return []

    def _cases(self, suite: int) -> list[int]:
        out = []
        at = self._u64(suite + S_CASES)
        while at and self._u64(at + C_RUN):
            out.append(at)
            at += CASE_SIZE
            if len(out) > 100_000:
                raise KernelError("kunit: test_cases array has no terminating entry", errno.EINVAL)
        return out

    @property
    def filter_glob(self) -> str | None:
        return getattr(self.kernel.config, "kunit_filter_glob", None)

    def _selected(self, suite_name: str, cases: list[int]) -> list[int]:
        if not self.filter_glob:
            return cases
        suite_glob, _, case_glob = self.filter_glob.partition(".")
        if not fnmatch.fnmatchcase(suite_name, suite_glob):
            return []
        if not case_glob:
            return cases
        return [
            c for c in cases if fnmatch.fnmatchcase(self._str(self._u64(c + C_NAME)), case_glob)
        ]

    # -- running --------------------------------------------------------------

    def module_live(self, module: Module) -> None:
        """__kunit_test_suites_init() for a module that just went live."""
        for suite in self.suites_of(module):
            if not suite:
                continue
            name = self._str(suite + S_NAME, 256)
            cases = self._selected(name, self._cases(suite))
            if self.filter_glob and not cases:
                continue
            self.kernel.mem.write(suite + S_STATUS_COMMENT, b"\0")
            self.kernel.mem.write_u32(suite + S_INIT_ERR, 0)
            self.run_suite(suite, name, cases)

    def _call(self, addr: int, *args: int) -> int:
        return self.kernel.call(addr, args)

    def run_suite(self, suite: int, name: str, cases: list[int]) -> None:
        """kunit_run_tests()."""
        from lkmsh.kernel import taint as T

        kernel = self.kernel
        kernel.add_taint(T.Taint.TEST.letter)
        suite_stats, total_stats = Stats(), Stats()
        init_err = 0
        suite_init = self._u64(suite + S_SUITE_INIT)
        if suite_init:
            try:
                init_err = _signed32(self._call(suite_init, suite))
            except (ModuleFault, KunitAbort):
                init_err = -errno.EFAULT
            if init_err:
                kernel.mem.write_u32(suite + S_INIT_ERR, init_err & 0xFFFFFFFF)
                self._log(KERN_ERR, f"{INDENT}# failed to initialize ({init_err})")
        if not init_err:
            self._log(KERN_INFO, f"{INDENT}# Subtest: {name}")
            self._log(KERN_INFO, f"{INDENT}1..{len(cases)}")
            # one struct kunit and parameter description for every case, as Linux's on
            # kunit_run_tests()'s stack (allocating per case would map and unmap a slab)
            frame = self._frame()
            try:
                for number, case in enumerate(cases, 1):
                    left = self.left_behind
                    self._run_case_params(suite, case, number, frame, suite_stats, total_stats)
                    if self.left_behind != left:  # a thread still uses it: take another
                        frame = self._frame()
            finally:
                kernel.heap.free(frame)
            suite_exit = self._u64(suite + S_SUITE_EXIT)
            if suite_exit:
                with contextlib.suppress(ModuleFault, KunitAbort):
                    self._call(suite_exit, suite)
            if suite_stats.total > 1:
                self._log(KERN_INFO, f"# {name}: {suite_stats.words()}")
            if total_stats.total > 1:
                self._log(KERN_INFO, f"# Totals: {total_stats.words()}")
        status = self._suite_status(init_err, cases)
        comment = ""
        if status == SKIPPED:
            comment = self._str(suite + S_STATUS_COMMENT, STATUS_COMMENT_SIZE)
        self._log(KERN_INFO, self._result_line("", status, self.suite_counter, name, comment))
        self.suite_counter += 1

    def _frame(self) -> int:
        frame = self.kernel.heap.alloc(KUNIT_SIZE + PARAM_DESC_SIZE + COMPLETION_SIZE, KERNEL_OWNER)
        if not frame:
            raise KernelError("kunit: out of memory for a test case", errno.ENOMEM)
        return frame

    def _suite_status(self, init_err: int, cases: list[int]) -> int:
        """kunit_suite_has_succeeded()."""
        if init_err:
            return FAILURE
        status = SKIPPED
        for c in cases:
            s = self.kernel.mem.read_u32(c + C_STATUS)
            if s == FAILURE:
                return FAILURE
            if s == SUCCESS:
                status = SUCCESS
        return status

    @staticmethod
    def _result_line(indent: str, status: int, number: int, name: str, comment: str) -> str:
        directive = f" # SKIP {comment}" if status == SKIPPED else ""
        return f"{indent}{ok_not_ok(status)} {number} - {name}{directive}"

    def _run_case_params(
        self,
        suite: int,
        case: int,
        number: int,
        frame: int,
        suite_stats: Stats,
        total_stats: Stats,
    ) -> None:
        mem = self.kernel.mem
        case_name = self._str(self._u64(case + C_NAME))
        gen = self._u64(case + C_GEN)
        mem.write_u32(case + C_STATUS, SKIPPED)
        param_stats = Stats()
        test, desc = frame, frame + KUNIT_SIZE
        mem.write(frame, bytes(KUNIT_SIZE + PARAM_DESC_SIZE))
        if not gen:
            status = self._run_one(suite, case, test, case_name)
            param_stats.update(status)
        else:
            value = self._generate(gen, 0, desc)
            self._log(KERN_INFO, f"{INDENT}{INDENT}# Subtest: {case_name}")
            index = 0
            while value:
                mem.write_u64(test + K_PARAM_VALUE, value)
                mem.write_u32(test + K_PARAM_INDEX, index)
                status = self._run_one(suite, case, test, case_name)
                label = self._str(desc, PARAM_DESC_SIZE) if mem.read_u8(desc) else ""
                label = label or f"param-{index}"
                self._log(KERN_INFO, f"{INDENT}{INDENT}{ok_not_ok(status)} {index + 1} - {label}")
                value = self._generate(gen, value, desc)
                index += 1
                param_stats.update(status)
        if param_stats.total > 1:
            self._log(KERN_INFO, f"{INDENT}# {case_name}: {param_stats.words()}")
        comment = self._str(test + K_STATUS_COMMENT, STATUS_COMMENT_SIZE)
        case_status = mem.read_u32(case + C_STATUS)
        self._log(KERN_INFO, self._result_line(INDENT, case_status, number, case_name, comment))
        suite_stats.update(case_status)
        total_stats.add(param_stats)

    def _generate(self, gen: int, prev: int, desc: int) -> int:
        self.kernel.mem.write(desc, b"\0")
        try:
            return self._call(gen, prev, desc)
        except (ModuleFault, KunitAbort):
            return 0

    def _run_one(self, suite: int, case: int, test: int, case_name: str) -> int:
        """kunit_run_case_catch_errors(): one run of a case (one parameter); its status."""
        mem = self.kernel.mem
        name_ptr = self._u64(case + C_NAME)
        # kunit_init_test()
        mem.write_u64(test + K_PRIV, 0)
        mem.write_u64(test + K_NAME, name_ptr)
        mem.write_u64(test + K_LOG, 0)
        mem.write_u32(test + K_LOCK, 0)
        mem.write_u32(test + K_LOCK + 4, SPINLOCK_MAGIC)
        mem.write_u32(test + K_STATUS, SUCCESS)
        mem.write_u64(test + K_RESOURCES, test + K_RESOURCES)
        mem.write_u64(test + K_RESOURCES + 8, test + K_RESOURCES)
        mem.write(test + K_STATUS_COMMENT, b"\0")
        mem.write_u64(test + K_TRY_CATCH + TC_TEST, test)  # kunit_try_catch_init()
        running = RunningCase(test, case_name)
        outer, self.current = self.current, running
        try:
            self.try_catch_run(
                test + K_TRY_CATCH,
                CaseRun(self, running, suite, case),
                lambda: self._catch(running, suite),
                test + KUNIT_SIZE + PARAM_DESC_SIZE,
            )
        finally:
            self.current = outer
        status = mem.read_u32(test + K_STATUS)
        if status == FAILURE:
            mem.write_u32(case + C_STATUS, FAILURE)
        elif mem.read_u32(case + C_STATUS) != FAILURE and status == SUCCESS:
            mem.write_u32(case + C_STATUS, SUCCESS)
        return status if status in (SUCCESS, FAILURE, SKIPPED) else FAILURE

    def try_catch_run(
        self, try_catch: int, program: Any, catch: Callable[[], None], completion: int
    ) -> None:
        """kunit_try_catch_run(): @program (the try) in a kthread of its own, waited for
        up to KUnit's timeout; then @catch unless the try ended well. @completion is
        the try's struct completion (on kunit_try_catch_run()'s stack in Linux)."""
        from lkmsh.kernel.task import Kind, Run

        kernel, mem = self.kernel, self.kernel.mem
        sched = kernel.sched
        case = self.case_for(self._u64(try_catch + TC_TEST))
        mem.write(completion, bytes(COMPLETION_SIZE))
        mem.write_u64(try_catch + TC_COMPLETION, completion)
        mem.write_u32(try_catch + TC_RESULT, 0)
        module = kernel.current_module
        entry, arg = program.first()
        try:
            task = sched.create(
                "kunit_try_catch_thread",
                Kind.KTHREAD,
                entry=entry,
                arg=arg,
                module=module.name if module is not None else None,
            )
        except KernelError:
            catch()  # kthread_create() failed
            return
        task.program = program
        sched.wake(task)
        try:
            completed = self._wait_for_completion(completion)
        except BaseException:
            sched.kill(task)
            raise
        if not completed:
            mem.write_u32(try_catch + TC_RESULT, -errno.ETIMEDOUT & 0xFFFFFFFF)
            self._kthread_stop(task)
        if sched.tasks.get(task.pid) is task:
            if task.run is Run.DEAD or completed:
                sched.kill(task)  # it exited, or is on its way out (kthread_complete_and_exit)
            else:
                self.left_behind += 1
        exit_code = _signed32(mem.read_u32(try_catch + TC_RESULT))
        if not exit_code:
            return
        if exit_code == -errno.EFAULT:
            mem.write_u32(try_catch + TC_RESULT, 0)
        elif exit_code == -errno.EINTR:
            self.err(case, "wake_up_process() was never called")
        elif exit_code == -errno.ETIMEDOUT:
            self.err(case, "try timed out")
        else:
            self.err(case, f"Unknown error: {exit_code}")
        catch()

    def _kthread_stop(self, task: Any) -> None:
        """kthread_stop() of a case's thread past its timeout: kthread_should_stop()
        turns true and the loading task waits for the thread to end. A thread in a
        timed sleep (msleep) gets up to one more KUnit timeout to end; one in a wait
        nothing times, which Linux would wait for forever, is left where it is (in D
        state, ended when its module goes)."""
        from lkmsh.kernel.task import Run

        sched = self.kernel.sched
        task.should_stop = True
        if task.run is Run.DEAD or (task.run is Run.BLOCKED and task.wake_at is None):
            return
        if sched.current is not None:
            sched.block(
                "kthread_stop", obj=task.struct_addr, timeout_ns=TRY_TIMEOUT_NS, nested=True
            )
        else:
            sched.run_until(lambda: task.run is Run.DEAD, sched.now + TRY_TIMEOUT_NS)

    def case_for(self, test: int) -> RunningCase:
        """The running case of the struct kunit at @test (or a record naming it)."""
        cur = self.current
        if cur is not None and cur.test == test:
            return cur
        return RunningCase(test, self._str(self._u64(test + K_NAME)))

    def _wait_for_completion(self, completion: int) -> bool:
        """wait_for_completion_timeout() for KUnit's 300 s: completed?"""
        mem, sched = self.kernel.mem, self.kernel.sched
        if not mem.read_u32(completion):
            if sched.current is not None:  # complete() hands the count over: jiffies left
                return bool(
                    sched.block(
                        "wait_for_completion_timeout",
                        obj=completion,
                        timeout_ns=TRY_TIMEOUT_NS,
                        nested=True,
                    )
                )
            sched.run_until(lambda: bool(mem.read_u32(completion)), sched.now + TRY_TIMEOUT_NS)
        done = mem.read_u32(completion)
        if done:
            mem.write_u32(completion, done - 1)
        return bool(done)

    def complete(self, completion: int) -> None:
        """complete(): wakes the loading task waiting for the case, or counts one."""
        if not self.kernel.sched.wake_up(completion, nr=1):
            mem = self.kernel.mem
            mem.write_u32(completion, mem.read_u32(completion) + 1)

    def throw(self, try_catch: int) -> None:
        """kunit_try_catch_throw(): the try ends with -EFAULT (its kthread exits)."""
        mem = self.kernel.mem
        mem.write_u32(try_catch + TC_RESULT, -errno.EFAULT & 0xFFFFFFFF)
        completion = mem.read_u64(try_catch + TC_COMPLETION)
        if completion:
            self.complete(completion)
        raise KunitAbort(-errno.EFAULT)

    def _catch(self, running: RunningCase, suite: int) -> None:
        """kunit_catch_run_case(), in the loading task."""
        mem = self.kernel.mem
        test = running.test
        result = _signed32(mem.read_u32(test + K_TRY_CATCH + TC_RESULT))
        if result:
            mem.write_u32(test + K_STATUS, FAILURE)
            if result == -errno.ETIMEDOUT:
                self.err(running, "test case timed out")
            else:
                self.err(
                    running,
                    f"internal error occurred preventing test case from running: {result}",
                )
            return  # the case could not finish: nothing is cleaned up
        exit_fn = self._u64(suite + S_EXIT)
        if exit_fn:
            with contextlib.suppress(ModuleFault, KunitAbort):
                self._call(exit_fn, test)
        self.cleanup(test)

    @functools.cached_property
    def cleanup_fn(self) -> int:
        """kunit_cleanup() of the kernel library (0 without one)."""
        lib = self.kernel.klib
        return next((s.addr for s in lib.symbols if s.name == "kunit_cleanup"), 0) if lib else 0

    def cleanup(self, test: int) -> None:
        """kunit_case_internal_cleanup(), in the loading task: free the case's resources."""
        if self.cleanup_fn:
            with contextlib.suppress(ModuleFault, KunitAbort):
                self._call(self.cleanup_fn, test)


@dataclass
class CaseRun:
    """kunit_try_run_case() in the case's kthread: init, the case, then
    kunit_run_case_cleanup() (exit, the resources) and the try's completion."""

    runner: KUnit
    running: RunningCase
    suite: int
    case: int
    step: str = ""

    @property
    def path(self) -> Any:
        from lkmsh.kernel.stacktrace import KernelPath

        return KernelPath.KUNIT

    def first(self) -> tuple[int, int]:
        init = self.runner._u64(self.suite + S_INIT)
        self.step = "init" if init else "run"
        return init or self.runner._u64(self.case + C_RUN), self.running.test

    def returned(self, task: Any, value: int) -> tuple[int, int] | None:
        runner, test = self.runner, self.running.test
        if self.step == "init":
            ret = _signed32(value)
            if not ret:
                self.step = "run"
                return runner._u64(self.case + C_RUN), test
            runner.err(self.running, f"failed to initialize: {ret}")
            runner.kernel.mem.write_u32(test + K_STATUS, FAILURE)
        if self.step in ("init", "run"):
            exit_fn = runner._u64(self.suite + S_EXIT)
            if exit_fn:
                self.step = "exit"
                return exit_fn, test
        if self.step != "cleanup" and runner.cleanup_fn:
            self.step = "cleanup"  # kunit_case_internal_cleanup(), in the case's thread
            return runner.cleanup_fn, test
        runner.complete(runner._u64(test + K_TRY_CATCH + TC_COMPLETION))
        return None


@dataclass
class TryCall:
    """kunit_generic_run_threadfn_adapter() for a module's own kunit_try_catch_run():
    try(context), then the try's completion."""

    runner: KUnit
    try_catch: int
    path: Any = None

    def first(self) -> tuple[int, int]:
        u64 = self.runner._u64
        return u64(self.try_catch + TC_TRY), u64(self.try_catch + TC_CONTEXT)

    def returned(self, task: Any, value: int) -> tuple[int, int] | None:
        self.runner.complete(self.runner._u64(self.try_catch + TC_COMPLETION))
        return None
