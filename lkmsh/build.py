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
from dataclasses import dataclass, field
from pathlib import Path

from lkmsh.errors import BuildError
from lkmsh.kernel.release import MODULE_NAME_LEN, VERMAGIC
from lkmsh.modpost import Export, ModuleFacts, check, kernel_exports, object_facts
from lkmsh.sumversion import read_depfile, srcversion

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
    "-fshort-wchar",
    "-fno-strict-aliasing",
    "-fno-strict-overflow",
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

# Linux 6.1's top Makefile and scripts/Makefile.extrawarn (W= unset): the
# warnings a kbuild build gives, and the ones it turns into errors.
WARNINGS = (
    "-Wall",
    "-Wundef",
    "-Werror=strict-prototypes",
    "-Wno-trigraphs",
    "-Werror=implicit-function-declaration",
    "-Werror=implicit-int",
    "-Werror=return-type",
    "-Wno-format-security",
    "-Wno-pointer-sign",
    "-Werror=date-time",
    "-Werror=incompatible-pointer-types",
    "-Wdeclaration-after-statement",
    "-Wvla",
    "-Wno-unused-but-set-variable",
    "-Wno-unused-const-variable",
)
GCC_WARNINGS = (
    "-Werror=designated-init",
    "-Wno-frame-address",
    "-Wno-format-truncation",
    "-Wno-format-overflow",
    "-Wno-address-of-packed-member",
    "-Wimplicit-fallthrough=5",
    "-Wno-main",
    "-Wno-dangling-pointer",
    "-Wno-array-bounds",
    "-Wno-maybe-uninitialized",  # the top Makefile: "Enabled with W=2, disabled by default"
)
CLANG_WARNINGS = (
    "-Wno-gnu",
    "-Wno-initializer-overrides",
    "-Wno-format",
    "-Wno-sign-compare",
    "-Wno-format-zero-length",
    "-Wno-pointer-to-enum-cast",
    "-Wno-tautological-constant-out-of-range-compare",
    "-Wno-unused-command-line-argument",
)
# CONFIG_INIT_STACK_ALL_ZERO (Debian's choice, in <generated/autoconf.h>): kbuild
# zeroes every automatic variable. -fno-ipa-ra: Linux builds with CONFIG_FUNCTION_TRACER
# (-pg), under which gcc turns interprocedural register allocation off, so a caller
# never counts on a callee in its file leaving registers alone; a live patch (or an
# ftrace or kprobe handler) that replaces the callee relies on that (lkmsh has no -pg).
GCC_CODEGEN = ("-ftrivial-auto-var-init=zero", "-fno-ipa-ra")
GCC_ONLY_CODEGEN = frozenset(
    {"-falign-jumps=1", "-falign-loops=1", "-mabi=lp64", "-fno-stack-clash-protection"}
)
CLANG_TARGETS = {"x86_64": "x86_64-linux-gnu", "aarch64": "aarch64-linux-gnu"}
COMPILERS = ("gcc", "clang")

_NAME_OK = re.compile(r"[A-Za-z0-9_]+\Z")

SUPPORTED_ARCHES = tuple(TOOLCHAINS)


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


def compile_flags(
    *, name: str, basename: str, shared: bool, arch: str = "x86_64", cc: str = "gcc"
) -> list[str]:
    """The flags one source of module @name is compiled with by @cc (gcc or clang)."""
    tc = toolchain(arch)
    model = tc.shared_model if shared else tc.kernel_model
    if cc == "clang":
        codegen = [f for f in tc.codegen if f not in GCC_ONLY_CODEGEN]
        target, warnings = [f"--target={CLANG_TARGETS[tc.arch]}"], CLANG_WARNINGS
    else:
        codegen, target, warnings = [*tc.codegen, *GCC_CODEGEN], [], GCC_WARNINGS
    return [
        *target,
        "-nostdinc",
        "-isystem",
        str(INCLUDE_DIR),
        # "../mm/slab.h" (lib/slub_kunit.c's) finds the allocator's internal header,
        # as a kernel tree's lib/ does
        "-iquote",
        str(INCLUDE_DIR / "mm"),
        "-include",
        str(INCLUDE_DIR / "linux" / "kconfig.h"),  # as kbuild's LINUXINCLUDE
        "-D__KERNEL__",
        "-DMODULE",
        "-D__lkmsh__",
        f'-DKBUILD_MODNAME="{name}"',
        f'-DKBUILD_BASENAME="{basename}"',
        *codegen,
        *model,
        *WARNINGS,
        *warnings,
        "-Wa,--noexecstack",
    ]


