"""Kernel taint flags, in Linux's order (kernel/panic.c taint_flags)."""

from __future__ import annotations

import enum


class Taint(enum.Enum):
    # value: (letter, shown per module in /proc/modules)
    PROPRIETARY_MODULE = ("P", True)
    FORCED_MODULE = ("F", False)
    CPU_OUT_OF_SPEC = ("S", False)
    FORCED_RMMOD = ("R", False)
    MACHINE_CHECK = ("M", False)
    BAD_PAGE = ("B", False)
    USER = ("U", False)
    DIE = ("D", False)
    OVERRIDDEN_ACPI_TABLE = ("A", False)
    WARN = ("W", False)
    CRAP = ("C", True)
    FIRMWARE_WORKAROUND = ("I", False)
    OOT_MODULE = ("O", True)
    UNSIGNED_MODULE = ("E", True)
    SOFTLOCKUP = ("L", False)
    LIVEPATCH = ("K", True)
    AUX = ("X", True)
    RANDSTRUCT = ("T", True)
    TEST = ("N", True)

    @property
    def letter(self) -> str:
        return self.value[0]


ORDER = list(Taint)
BY_LETTER = {t.letter: t for t in ORDER}


def by_bit(bit: int) -> Taint | None:
    """The flag of taint bit @bit (TAINT_WARN is 9), None past the known ones."""
    return ORDER[bit] if 0 <= bit < len(ORDER) else None


def letters(taints: set[Taint]) -> str:
    """Compact form, e.g. "PO" (as /proc/sys/kernel/tainted decoded, Linux order)."""
    return "".join(t.letter for t in ORDER if t in taints)


def from_letters(text: str) -> set[Taint]:
    return {BY_LETTER[c] for c in text if c in BY_LETTER}


def tainted_field(taints: set[Taint]) -> str:
    """The Oops header form: 'Not tainted' or 'Tainted: G           O      '.

    As print_tainted(): each flag's letter when set, else a space, but for
    PROPRIETARY_MODULE, whose other letter is 'G' (only GPL-compatible modules).
    """
    if not taints:
        return "Not tainted"
    return "Tainted: " + "".join(
        t.letter if t in taints else "G" if t is Taint.PROPRIETARY_MODULE else " " for t in ORDER
    )


def module_flags(taints: set[Taint]) -> str:
    """The per-module form of /proc/modules: '(PO)' or ''."""
    shown = "".join(t.letter for t in ORDER if t.value[1] and t in taints)
    return f"({shown})" if shown else ""


def mask(taints: set[Taint]) -> int:
    """/proc/sys/kernel/tainted: bit N for the Nth flag of Linux's list."""
    return sum(1 << i for i, t in enumerate(ORDER) if t in taints)
