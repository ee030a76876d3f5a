"""Reading KUnit's KTAP output back into results, as kunit.py's parser does.

The kernel prints KTAP to its log (lkmsh/kernel/kunit.py); ``parse`` turns
those lines into suites, cases and parameters with their diagnostic lines
(expectation failures, an Oops), and ``document`` joins the suites of several
modules into one KTAP document numbered as the built-in executor numbers
them ("KTAP version 1", "1..N").
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Any

_SUITE_START = re.compile(r"^    # Subtest: (.*)$")
_PARAM_START = re.compile(r"^        # Subtest: (.*)$")
_RESULT = re.compile(
    r"^(?P<indent>(?:    )*)(?P<ok>ok|not ok) (?P<num>\d+) - (?P<name>.*?)(?: # SKIP ?(?P<skip>.*))?$"
)
_PLAN = re.compile(r"^    1\.\.\d+$")
_STATS = re.compile(r"^(?:    )?# (?:[^:]+|Totals): pass:\d+ fail:\d+ skip:\d+ total:\d+$")


class Status(enum.StrEnum):
    PASSED = "PASSED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"


def _status(ok: str, skip: str | None) -> Status:
    if ok == "not ok":
        return Status.FAILED
    return Status.SKIPPED if skip is not None else Status.PASSED


@dataclass
class Result:
    """One test (a case, or one parameter of a case): its result and its diagnostic lines."""

    name: str
    status: Status = Status.PASSED
    skip_reason: str = ""
    diagnostics: list[str] = field(default_factory=list)
    params: list[Result] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "status": self.status.value}
        if self.skip_reason:
            out["skip_reason"] = self.skip_reason
        if self.diagnostics:
            out["log"] = self.diagnostics
        if self.params:
            out["params"] = [p.to_json() for p in self.params]
        return out


@dataclass
class Suite:
    name: str
    status: Status = Status.PASSED
    skip_reason: str = ""
    cases: list[Result] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # its KTAP block, as printed
    #: lines after its last case (suite_exit's)
    diagnostics: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "status": self.status.value}
        if self.skip_reason:
            out["skip_reason"] = self.skip_reason
        out["cases"] = [c.to_json() for c in self.cases]
        return out


@dataclass
class Counts:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    errors: int = 0

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.skipped + self.errors

    def add(self, status: Status) -> None:
        if status is Status.PASSED:
            self.passed += 1
        elif status is Status.FAILED:
            self.failed += 1
        else:
            self.skipped += 1

    def __str__(self) -> str:
        """kunit.py's summary words: only the counts that are not zero."""
        parts = [("passed", self.passed), ("failed", self.failed), ("skipped", self.skipped)]
        parts.append(("errors", self.errors))
        return f"Ran {self.total} tests: " + ", ".join(f"{w}: {n}" for w, n in parts if n)


def parse(lines: list[str]) -> list[Suite]:
    """The suites in ``lines`` (a kernel log); lines outside any suite are ignored."""
    suites: list[Suite] = []
    suite: Suite | None = None
    pending: list[str] = []  # diagnostics of the case being run
    param_case: Result | None = None
    for line in lines:
        m = _SUITE_START.match(line)
        if m and param_case is None:
            suite = Suite(m.group(1), lines=[line])
            pending = []
            continue
        if suite is None:
            continue
        suite.lines.append(line)
        m = _PARAM_START.match(line)
        if m:
            param_case = Result(m.group(1))
            continue
        m = _RESULT.match(line)
        if m:
            indent = len(m.group("indent"))
            status = _status(m.group("ok"), m.group("skip"))
            name, skip = m.group("name"), m.group("skip") or ""
            if indent == 8 and param_case is not None:
                param_case.params.append(Result(name, status, skip, pending))
                pending = []
            elif indent == 4:
                case = param_case if param_case is not None and param_case.name == name else None
                if case is None:
                    case = Result(name)
                case.status, case.skip_reason = status, skip
                case.diagnostics = pending + case.diagnostics
                suite.cases.append(case)
                pending, param_case = [], None
            elif indent == 0:
                suite.status, suite.skip_reason = status, skip
                suite.diagnostics = pending
                suites.append(suite)
                suite, pending = None, []
            continue
        if _PLAN.match(line) or _STATS.match(line):
            continue
        pending.append(line)
    if suite is not None:  # the log ended inside a suite (the module's init crashed the run)
        suite.status = Status.FAILED
        suites.append(suite)
    return suites


def counts(suites: list[Suite]) -> Counts:
    """Tests counted as kunit.py counts them: each parameter, or each case without any."""
    c = Counts()
    for s in suites:
        for case in s.cases:
            if case.params:
                for p in case.params:
                    c.add(p.status)
            else:
                c.add(case.status)
    return c


def document(suites: list[Suite]) -> list[str]:
    """One KTAP document of the suites, numbered 1..N as the built-in executor does."""
    out = ["KTAP version 1", f"1..{len(suites)}"]
    for number, s in enumerate(suites, 1):
        block = list(s.lines)
        if block and _RESULT.match(block[-1]) and not block[-1].startswith(" "):
            directive = f" # SKIP {s.skip_reason}" if s.status is Status.SKIPPED else ""
            ok = "not ok" if s.status is Status.FAILED else "ok"
            block[-1] = f"{ok} {number} - {s.name}{directive}"
        out += block
    return out