def generate_mod_c(
    name: str,
    facts: ModuleFacts,
    vermagic: str = VERMAGIC,
    *,
    depends: Sequence[str] = (),
    info: Sequence[tuple[str, str]] = (),
    srcversion: str | None = None,
) -> str:
    """The NAME.mod.c modpost would write: modinfo records and __this_module.

    Records are in modpost's order (modinfo lists them last to first:
    srcversion, depends, retpoline, name, vermagic).
    """
    fields = ["\t.name = KBUILD_MODNAME,"]
    decls = []
    if facts.has_init:
        decls.append("extern int init_module(void);")
        fields.append("\t.init = init_module,")
    if facts.has_exit:
        decls.append("extern void cleanup_module(void);")
        fields.append("\t.exit = cleanup_module,")
    return "\n".join(
        [
            "/* Generated by lkmsh build, as kbuild's modpost writes NAME.mod.c. */",
            "#include <linux/module.h>",
            "",
            f"MODULE_INFO(vermagic, {_c_string(vermagic)});",
            "MODULE_INFO(name, KBUILD_MODNAME);",
            *(f"MODULE_INFO({k}, {_c_string(v)});" for k, v in info),
            "",
            *decls,
            "",
            "__visible struct module __this_module",
            '__section(".gnu.linkonce.this_module") = {',
            *fields,
            "};",
            "",
            f"MODULE_INFO(depends, {_c_string(','.join(depends))});",
            *([f"MODULE_INFO(srcversion, {_c_string(srcversion)});"] if srcversion else []),
            "",
        ]
    )


@dataclass
class ModuleSpec:
    """One module of a build: its name, sources, output file and own compiler flags."""

    name: str
    sources: list[Path]
    output: Path
    cflags: list[str] = field(default_factory=list)


@dataclass
class BuildOptions:
    """How a build compiles and what modpost may link against."""

    shared: bool = False
    extra_cflags: Sequence[str] = ()
    arch: str = "x86_64"
    cc: str = "gcc"  # or "clang" (--target for the arch), as kbuild's CC=clang
    llvm: bool = False  # kbuild's LLVM=1: clang and ld.lld
    extra_symbols: Sequence[Export] = ()  # Module.symvers of other builds (-M, --symvers)
    color: bool = False  # the compiler's colours (a terminal reads the diagnostics)
    on_warning: Callable[[str], None] | None = None


def build_module(
    sources: Sequence[Path | str],
    output: Path | str,
    *,
    shared: bool = False,
    name: str | None = None,
    extra_cflags: Iterable[str] = (),
    arch: str = "x86_64",
    on_warning: Callable[[str], None] | None = None,
    cc: str = "gcc",
) -> Path:
    """Compile @sources into the module @output and return its path.

    Raises BuildError (with the compiler's stderr as ``.detail``) when the
    compiler is missing, a source is missing or of unknown kind, compiling or
    linking fails, or modpost refuses the module. Compiler and modpost
    warnings of a successful build go to @on_warning.
    """
    output = Path(output)
    spec = ModuleSpec(
        name if name is not None else module_name_for(output), list(map(Path, sources)), output
    )
    opts = BuildOptions(shared, list(extra_cflags), arch, cc, on_warning=on_warning)
    (built,) = build_modules([spec], opts)
    return built


def build_modules(specs: Sequence[ModuleSpec], opts: BuildOptions) -> list[Path]:
    """Build several modules as one kbuild run: each may use the others' exports.

    Every module is compiled first, then modpost checks them all against the
    kernel's exports, each other's and ``opts.extra_symbols`` (filling
    ``depends=``), then each is linked. Returns the output files, in order.
    """
    if not specs:
        raise BuildError("no modules to build")
    for spec in specs:
        _check_spec(spec)
    cc = _find_cc(toolchain(opts.arch), _kind(opts))
    if opts.llvm and shutil.which("ld.lld") is None:
        raise BuildError("LLVM=1 links with ld.lld, which is not on PATH (install lld)")
    use_lld = _links_with_lld(opts)
    with tempfile.TemporaryDirectory(prefix="lkmsh-build-") as tmp:
        tmpdir = Path(tmp)
        objects = {s.name: _compile_sources(cc, s, opts, tmpdir / s.name) for s in specs}
        facts = {s.name: object_facts(s.name, objects[s.name]) for s in specs}
        providers = {e.name: e for e in opts.extra_symbols}
        for s in specs:
            module_path = str(s.output.with_suffix("").resolve())
            providers.update(
                (sym, Export(sym, module_path, gpl)) for sym, gpl in facts[s.name].exports.items()
            )
        kernel = kernel_exports()
        built = []
        for s in specs:
            f = facts[s.name]
            verdict = check(
                f,
                ko_name=f"{s.output.with_suffix('')}.ko",
                obj_name=f"{s.output.with_suffix('')}.o",
                providers=providers,
                kernel=kernel,
            )
            if verdict.warnings and opts.on_warning is not None:
                opts.on_warning("".join(w + "\n" for w in verdict.warnings))
            # x86-64 kernels built with CONFIG_RETPOLINE mark their modules
            info = [("retpoline", "Y")] if opts.arch == "x86_64" else []
            version = _srcversion(objects[s.name]) if f.info("version") else None
            mod_c = generate_mod_c(
                s.name, f, depends=verdict.depends, info=info, srcversion=version
            )
            built.append(_link(cc, s, opts, objects[s.name], mod_c, tmpdir / s.name, use_lld))
    return built


