"""What kbuild's modpost checks and adds, over a module's compiled objects.

modpost reads every object of a module (before the final link): the symbols
it defines, the symbols it leaves undefined, its exports (``__ksymtab_NAME``
labels, GPL-only ones in ``___ksymtab_gpl+NAME`` sections) and its
``.modinfo`` records. From those it:

- fails a module without ``MODULE_LICENSE()`` (``ERROR: modpost: missing
  MODULE_LICENSE() in foo.o``),
- warns of each undefined symbol nothing exports (``WARNING: modpost: "sym"
  [foo.ko] undefined!``): not the kernel, not another module of the build,
  not a ``Module.symvers`` it was given (``KBUILD_EXTRA_SYMBOLS``),
- fills ``depends=`` with the modules whose exports it uses,
- writes ``Module.symvers``: ``CRC<tab>symbol<tab>module<tab>EXPORT_SYMBOL[_GPL]<tab>namespace``
  (CRCs are 0x00000000: lkmsh's kernel has no CONFIG_MODVERSIONS).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lkmsh.errors import BuildError
from lkmsh.kernel.module import license_is_gpl_compatible


@dataclass
class ModuleFacts:
    """What modpost learns from one module's objects."""

    name: str
    defined: set[str] = field(default_factory=set)
    undefined: set[str] = field(default_factory=set)
    exports: dict[str, bool] = field(default_factory=dict)  # name -> GPL-only
    modinfo: list[tuple[str, str]] = field(default_factory=list)

    @property
    def has_init(self) -> bool:
        return "init_module" in self.defined

    @property
    def has_exit(self) -> bool:
        return "cleanup_module" in self.defined

    def info(self, key: str) -> str | None:
        return next((v for k, v in self.modinfo if k == key), None)


@dataclass(frozen=True)
class Export:
    """One line of Module.symvers."""

    name: str
    module: str  # the module's path without .ko, as kbuild writes it
    gpl: bool
    namespace: str = ""
    crc: int = 0

    def line(self) -> str:
        kind = "EXPORT_SYMBOL_GPL" if self.gpl else "EXPORT_SYMBOL"
        return f"0x{self.crc:08x}\t{self.name}\t{self.module}\t{kind}\t{self.namespace}\n"


