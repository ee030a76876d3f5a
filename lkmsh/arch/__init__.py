"""Per-architecture pieces, looked up by name or ELF e_machine.

Architectures load lazily so that naming one costs nothing for the others.
"""

from __future__ import annotations

import importlib

from lkmsh.arch.base import Arch, RelocContext, RelocType
from lkmsh.errors import ElfError

__all__ = ["Arch", "RelocContext", "RelocType", "get_arch", "supported_arches"]

# name -> (module, attribute, ELF machine)
_REGISTRY: dict[str, tuple[str, str, int]] = {
    "x86_64": ("lkmsh.arch.x86_64", "X86_64", 62),
    "aarch64": ("lkmsh.arch.aarch64", "AARCH64", 183),
}
_ALIASES = {"x86-64": "x86_64", "amd64": "x86_64", "arm64": "aarch64"}
_KNOWN_MACHINES = {62: "x86_64", 183: "aarch64", 3: "i386", 40: "arm", 243: "riscv"}


def supported_arches() -> list[str]:
    return sorted(_REGISTRY)


def get_arch(name_or_machine: str | int) -> Arch:
    """The Arch for a name ("x86_64") or an ELF machine number (62)."""
    if isinstance(name_or_machine, int):
        for name, (_mod, _attr, machine) in _REGISTRY.items():  # noqa: B007
            if machine == name_or_machine:
                break
        else:
            known = _KNOWN_MACHINES.get(name_or_machine, "unknown")
            raise ElfError(f"unsupported architecture: ELF machine {name_or_machine} ({known})")
    else:
        name = _ALIASES.get(name_or_machine.lower(), name_or_machine.lower())
        if name not in _REGISTRY:
            raise ElfError(f"unsupported architecture: {name_or_machine}")
    module, attr, _ = _REGISTRY[name]
    return getattr(importlib.import_module(module), attr)
