"""Figures, budgets and the one table the runner prints (and its JSON form)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from bench.timing import Stats


class Unit(enum.Enum):
    SECONDS = "s"
    BYTES = "B"
    RATE = "/s"  # higher is better


class BudgetKind(enum.Enum):
    RATIO_AT_MOST = "ratio <="
    MEDIAN_BELOW = "median <"


@dataclass(frozen=True)
class Budget:
    kind: BudgetKind
    limit: float
    unit: Unit = Unit.SECONDS

    def text(self) -> str:
        if self.kind is BudgetKind.RATIO_AT_MOST:
            return f"<= {self.limit:g}x"
        return f"< {fmt(self.limit, self.unit)}"

    def holds(self, fig: Figure) -> bool | None:
        if self.kind is BudgetKind.RATIO_AT_MOST:
            return None if fig.ratio is None else fig.ratio <= self.limit
        return None if fig.lkmsh is None else fig.lkmsh.median < self.limit


@dataclass
class Figure:
    """One row: lkmsh's samples, the baseline's from the same run, and the budget."""

    key: str
    title: str
    unit: Unit
    lkmsh: Stats | None = None
    baseline: Stats | None = None
    baseline_name: str = ""
    budget: Budget | None = None
    note: str = ""
    unavailable: str = ""  # why the figure could not be measured ("n/a (...)")
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """How many times slower (or bigger) lkmsh is than its baseline."""
        if self.lkmsh is None or self.baseline is None:
            return None
        a, b = self.lkmsh.median, self.baseline.median
        if self.unit is Unit.RATE:
            a, b = b, a
        return a / b if b else None

    @property
    def passed(self) -> bool | None:
        return None if self.budget is None or self.unavailable else self.budget.holds(self)

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "unit": self.unit.value,
            "lkmsh": self.lkmsh.to_dict() if self.lkmsh else None,
            "baseline_name": self.baseline_name or None,
            "baseline": self.baseline.to_dict() if self.baseline else None,
            "ratio": self.ratio,
            "budget": self.budget.text() if self.budget else None,
            "passed": self.passed,
            "note": self.note,
            "unavailable": self.unavailable or None,
            "extra": self.extra,
        }


def fmt(value: float, unit: Unit) -> str:
    if unit is Unit.SECONDS:
        if value >= 1:
            return f"{value:.2f} s"
        if value >= 1e-3:
            return f"{value * 1e3:.1f} ms"
        return f"{value * 1e6:.1f} µs"
    if unit is Unit.BYTES:
        for size, suffix in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
            if value >= size:
                return f"{value / size:.1f} {suffix}"
        return f"{value:.0f} B"
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:.2f}{suffix}/s"
    return f"{value:.0f}/s"


def _range(s: Stats | None, unit: Unit) -> str:
    if s is None:
        return ""
    if len(s.samples) == 1:
        return "(1 run)"
    return f"{fmt(s.min, unit)}–{fmt(s.max, unit)}"


HEADERS = (
    "figure",
    "lkmsh median",
    "min–max",
    "baseline",
    "baseline median",
    "ratio",
    "budget",
    "pass",
)


def rows(figures: list[Figure]) -> list[tuple[str, ...]]:
    out = []
    for f in figures:
        if f.unavailable:
            out.append(
                (
                    f.title,
                    f.unavailable,
                    "",
                    f.baseline_name,
                    _med(f.baseline, f.unit),
                    "",
                    _budget(f),
                    "",
                )
            )
            continue
        ratio = f"{f.ratio:.2f}x" if f.ratio is not None else ""
        passed = {True: "PASS", False: "FAIL", None: ""}[f.passed]
        out.append(
            (
                f.title,
                _med(f.lkmsh, f.unit),
                _range(f.lkmsh, f.unit),
                f.baseline_name,
                _med(f.baseline, f.unit),
                ratio,
                _budget(f),
                passed,
            )
        )
    return out


def _med(s: Stats | None, unit: Unit) -> str:
    return fmt(s.median, unit) if s is not None else ""


def _budget(f: Figure) -> str:
    return f.budget.text() if f.budget else ""


def table(figures: list[Figure], markdown: bool = False) -> str:
    body = rows(figures)
    if markdown:
        lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in body]
        return "\n".join(lines) + "\n"
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(HEADERS)]
    line = "  ".join(h.ljust(w) for h, w in zip(HEADERS, widths, strict=True))
    out = [line.rstrip(), "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in body]
    return "\n".join(out) + "\n"


def notes(figures: list[Figure]) -> str:
    return "".join(f"- {f.title}: {f.note}\n" for f in figures if f.note)