def object_facts(name: str, objects: Sequence[Path]) -> ModuleFacts:
    """Read @objects (ELF relocatable files from the compiler) as modpost does."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile

    facts = ModuleFacts(name)
    gpl_labels: set[str] = set()
    for obj in objects:
        try:
            with obj.open("rb") as fh:
                elf = ELFFile(fh)
                for sec in elf.iter_sections():
                    if sec.name.startswith("___ksymtab_gpl+"):
                        gpl_labels.add(sec.name.partition("+")[2])
                    elif sec.name == ".modinfo":
                        facts.modinfo += _records(sec.data())
                symtab = elf.get_section_by_name(".symtab")
                for sym in symtab.iter_symbols() if symtab is not None else ():
                    if not sym.name or sym["st_info"]["type"] in ("STT_SECTION", "STT_FILE"):
                        continue
                    if sym.name.startswith("__ksymtab_"):
                        facts.exports[sym.name.removeprefix("__ksymtab_")] = False
                    if sym["st_shndx"] == "SHN_UNDEF":
                        facts.undefined.add(sym.name)
                    elif sym["st_info"]["bind"] != "STB_LOCAL":
                        facts.defined.add(sym.name)
        except (ELFError, OSError) as exc:
            raise BuildError(f"{obj.name}: unreadable object from the compiler: {exc}") from exc
    for sym in gpl_labels & facts.exports.keys():
        facts.exports[sym] = True
    # a symbol one object of the module defines is no import of the module
    facts.undefined -= facts.defined
    linker_made = ("__kstrtab", "__this_", "_GLOBAL_OFFSET_TABLE_")
    facts.undefined = {s for s in facts.undefined if not s.startswith(linker_made)}
    return facts


def _records(data: bytes) -> list[tuple[str, str]]:
    out = []
    for rec in data.split(b"\0"):
        key, eq, value = rec.decode("utf-8", "replace").partition("=")
        if eq:
            out.append((key, value))
    return out


def kernel_exports() -> dict[str, bool]:
    """Every symbol lkmsh's kernel exports, and whether it is GPL-only (its Module.symvers):
    the kernel API's slots and data, and the kernel library's C functions (memcpy, sort...),
    exported as the kernel exports them at boot (GPL-only where Linux's are)."""
    from lkmsh.kernel import klib
    from lkmsh.kernel.kapi import registry

    exports = {f.name: f.gpl for f in registry.kapi_names()}
    exports.update((d.name, d.gpl) for d in registry.kdata_table())
    for arch in klib.ARCHES:
        img = klib.image(arch)
        for sym in img.symbols if img is not None else ():
            exports.setdefault(sym.name, sym.name in klib.GPL_ONLY)
    return exports


def read_symvers(path: Path) -> list[Export]:
    """A Module.symvers file (kbuild's format; 5 tab-separated fields, namespace may be empty)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise BuildError(f"{path}: {exc.strerror}") from exc
    out = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) < 4 or not parts[3].startswith("EXPORT_SYMBOL"):
            raise BuildError(f"{path}:{lineno}: not a Module.symvers line")
        crc = int(parts[0], 16) if parts[0].startswith("0x") else 0
        ns = parts[4] if len(parts) > 4 else ""
        out.append(Export(parts[1], parts[2], parts[3].endswith("_GPL"), ns, crc))
    return out


def exports_of_dir(directory: Path) -> list[Export]:
    """``-M DIR``: its Module.symvers when it has one, else the exports of its .ko files."""
    symvers = directory / "Module.symvers"
    if symvers.is_file():
        return read_symvers(symvers)
    if not directory.is_dir():
        raise BuildError(f"{directory}: No such directory")
    from lkmsh.elf import ElfFile
    from lkmsh.errors import ElfError

    out = []
    for ko in sorted(directory.glob("*.ko")):
        try:
            elf = ElfFile(ko.read_bytes())
        except (OSError, ElfError):
            continue  # not a module modpost could read: nothing to export
        out += [Export(e.name, str(ko.with_suffix("")), e.gpl) for e in elf.exports]
    return out


def write_symvers(path: Path, exports: Iterable[Export]) -> None:
    """Module.symvers, sorted by symbol name as modpost writes it."""
    lines = sorted({e.name: e for e in exports}.values(), key=lambda e: e.name)
    path.write_text("".join(e.line() for e in lines))


@dataclass
class Verdict:
    """modpost's answer for one module: what goes into its .mod.c, and its warnings."""

    depends: list[str]
    warnings: list[str]


def check(
    facts: ModuleFacts,
    *,
    ko_name: str,
    obj_name: str,
    providers: dict[str, Export],
    kernel: dict[str, bool],
) -> Verdict:
    """modpost's checks of one module against what the kernel and other modules export.

    @providers maps a symbol to the export of another module (this build's
    modules and the given Module.symvers); @ko_name and @obj_name are the
    names modpost's messages use; @kernel maps the kernel's exports to
    whether they are GPL-only. A module whose license is not GPL-compatible
    using a GPL-only symbol is an error for each such symbol, as modpost's
    check_exports().
    """
    license = facts.info("license")
    if license is None:
        raise BuildError(f"modpost: missing MODULE_LICENSE() in {obj_name}")
    gpl_ok = license_is_gpl_compatible(license)
    depends: list[str] = []
    warnings = []
    gpl_only: list[str] = []
    for sym in sorted(facts.undefined):
        if sym in kernel:
            if kernel[sym] and not gpl_ok:
                gpl_only.append(sym)
            continue
        export = providers.get(sym)
        if export is None:
            warnings.append(f'WARNING: modpost: "{sym}" [{ko_name}] undefined!')
            continue
        if export.gpl and not gpl_ok:
            gpl_only.append(sym)
        dep = Path(export.module).name.replace("-", "_")
        if dep != facts.name and dep not in depends:
            depends.append(dep)
    if gpl_only:
        base = Path(ko_name).name
        errors = [
            f"modpost: GPL-incompatible module {base} uses GPL-only symbol '{sym}'"
            for sym in gpl_only
        ]
        err = BuildError(errors[0])
        err.detail = "".join(f"ERROR: {e}\n" for e in errors[1:])
        raise err
    return Verdict(depends, warnings)
