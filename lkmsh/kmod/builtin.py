"""Built-in modules as kmod 30 sees them: modules.builtin.modinfo's records.

A module compiled into the kernel has no file; the kernel build leaves its
``.modinfo`` strings in ``modules.builtin.modinfo`` as ``NAME.KEY=VALUE``,
NUL-separated. kmod's modinfo shows them (``filename: (builtin)``) and its
lookup finds a built-in module by the aliases recorded there
(``modules.builtin.alias.bin``, which depmod indexes from the same records).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from lkmsh.errors import KernelError
from lkmsh.kmod.modprobecfg import underscores_alias

BUILTIN_MODINFO = "modules.builtin.modinfo"


class BuiltinInfoMissing(KernelError):
    """A module listed as built in has no record at all: kmod's -ENOSYS."""

    errno = errno.ENOSYS


@dataclass
class BuiltinModinfo:
    """One tree's modules.builtin.modinfo; ``present`` is False when the file is absent."""

    strings: list[str] = field(default_factory=list)
    present: bool = False

    @classmethod
    def read(cls, directory: str) -> BuiltinModinfo:
        try:
            with open(os.path.join(directory, BUILTIN_MODINFO), "rb") as f:
                data = f.read()
        except OSError:
            return cls()
        text = data.decode("utf-8", "surrogateescape")
        return cls([s for s in text.split("\0") if s], True)

    def info(self, name: str) -> list[tuple[str, str]]:
        """NAME's (key, value) records as kmod lists them: the first run of strings
        prefixed ``NAME.`` (kmod stops at the next module's), a string without '='
        being a key with an empty value. No file: no records; a file without any
        for NAME: BuiltinInfoMissing (kmod's "Function not implemented")."""
        prefix = name + "."
        out: list[tuple[str, str]] = []
        for s in self.strings:
            if s.startswith(prefix):
                key, _eq, value = s[len(prefix) :].partition("=")
                out.append((key, value))
            elif out:
                break
        if not out and self.present:
            raise BuiltinInfoMissing(f"no modules.builtin.modinfo records for {name}")
        return out

    def aliases(self) -> list[tuple[str, str]]:
        """(normalised alias pattern, module) for every alias depmod indexes in
        modules.builtin.alias.bin (see indexed_records)."""
        return [
            (underscores_alias(value), mod)
            for mod, key, value in indexed_records(self.strings)
            if key == "alias"
        ]

    def lookup_alias(self, alias: str) -> list[str]:
        """The modules whose recorded aliases match ALIAS (wildcards as kmod's), once each."""
        key = underscores_alias(alias)
        found = [mod for pattern, mod in self.aliases() if fnmatchcase(key, pattern)]
        return list(dict.fromkeys(found))


def indexed_records(strings: Iterable[str]) -> Iterator[tuple[str, str, str]]:
    """(module, key, value) as kmod 30's depmod reads modules.builtin.modinfo.

    A string without '=' takes the string after it along (kmod's depmod pairs
    them up), so neither counts: ``a.noeq``, ``a.alias=x`` indexes no alias x
    (modinfo itself reads the strings one by one). Real kernels write '='
    in every record; this only matters for hand-made files.
    """
    skip = False
    for s in strings:
        if not s:
            continue
        if skip:
            skip = False
            continue
        mod, dot, rest = s.partition(".")
        key, eq, value = rest.partition("=")
        if "=" not in s:
            skip = True
        elif mod and dot and eq:
            yield mod, key, value
