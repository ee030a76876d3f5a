"""Build lkmsh modules from C or assembly with the host gcc, as kbuild would.

`build_module` compiles each source against lkmsh's own headers (never the
host's), generates the ``NAME.mod.c`` kbuild's modpost would write (name,
vermagic, depends and ``struct module __this_module``), and links everything
with ``ld -r`` into an ET_REL ``.ko`` — or, with ``shared=True``, into an
ET_DYN object. ``python -m lkmsh.build foo.c -o foo.ko`` is a small front
end until the shell's ``lkmsh build`` arrives.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lkmsh.errors import BuildError
from lkmsh.kernel.release import MODULE_NAME_LEN, VERMAGIC

INCLUDE_DIR = Path(__file__).resolve().parent / "include"
LINKER_SCRIPT = INCLUDE_DIR / "module.lds"

C_SUFFIXES = frozenset({".c"})
ASM_SUFFIXES = frozenset({".S", ".s"})

# What Linux's x86-64 Makefiles give module code, minus what needs kernel
# support lkmsh does not model (retpoline thunks, IBT, stack protector canaries).
# What every module is compiled with, on every architecture.
COMMON_CODEGEN = (
    "-O2",
    "-std=gnu11",
    "-ffreestanding",
    "-fno-common",
    "-fno-strict-aliasing",
    "-fno-delete-null-pointer-checks",
    "-fno-stack-protector",
    "-fno-stack-clash-protection",
    "-fno-asynchronous-unwind-tables",
    "-fno-unwind-tables",
    "-fno-omit-frame-pointer",  # frame records (rbp / x29) for Oops call traces
    "-fno-optimize-sibling-calls",  # kbuild adds it with frame pointers: no frame lost to a tail call
    "-fno-jump-tables",
)
X86_64_CODEGEN = (
    *COMMON_CODEGEN,
    "-fcf-protection=none",
    "-falign-jumps=1",
    "-falign-loops=1",
    "-mno-red-zone",
    "-mno-sse",
    "-mno-sse2",
    "-mno-mmx",
    "-mno-3dnow",
    "-mno-avx",
    "-mno-80387",
    "-mno-fp-ret-in-387",
    "-mskip-rax-setup",
)
X86_64_KERNEL_MODEL = ("-fno-pic", "-fno-pie", "-mcmodel=kernel")
X86_64_SHARED_MODEL = ("-fPIC",)

# What Linux's arm64 Makefile gives module code: no FP/SIMD registers, no
# out-of-line atomics (they would call libgcc), no pointer authentication.
AARCH64_CODEGEN = (
    *COMMON_CODEGEN,
    "-mabi=lp64",
    "-mgeneral-regs-only",
    "-mno-outline-atomics",
    "-mbranch-protection=none",
)
# The small code model, as Linux's arm64 modules: ADRP/ADD for addresses
# (+-4 GiB), BL for calls with PLT veneers made by the loader beyond +-128 MiB.
AARCH64_KERNEL_MODEL = ("-fno-pic", "-fno-pie", "-mcmodel=small")
AARCH64_SHARED_MODEL = ("-fPIC",)


@dataclass(frozen=True)
class Toolchain:
    """How one architecture's modules are compiled: the driver and its flags."""

    arch: str
    gcc: str  # the gcc driver's name on PATH
    package: str  # the Debian package that provides it
    codegen: tuple[str, ...]
    kernel_model: tuple[str, ...]
    shared_model: tuple[str, ...]


TOOLCHAINS = {
    "x86_64": Toolchain(
        "x86_64", "gcc", "gcc", X86_64_CODEGEN, X86_64_KERNEL_MODEL, X86_64_SHARED_MODEL
    ),
    "aarch64": Toolchain(
        "aarch64",
        "aarch64-linux-gnu-gcc",
        "gcc-aarch64-linux-gnu",
        AARCH64_CODEGEN,
        AARCH64_KERNEL_MODEL,
        AARCH64_SHARED_MODEL,
    ),
}
_ARCH_ALIASES = {"x86-64": "x86_64", "amd64": "x86_64", "arm64": "aarch64"}

WARNINGS = (
    "-Wall",
    "-Wundef",
    "-Wno-unused-function",
    "-Wno-pointer-sign",  # as kbuild: u8 * and char * buffers mix freely in kernel code
    "-Werror=implicit-function-declaration",
    "-Werror=implicit-int",
    "-Werror=return-type",
    "-Werror=incompatible-pointer-types",
)

_NAME_OK = re.compile(r"[A-Za-z0-9_]+\Z")

SUPPORTED_ARCHES = tuple(TOOLCHAINS)


@dataclass(frozen=True)
class ModuleEntryPoints:
    """Which of the loader's entry names the compiled objects define (as modpost checks)."""

    has_init: bool
    has_exit: bool


def module_name_for(output: Path) -> str:
    """kbuild's KBUILD_MODNAME for an output file: the stem, dashes as underscores."""
    name = Path(output).name
    stem = name[: -len(".ko")] if name.endswith(".ko") else Path(name).stem
    return stem.replace("-", "_")