def _check_spec(spec: ModuleSpec) -> None:
    _check_name(spec.name)
    if not spec.sources:
        raise BuildError("no source files given")
    for src in spec.sources:
        if src.suffix not in C_SUFFIXES | ASM_SUFFIXES:
            raise BuildError(f"{src}: unknown source type (expected .c, .S or .s)")
        if not src.is_file():
            raise BuildError(f"{src}: No such file or directory")
    if not spec.output.parent.is_dir():
        raise BuildError(f"{spec.output.parent}: No such directory")


def _flags(spec: ModuleSpec, opts: BuildOptions, basename: str) -> list[str]:
    flags = compile_flags(
        name=spec.name, basename=basename, shared=opts.shared, arch=opts.arch, cc=_kind(opts)
    )
    if opts.color:
        flags.append("-fdiagnostics-color=always")
    return flags


def _kind(opts: BuildOptions) -> str:
    return "clang" if opts.llvm else opts.cc


def _links_with_lld(opts: BuildOptions) -> bool:
    """LLVM=1 links with ld.lld; so does clang where the target has no GNU ld (macOS, a
    host without the cross binutils), as long as ld.lld is there."""
    if opts.llvm or _kind(opts) != "clang":
        return opts.llvm
    arch = toolchain(opts.arch).arch
    native = platform.machine().lower() in (arch, *_aliases_of(arch))
    gnu_ld = [f"{CLANG_TARGETS[arch]}-ld", *(["ld"] if native else [])]
    if any(shutil.which(ld) for ld in gnu_ld):
        return False
    if shutil.which("ld.lld") is None:
        raise BuildError(
            f"clang needs a linker for {arch} modules: {gnu_ld[0]} (GNU binutils)"
            " or ld.lld (Debian's lld package)"
        )
    return True


def _compile_sources(cc: str, spec: ModuleSpec, opts: BuildOptions, tmpdir: Path) -> list[Path]:
    tmpdir.mkdir()
    objects = []
    for i, src in enumerate(spec.sources):
        obj = tmpdir / f"{i}-{src.stem}.o"
        flags = _flags(spec, opts, src.stem)
        if src.suffix in ASM_SUFFIXES:
            flags.insert(0, "-D__ASSEMBLY__")
        # kbuild's -I$(src): a trace header's define_trace.h finds it by its path
        extra = ["-I", str(src.resolve().parent), *opts.extra_cflags, *spec.cflags]
        depfile = ["-MMD", "-MF", str(obj.with_suffix(".d"))]  # kbuild's, for srcversion
        _run(
            cc,
            [*flags, *extra, *depfile, "-c", str(src), "-o", str(obj)],
            str(src),
            opts.on_warning,
        )
        objects.append(obj)
    return objects


def _srcversion(objects: Sequence[Path]) -> str:
    """modpost's srcversion from the sources and local headers the compiler read."""
    try:
        return srcversion(read_depfile(o.with_suffix(".d").read_text()) for o in objects)
    except (OSError, ValueError) as exc:
        raise BuildError(f"modpost: cannot compute srcversion: {exc}") from exc


