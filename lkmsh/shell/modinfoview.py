"""modinfo's view with built-in modules, printed as kmod 30's modinfo prints them.

A built-in module has no file: kmod prints ``name:`` first, ``filename:
(builtin)``, then its modules.builtin.modinfo records (``-F name`` gives the
name alone, ``-F filename``/``-n`` gives ``(builtin)``). Everything else is
render.modinfo_text's.
"""

from __future__ import annotations

from typing import Any

from lkmsh.shell.render import ModinfoEntry, ModinfoView, modinfo_text

BUILTIN_FILENAME = "(builtin)"


class BuiltinModinfoEntry(ModinfoEntry):
    """A module compiled into the kernel: ``filename`` is ``(builtin)``."""

    _fields = ("filename", "info", "name")

    def __init__(self, filename: str, info: list[tuple[str, str]] | None, name: str = ""):
        super().__init__(filename, info)
        self.name = name


def builtin_entry(name: str, info: list[tuple[str, str]] | None) -> BuiltinModinfoEntry:
    return BuiltinModinfoEntry(BUILTIN_FILENAME, info, name)


class TreeModinfoView(ModinfoView):
    """ModinfoView that also knows kmod's lines for built-in modules."""

    def plain(self) -> str:
        sep = "\0" if self.null else "\n"
        out = []
        for e in self.entries:
            if isinstance(e, BuiltinModinfoEntry):
                if self.field == "name":
                    out.append(e.name + sep)
                    continue
                if self.field is None:
                    out.append(f"{'name:':<16}{e.name}{sep}")
            out.append(modinfo_text(e, self.field, sep, self.warnings))
        return "".join(out)

    def to_json(self) -> Any:
        out = super().to_json()
        for e, item in zip(self.entries, out, strict=True):
            if isinstance(e, BuiltinModinfoEntry):
                item["name"] = e.name
                item["builtin"] = True
        return out

    def rich(self, console: Any) -> None:
        if any(isinstance(e, BuiltinModinfoEntry) for e in self.entries):
            console.file.write(self.plain())  # kmod's layout says which module is built in
            return
        super().rich(console)