def toolchain(arch: str) -> Toolchain:
    """The toolchain for @arch ("x86_64", "aarch64", or an alias such as "arm64")."""
    tc = TOOLCHAINS.get(_ARCH_ALIASES.get(arch.lower(), arch.lower()))
    if tc is None:
        known = ", ".join(SUPPORTED_ARCHES)
        raise BuildError(f"unsupported architecture {arch!r} (lkmsh builds {known} modules)")
    return tc


def compile_flags(*, name: str, basename: str, shared: bool, arch: str = "x86_64") -> list[str]:
    """The gcc flags one source of module @name is compiled with."""
    tc = toolchain(arch)
    model = tc.shared_model if shared else tc.kernel_model
    return [
        "-nostdinc",
        "-isystem",
        str(INCLUDE_DIR),
        "-D__KERNEL__",
        "-DMODULE",
        "-D__lkmsh__",
        f'-DKBUILD_MODNAME="{name}"',
        f'-DKBUILD_BASENAME="{basename}"',
        *tc.codegen,
        *model,
        *WARNINGS,
        "-Wa,--noexecstack",
    ]


def generate_mod_c(name: str, entry: ModuleEntryPoints, vermagic: str = VERMAGIC) -> str:
    """The NAME.mod.c modpost would write: modinfo records and __this_module."""
    fields = ["\t.name = KBUILD_MODNAME,"]
    decls = []
    if entry.has_init:
        decls.append("extern int init_module(void);")
        fields.append("\t.init = init_module,")
    if entry.has_exit:
        decls.append("extern void cleanup_module(void);")
        fields.append("\t.exit = cleanup_module,")
    return "\n".join(
        [
            "/* Generated by lkmsh build, as kbuild's modpost writes NAME.mod.c. */",
            "#include <linux/module.h>",
            "",
            f"MODULE_INFO(vermagic, {_c_string(vermagic)});",
            "MODULE_INFO(name, KBUILD_MODNAME);",
            "",
            *decls,
            "",
            "__visible struct module __this_module",
            '__section(".gnu.linkonce.this_module") = {',
            *fields,
            "};",
            "",
            'MODULE_INFO(depends, "");',
            "",
        ]
    )


def build_module(
    sources: Sequence[Path | str],
    output: Path | str,
    *,
    shared: bool = False,
    name: str | None = None,
    extra_cflags: Iterable[str] = (),
    arch: str = "x86_64",
    on_warning: Callable[[str], None] | None = None,
) -> Path:
    """Compile @sources into the module @output and return its path.

    Raises BuildError (with the compiler's stderr as ``.detail``) when gcc is
    missing, a source is missing or of unknown kind, or compiling or linking
    fails. Compiler warnings of a successful build go to @on_warning.
    """
    output = Path(output)
    srcs = [Path(s) for s in sources]
    if not srcs:
        raise BuildError("no source files given")
    name = name if name is not None else module_name_for(output)
    _check_name(name)
    for src in srcs:
        if src.suffix not in C_SUFFIXES | ASM_SUFFIXES:
            raise BuildError(f"{src}: unknown source type (expected .c, .S or .s)")
        if not src.is_file():
            raise BuildError(f"{src}: No such file or directory")
    if not output.parent.is_dir():
        raise BuildError(f"{output.parent}: No such directory")
    gcc = _find_gcc(toolchain(arch))
    extra = list(extra_cflags)

    with tempfile.TemporaryDirectory(prefix="lkmsh-build-") as tmp:
        tmpdir = Path(tmp)
        objects = []
        for i, src in enumerate(srcs):
            obj = tmpdir / f"{i}-{src.stem}.o"
            flags = compile_flags(name=name, basename=src.stem, shared=shared, arch=arch)
            if src.suffix in ASM_SUFFIXES:
                flags.insert(0, "-D__ASSEMBLY__")
            _run(gcc, [*flags, *extra, "-c", str(src), "-o", str(obj)], f"{src}", on_warning)
            objects.append(obj)

        mod_c = tmpdir / f"{name}.mod.c"
        mod_c.write_text(generate_mod_c(name, _entry_points(objects)))
        mod_o = tmpdir / f"{name}.mod.o"
        flags = compile_flags(name=name, basename=f"{name}.mod", shared=shared, arch=arch)
        _run(gcc, [*flags, "-c", str(mod_c), "-o", str(mod_o)], f"{name}.mod.c", on_warning)

        linked = tmpdir / f"{name}.ko"
        relocatable = tmpdir / f"{name}.r.o" if shared else linked
        _run(
            gcc,
            ["-nostdlib", "-r", "-T", str(LINKER_SCRIPT), "-o", str(relocatable)]
            + [str(o) for o in objects]
            + [str(mod_o)],
            "link",
            on_warning,
        )
        if shared:
            _run(
                gcc,
                [
                    "-nostdlib",
                    "-shared",
                    "-Wl,-Bsymbolic",
                    "-Wl,-z,noexecstack",
                    "-Wl,--build-id=none",
                    "-o",
                    str(linked),
                    str(relocatable),
                ],
                "link",
                on_warning,
            )
        _install(linked, output)
    return output