def _link(
    cc: str,
    spec: ModuleSpec,
    opts: BuildOptions,
    objects: list[Path],
    mod_c_text: str,
    tmpdir: Path,
    use_lld: bool = False,
) -> Path:
    name = spec.name
    mod_c = tmpdir / f"{name}.mod.c"
    mod_c.write_text(mod_c_text)
    mod_o = tmpdir / f"{name}.mod.o"
    flags = _flags(spec, opts, f"{name}.mod")
    _run(cc, [*flags, "-c", str(mod_c), "-o", str(mod_o)], f"{name}.mod.c", opts.on_warning)
    target = (
        [f"--target={CLANG_TARGETS[toolchain(opts.arch).arch]}"] if _kind(opts) == "clang" else []
    )
    if use_lld:
        target.append("-fuse-ld=lld")
    linked = tmpdir / f"{name}.ko"
    relocatable = tmpdir / f"{name}.r.o" if opts.shared else linked
    _run(
        cc,
        [*target, "-nostdlib", "-r", "-T", str(LINKER_SCRIPT), "-o", str(relocatable)]
        + [str(o) for o in objects]
        + [str(mod_o)],
        "link",
        opts.on_warning,
    )
    if opts.shared:
        _run(
            cc,
            [
                *target,
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
            opts.on_warning,
        )
    _install(linked, spec.output)
    return spec.output


def _check_name(name: str) -> None:
    if not _NAME_OK.match(name):
        raise BuildError(f"invalid module name {name!r} (letters, digits and '_' only)")
    if len(name) >= MODULE_NAME_LEN:
        raise BuildError(f"module name {name!r} is longer than {MODULE_NAME_LEN - 1} characters")


def _find_cc(tc: Toolchain, cc: str = "gcc") -> str:
    """The compiler driver: clang (any target), else the host gcc or a cross gcc."""
    if cc not in COMPILERS:
        raise BuildError(f"unsupported compiler {cc!r} (lkmsh builds with gcc or clang)")
    if cc == "clang":
        found = shutil.which("clang")
        if found is None:
            raise BuildError("clang not found on PATH (install clang, or build with gcc)")
        return found
    names = [tc.gcc]
    if tc.arch != "x86_64" and platform.machine().lower() in (tc.arch, *_aliases_of(tc.arch)):
        names.append("gcc")
    for name in names:
        gcc = shutil.which(name)
        if gcc is not None:
            return gcc
    if tc.arch == "x86_64":
        raise BuildError(
            "gcc not found on PATH: lkmsh build needs the host gcc and binutils (or --cc clang)"
        )
    raise BuildError(
        f"{tc.gcc} not found on PATH: building {tc.arch} modules needs the cross compiler"
        f" from Debian's {tc.package} package (apt-get install {tc.package}), or --cc clang"
    )


def _aliases_of(arch: str) -> tuple[str, ...]:
    return tuple(alias for alias, name in _ARCH_ALIASES.items() if name == arch)


def cross_compiler_available(arch: str) -> bool:
    """Can modules for @arch be built here? (Tests skip on False.)"""
    try:
        _find_cc(toolchain(arch))
    except BuildError:
        return False
    return True


def _run(cc: str, args: list[str], what: str, on_warning: Callable[[str], None] | None) -> None:
    try:
        proc = subprocess.run([cc, *args], capture_output=True, text=True, errors="replace")
    except OSError as exc:
        raise BuildError(f"cannot run {cc}: {exc.strerror}") from exc
    if proc.returncode != 0:
        first = _first_error(proc.stderr)
        # the compiler's line names the file already; say it once
        err = BuildError(
            first if what in first or ":" in first.split(" ")[0] else f"{what}: {first}"
        )
        err.detail = proc.stderr
        raise err
    if proc.stderr.strip() and on_warning is not None:
        on_warning(proc.stderr)


_ANSI = re.compile(r"\x1b\[[0-9;]*[mK]")


def _first_error(stderr: str) -> str:
    """The line of compiler output a user needs first (without colours)."""
    lines = [_ANSI.sub("", ln).strip() for ln in stderr.splitlines() if ln.strip()]
    for marker in ("error:", "fatal error:", "undefined reference"):
        for ln in lines:
            if marker in ln:
                return ln
    return lines[-1] if lines else "compiler failed without a message"


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
    parser.add_argument("--cc", default="gcc", help="the compiler: gcc (default) or clang")
    parser.add_argument(
        "-M", "--modules-dir", type=Path, help="link against the exports of DIR's modules"
    )
    args = parser.parse_args(argv)
    output = args.output or args.sources[0].with_suffix(".ko")
    try:
        from lkmsh.modpost import exports_of_dir

        spec = ModuleSpec(args.name or module_name_for(output), list(args.sources), Path(output))
        opts = BuildOptions(
            shared=args.shared,
            extra_cflags=args.cflags.split(),
            arch=args.arch,
            cc=args.cc,
            extra_symbols=exports_of_dir(args.modules_dir) if args.modules_dir else (),
            on_warning=lambda text: sys.stderr.write(text),
        )
        build_modules([spec], opts)
    except BuildError as exc:
        print(f"lkmsh build: ERROR: {exc.message}", file=sys.stderr)
        if exc.detail:
            sys.stderr.write(exc.detail if exc.detail.endswith("\n") else exc.detail + "\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
