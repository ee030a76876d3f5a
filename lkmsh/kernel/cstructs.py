"""The C struct layouts kernel code reads and writes in module memory, declared once.

Kernel API code must not scatter literal offsets: it names a field of a
``CStruct`` declared here (``MODULE.off("init")``), and
tests/kernel/kapi/test_c_contract.py compiles every declaration against
lkmsh's headers with gcc, per architecture (``_Static_assert(offsetof(...))``),
so a header and its Python reader cannot drift apart. Declare a new struct
with ``cstruct(...)`` next to the others, or in the kapi module that owns it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CField:
    """One field of a C struct layout: name, byte offset and size."""

    name: str
    offset: int
    size: int


@dataclass(frozen=True)
class CStruct:
    """``ctype`` as C spells it ("struct module", "spinlock_t"), declared by ``header``."""

    ctype: str
    header: str
    size: int
    fields: tuple[CField, ...]
    #: the architecture ("x86_64", "aarch64") this layout is for; None: every one
    arch: str | None = None

    def field(self, name: str) -> CField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.ctype} has no field {name}")

    def off(self, name: str) -> int:
        return self.field(name).offset


STRUCTS: list[CStruct] = []


def cstruct(
    ctype: str, header: str, size: int, arch: str | None = None, **fields: tuple[int, int]
) -> CStruct:
    """Declare a struct: ``field=(offset, size)`` for every field kernel code touches.

    A nested field is spelled with ``__`` for ``.`` (``f_path__dentry``). A layout
    that differs between architectures (Linux's struct kprobe) is declared once per
    @arch.
    """
    fields_ = tuple(CField(n, o, z) for n, (o, z) in fields.items())
    s = CStruct(ctype, header, size, fields_, arch)
    STRUCTS.append(s)
    return s


#: The module struct modpost emits as __this_module (THIS_MODULE).
MODULE = cstruct(
    "struct module", "linux/module.h", 128, name=(0, 56), init=(56, 8), exit=(64, 8), state=(72, 4)
)
SPINLOCK = cstruct("spinlock_t", "linux/spinlock.h", 8, locked=(0, 4), magic=(4, 4))
MUTEX = cstruct("struct mutex", "linux/mutex.h", 16, locked=(0, 4), magic=(4, 4), owner=(8, 8))