def _check_name(name: str) -> None:
    if not _NAME_OK.match(name):
        raise BuildError(f"invalid module name {name!r} (letters, digits and '_' only)")
    if len(name) >= MODULE_NAME_LEN:
        raise BuildError(f"module name {name!r} is longer than {MODULE_NAME_LEN - 1} characters")


def _find_gcc(tc: Toolchain) -> str:
    """The compiler driver for @tc: the host gcc, or a cross gcc (the host's own on arm64)."""
    names = [tc.gcc]
    if tc.arch != "x86_64" and platform.machine().lower() in (tc.arch, *_aliases_of(tc.arch)):
        names.append("gcc")
    for name in names:
        gcc = shutil.which(name)
        if gcc is not None:
            return gcc
    if tc.arch == "x86_64":
        raise BuildError("gcc not found on PATH: lkmsh build needs the host gcc and binutils")
    raise BuildError(
        f"{tc.gcc} not found on PATH: building {tc.arch} modules needs the cross compiler"
        f" from Debian's {tc.package} package (apt-get install {tc.package})"
    )


def _aliases_of(arch: str) -> tuple[str, ...]:
    return tuple(alias for alias, name in _ARCH_ALIASES.items() if name == arch)


def cross_compiler_available(arch: str) -> bool:
    """Can modules for @arch be built here? (Tests skip on False.)"""
    try:
        _find_gcc(toolchain(arch))
    except BuildError:
        return False
    return True


def _run(gcc: str, args: list[str], what: str, on_warning: Callable[[str], None] | None) -> None:
    try:
        proc = subprocess.run([gcc, *args], capture_output=True, text=True, errors="replace")
    except OSError as exc:
        raise BuildError(f"cannot run {gcc}: {exc.strerror}") from exc
    if proc.returncode != 0:
        err = BuildError(f"{what}: {_first_error(proc.stderr)}")
        err.detail = proc.stderr
        raise err
    if proc.stderr.strip() and on_warning is not None:
        on_warning(proc.stderr)


def _first_error(stderr: str) -> str:
    """The line of compiler output a user needs first."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for marker in ("error:", "fatal error:", "undefined reference"):
        for ln in lines:
            if marker in ln:
                return ln
    return lines[-1] if lines else "compiler failed without a message"


def _entry_points(objects: Sequence[Path]) -> ModuleEntryPoints:
    """Does any object define init_module / cleanup_module? (modpost's has_init/has_cleanup)."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile

    defined: set[str] = set()
    for obj in objects:
        try:
            with obj.open("rb") as fh:
                symtab = ELFFile(fh).get_section_by_name(".symtab")
                if symtab is None:
                    continue
                for sym in symtab.iter_symbols():
                    if sym["st_shndx"] != "SHN_UNDEF" and sym.name in (
                        "init_module",
                        "cleanup_module",
                    ):
                        defined.add(sym.name)
        except ELFError as exc:
            raise BuildError(f"{obj.name}: unreadable object from gcc: {exc}") from exc
    return ModuleEntryPoints("init_module" in defined, "cleanup_module" in defined)


def _install(built: Path, output: Path) -> None:
    """Move the finished module into place atomically (no half-written .ko)."""
    staging = output.with_name(f".{output.name}.lkmsh-tmp")
    try:
        shutil.copyfile(built, staging)
        os.replace(staging, output)
    except OSError as exc:
        staging.unlink(missing_ok=True)
        raise BuildError(f"{output}: {exc.strerror}") from exc


def _c_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m lkmsh.build SRC... -o OUT.ko [--shared]``: exit 0 or 1, as make expects."""
    parser = argparse.ArgumentParser(
        prog="python -m lkmsh.build", description="Build an lkmsh kernel module with gcc."
    )
    parser.add_argument("sources", nargs="+", type=Path, help="C (.c) or assembly (.S) sources")
    parser.add_argument("-o", "--output", type=Path, help="the module file (default: FIRST.ko)")
    parser.add_argument("--shared", action="store_true", help="build an ET_DYN module")
    parser.add_argument(
        "--arch", default="x86_64", help="target architecture: x86_64 (default) or aarch64"
    )
    parser.add_argument("--name", help="module name (default: output stem, '-' as '_')")
    parser.add_argument(
        "--cflags", default="", help="extra compiler flags, space separated (e.g. '-DDEBUG')"
    )
    args = parser.parse_args(argv)
    output = args.output or args.sources[0].with_suffix(".ko")
    try:
        build_module(
            args.sources,
            output,
            shared=args.shared,
            name=args.name,
            extra_cflags=args.cflags.split(),
            arch=args.arch,
            on_warning=lambda text: sys.stderr.write(text),
        )
    except BuildError as exc:
        print(f"lkmsh build: ERROR: {exc.message}", file=sys.stderr)
        if exc.detail:
            sys.stderr.write(exc.detail if exc.detail.endswith("\n") else exc.detail + "\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
