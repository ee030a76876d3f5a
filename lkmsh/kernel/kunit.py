"""KUnit: runs the suites a module lists in ``.kunit_test_suites`` once it is live.

This is Linux 6.1's lib/kunit/test.c seen from the module notifier
(MODULE_STATE_LIVE): each suite's cases run in order, each in its own
"try" (a call into module code that an assertion, a skip or a crash ends
without ending the others), and the results go to the kernel log as KTAP, in
the words and indentation test.c prints. Memory a case took with
``kunit_kmalloc()`` is freed when the case ends, as KUnit's resources are.

The struct layouts read and written here are those of lkmsh's
<kunit/test.h> (Linux's), whose ``_Static_assert``s pin the offsets.
"""

from __future__ import annotations

import contextlib
import errno
import fnmatch
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lkmsh.errors import KernelError, ModuleFault
from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.heap import KERNEL_OWNER

if TYPE_CHECKING:
    from lkmsh.kernel.module import Module

SECTION = ".kunit_test_suites"
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
# struct kunit_case (40 bytes)
CASE_SIZE = 40
C_RUN, C_NAME, C_GEN, C_STATUS = 0, 8, 16, 24
# struct kunit_suite (576 bytes)
S_NAME, S_SUITE_INIT, S_SUITE_EXIT, S_INIT, S_EXIT, S_CASES = 0, 256, 264, 272, 280, 288
S_STATUS_COMMENT, S_INIT_ERR = 296, 568


class KunitAbort(Exception):
    """kunit_try_catch_throw(): unwinds the running case back to the runner."""


@dataclass
class RunningCase:
    """The case a kernel API call from module code belongs to (``current->kunit_test``)."""

    test: int  # address of its struct kunit
    name: str
    pid: int = 0  # its kunit_try_catch kthread's, for reports (Oops "Comm:" and "PID:")
    resources: list[int] = field(default_factory=list)  # kunit_kmalloc'd objects, in order


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
            frame = kernel.heap.alloc(KUNIT_SIZE + PARAM_DESC_SIZE, KERNEL_OWNER)
            if not frame:
                raise KernelError("kunit: out of memory for a test case", errno.ENOMEM)
            try:
                for number, case in enumerate(cases, 1):
                    self._run_case_params(suite, case, number, frame, suite_stats, total_stats)
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
        mem.write_u64(test + K_TRY_CATCH, test)
        mem.write_u32(test + K_LOCK, 0)
        mem.write_u32(test + K_LOCK + 4, SPINLOCK_MAGIC)
        mem.write_u32(test + K_STATUS, SUCCESS)
        mem.write_u64(test + K_RESOURCES, test + K_RESOURCES)
        mem.write_u64(test + K_RESOURCES + 8, test + K_RESOURCES)
        mem.write(test + K_STATUS_COMMENT, b"\0")
        running = RunningCase(test, case_name, self.kernel.sched.new_pid())
        outer, self.current = self.current, running
        try:
            crashed = not self._try(running, suite, case)
            if not crashed:
                exit_fn = self._u64(suite + S_EXIT)
                if exit_fn:
                    self._try_call(running, exit_fn, test)
                self._cleanup(running)
        finally:
            self.current = outer
        status = mem.read_u32(test + K_STATUS)
        if status == FAILURE:
            mem.write_u32(case + C_STATUS, FAILURE)
        elif mem.read_u32(case + C_STATUS) != FAILURE and status == SUCCESS:
            mem.write_u32(case + C_STATUS, SUCCESS)
        return status if status in (SUCCESS, FAILURE, SKIPPED) else FAILURE

    def _try(self, running: RunningCase, suite: int, case: int) -> bool:
        """kunit_run_case_internal() in a try; False when the case crashed."""
        test = running.test
        init = self._u64(suite + S_INIT)
        if init:
            ret = self._try_call(running, init, test)
            if ret is None:
                return False
            ret = _signed32(ret)
            if ret:
                self.err(running, f"failed to initialize: {ret}")
                self.kernel.mem.write_u32(test + K_STATUS, FAILURE)
                return True
        return self._try_call(running, self._u64(case + C_RUN), test) is not None

    def _try_call(self, running: RunningCase, addr: int, test: int) -> int | None:
        """Run module code for a case: its result, 0 if it threw, None if it crashed."""
        from lkmsh.kernel.stacktrace import KernelPath

        try:
            return self.kernel.call(addr, (test,), path=KernelPath.KUNIT)
        except KunitAbort:
            return 0
        except ModuleFault:
            # Linux 6.1: the case's kthread died in the Oops and never completed,
            # so the try ends at its timeout and nothing is cleaned up.
            self.kernel.mem.write_u32(test + K_STATUS, FAILURE)
            self.err(running, "try timed out")
            self.err(running, "test case timed out")
            return None

    def _cleanup(self, running: RunningCase) -> None:
        """kunit_cleanup(): free the case's resources, newest first."""
        heap = self.kernel.heap
        while running.resources:
            addr = running.resources.pop()
            if heap.lookup(addr) is not None:
                heap.free(addr)
