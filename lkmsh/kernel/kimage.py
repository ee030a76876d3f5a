"""Where each kernel API function and data symbol sits in kernel text and data.

Module images hold the addresses they were linked against, so a saved kernel
must come back with every function in the slot it had. A fresh kernel lays
the table out in name order; the layout (name -> address) is saved with the
state, and a later lkmsh version that added functions restores the saved
slots and appends the new ones after them. What cannot be carried over is a
function or data symbol that a loaded module uses and this version no longer
has (or whose size changed): that state is refused, naming what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lkmsh.errors import REBOOT_HINT, StateError
from lkmsh.kernel.kapi.registry import KapiData, KapiName
from lkmsh.kernel.layout import KERNEL_DATA_BASE, KERNEL_TEXT_BASE

SLOT_SIZE = 16  # bytes per kernel API slot in kernel text (Arch.trap_slot fills one)

#: the trampoline kretprobes return through, by architecture (Linux 6.1's names)
TRAMPOLINE = {"x86_64": "arch_rethook_trampoline", "aarch64": "__kretprobe_trampoline"}
#: kernel text that is not an export: only kprobes and kallsyms name it
KERNEL_ONLY = (
    *TRAMPOLINE.values(),
    "kernel_clone",
    "cmdline_proc_show",  # fs/proc/cmdline.c's, behind /proc/cmdline (livepatch-sample.c)
    "meminfo_proc_show",  # fs/proc/meminfo.c's, behind /proc/meminfo (test_klp_atomic_replace.c)
    "_request_firmware",  # the firmware loader's, for klib/firmware.c's worker
    "kallsyms_lookup_name",
    "stack_trace_save_regs",
    "warn_slowpath_fmt",  # the kernel library's WARN (kapi/printk.py): x86 and arm64 trap
)
HINT = REBOOT_HINT


def _align8(n: int) -> int:
    return (n + 7) // 8 * 8


@dataclass
class KernelImage:
    """Function slots, the return slot and data addresses (all absolute)."""

    text: dict[str, int] = field(default_factory=dict)
    return_slot: int = 0
    data: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (addr, size)

    @property
    def text_end(self) -> int:
        return max([self.return_slot, *self.text.values()]) + SLOT_SIZE

    @property
    def data_end(self) -> int:
        ends = [a + _align8(s) for a, s in self.data.values()]
        return max(ends, default=KERNEL_DATA_BASE)

    @classmethod
    def fresh(cls, funcs: list[KapiName], data: list[KapiData]) -> KernelImage:
        img = cls()
        for i, f in enumerate(funcs):
            img.text[f.name] = KERNEL_TEXT_BASE + i * SLOT_SIZE
        img.return_slot = KERNEL_TEXT_BASE + len(funcs) * SLOT_SIZE
        at = KERNEL_DATA_BASE
        for d in data:
            img.data[d.name] = (at, d.size)
            at += _align8(d.size)
        return img

    def extended(self, funcs: list[KapiName], data: list[KapiData]) -> KernelImage:
        """This (saved) layout for the names it has, new names appended after it."""
        img = KernelImage(
            {f.name: self.text[f.name] for f in funcs if f.name in self.text},
            self.return_slot,
            {
                d.name: self.data[d.name]
                for d in data
                if d.name in self.data and self.data[d.name][1] == d.size
            },
        )
        at = self.text_end
        for f in funcs:
            if f.name not in img.text:
                img.text[f.name] = at
                at += SLOT_SIZE
        at = max(self.data_end, img.data_end)
        for d in data:
            if d.name not in img.data:
                img.data[d.name] = (at, d.size)
                at += _align8(d.size)
        return img

    def to_data(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "return_slot": self.return_slot,
            "data": {n: list(v) for n, v in self.data.items()},
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> KernelImage:
        try:
            return cls(
                {str(n): int(a) for n, a in data["text"].items()},
                int(data["return_slot"]),
                {str(n): (int(v[0]), int(v[1])) for n, v in data["data"].items()},
            )
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            raise StateError(f"state file is corrupt: bad kernel image layout ({HINT})") from None


def check_carried_over(saved: KernelImage, now: KernelImage, used: dict[str, set[str]]) -> None:
    """Refuse a restore where a loaded module uses what this version lacks (or moved).

    ``used`` maps each loaded module to the symbol names its relocations name.
    """
    for module, names in sorted(used.items()):
        for name in sorted(names):
            if name in saved.text and now.text.get(name) != saved.text[name]:
                raise StateError(
                    f"the saved kernel's module {module} uses kernel function {name}, which "
                    f"this lkmsh version does not have ({HINT})"
                )
            if name in saved.data and now.data.get(name) != saved.data[name]:
                raise StateError(
                    f"the saved kernel's module {module} uses kernel data {name}, which this "
                    f"lkmsh version lays out differently ({HINT})"
                )
