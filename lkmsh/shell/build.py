"""``lkmsh build``: sources into one module, or a directory as kbuild builds it (``M=DIR``).

The words of a make command line work as in ``make -C ... M=$PWD modules``:
``M=DIR`` (or ``-C DIR``, or a directory argument) reads DIR's Kbuild or
Makefile and builds every ``obj-m`` module into DIR, writing its
``Module.symvers``; ``CC=clang`` and ``LLVM=1`` choose clang (with
``--target`` for the kernel's architecture); ``KBUILD_EXTRA_SYMBOLS=FILE`` is
``--symvers FILE``; ``ccflags-y=...`` / ``EXTRA_CFLAGS=...`` add flags.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lkmsh.errors import BuildError
from lkmsh.shell.context import Context
from lkmsh.shell.messages import CommandFailed
from lkmsh.shell.render import DoneView


def run_build(
    ctx: Context,
    words: list[str],
    *,
    output: str | None,
    shared: bool,
    name: str | None,
    cflags: str | None,
    arch: str | None,
    directory: str | None,
    cc: str | None,
    modules_dir: str | None,
    symvers: str | None,
) -> Any:
    from lkmsh.build import BuildOptions, ModuleSpec, build_modules, module_name_for
    from lkmsh.kbuild import read_dir, split_make_args
    from lkmsh.modpost import exports_of_dir, read_symvers, write_symvers

    sources, make_vars = split_make_args(words)
    directory = make_vars.pop("M", None) or directory
    if directory is None and len(sources) == 1 and Path(sources[0]).is_dir():
        directory = sources.pop()
    llvm = make_vars.pop("LLVM", "") not in ("", "0")
    cc = make_vars.pop("CC", None) or cc or "gcc"
    extra_syms = make_vars.pop("KBUILD_EXTRA_SYMBOLS", None)
    try:
        extra = []
        for path in filter(None, [symvers, *(extra_syms or "").split()]):
            extra += read_symvers(Path(path))
        if modules_dir:
            extra += exports_of_dir(Path(modules_dir))
        opts = BuildOptions(
            shared=shared,
            extra_cflags=(cflags or "").split(),
            arch=arch or ctx.scope.session.machine(),
            cc="clang" if "clang" in Path(cc).name else "gcc" if "gcc" in Path(cc).name else cc,
            llvm=llvm,
            extra_symbols=extra,
            color=_tty(ctx.err),
            on_warning=ctx.err.write,
        )
        if directory is not None:
            if sources or output or name:
                raise CommandFailed("a directory build takes no sources, -o or --name")
            kdir = read_dir(Path(directory), make_vars)
            opts.extra_cflags = [*kdir.cflags, *opts.extra_cflags]
            specs = [
                ModuleSpec(m.name, m.sources, kdir.directory / f"{m.name}.ko", m.cflags)
                for m in kdir.modules
            ]
            built = build_modules(specs, opts)
            write_symvers(kdir.directory / "Module.symvers", _exports(built))
            return DoneView({"output": [str(b) for b in built]})
        if make_vars:
            raise CommandFailed(
                f"{next(iter(make_vars))}=: make variables need a directory (M=DIR)"
            )
        if not sources:
            raise CommandFailed("missing source file or directory.")
        out = Path(output) if output else Path(sources[0]).with_suffix(".ko")
        spec = ModuleSpec(name or module_name_for(out), [Path(s) for s in sources], out)
        (built,) = build_modules([spec], opts)
    except BuildError as exc:
        ctx.error(exc.message)
        if exc.detail:
            ctx.err.write(exc.detail if exc.detail.endswith("\n") else exc.detail + "\n")
        return None
    return DoneView({"output": str(built)})


def _exports(built: list[Path]):
    """What the modules just built export, for their Module.symvers."""
    from lkmsh.elf import ElfFile
    from lkmsh.modpost import Export

    out = []
    for ko in built:
        elf = ElfFile(ko.read_bytes())
        out += [Export(e.name, str(ko.with_suffix("").resolve()), e.gpl) for e in elf.exports]
    return out


def _tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
