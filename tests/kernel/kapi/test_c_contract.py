"""The C contract between lkmsh's headers and its Python kernel, checked by gcc.

Every ``@kapi`` function's prototype must be exactly the type lkmsh's headers
declare it with (a conflicting or missing declaration fails to compile), and
every struct layout the kernel reads (kernel/cstructs.py) must match the
header's offsets and sizes; for each architecture lkmsh builds modules for.
All headers are included into one unit, as Linux's headers coexist.
"""

from __future__ import annotations

import importlib
import subprocess
from pathlib import Path

import pytest
from arches import ARCHES

from lkmsh.build import INCLUDE_DIR, compile_flags, toolchain
from lkmsh.kernel import kapi
from lkmsh.kernel.cstructs import STRUCTS
from lkmsh.kernel.kernel import Kernel

#: the compiler's macro for each architecture a struct layout may be declared for
_ARCH_MACRO = {"x86_64": "__x86_64__", "aarch64": "__aarch64__"}


def headers() -> list[str]:
    """Every header a source may include; <trace/...>'s stage headers are read only by
    define_trace.h, once per stage with the stage's macros (as Linux's): not on their own."""
    paths = sorted(str(p.relative_to(INCLUDE_DIR)) for p in INCLUDE_DIR.rglob("*.h"))
    return [h for h in paths if not h.startswith("trace/") or h.startswith("trace/events/")]


def function_type(f) -> str:
    """``int printk(const char *fmt, ...)`` -> ``int (T_printk)(const char *fmt, ...)``."""
    sig = f.sig.strip().rstrip(";")
    at = sig.index(f.name + "(")
    return sig[:at] + f"(T_{f.name})" + sig[at + len(f.name) :]


def contract_source() -> str:
    for part in Kernel.PARTS:  # the components built on first use hold layouts too
        importlib.import_module(f"lkmsh.kernel.{part.module}")
    out = ["#include <linux/stddef.h>"]
    out += [f"#include <{h}>" for h in headers()]
    for f in kapi.kapi_table():
        out.append(f"typedef {function_type(f)};")
        out.append(
            f"_Static_assert(__builtin_types_compatible_p(__typeof__({f.name}), T_{f.name}),"
            f' "{f.name}: the header declares another type than @kapi");'
        )
    for s in STRUCTS:
        if s.arch is not None:
            out.append(f"#if defined({_ARCH_MACRO[s.arch]})")
        out.append(f'_Static_assert(sizeof({s.ctype}) == {s.size}, "sizeof({s.ctype})");')
        for fld in s.fields:
            member = fld.name.replace("__", ".")
            out.append(
                f"_Static_assert(offsetof({s.ctype}, {member}) == {fld.offset}"
                f" && sizeof((({s.ctype} *)0)->{member}) == {fld.size},"
                f' "{s.ctype}.{member}");'
            )
        if s.arch is not None:
            out.append("#endif")
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("arch", ARCHES)
def test_headers_declare_every_kernel_function_and_struct_as_the_kernel_reads_them(
    arch, tmp_path: Path
):
    src = tmp_path / "contract.c"
    src.write_text(contract_source())
    flags = compile_flags(name="contract", basename="contract", shared=False, arch=arch)
    gcc = toolchain(arch).gcc
    r = subprocess.run(
        [gcc, *flags, "-fsyntax-only", "-Werror=implicit-function-declaration", str(src)],
        capture_output=True,
        text=True,
    )
    errors = [ln for ln in r.stderr.splitlines() if "error" in ln]
    assert r.returncode == 0, "\n".join(errors[:40])


def test_the_contract_check_catches_a_wrong_prototype(tmp_path: Path):
    """Not vacuous: a prototype that disagrees with the header fails to compile."""
    src = tmp_path / "bad.c"
    src.write_text(
        "#include <linux/printk.h>\n"
        "typedef long (T_printk)(const char *fmt, ...);\n"
        '_Static_assert(__builtin_types_compatible_p(__typeof__(printk), T_printk), "x");\n'
    )
    flags = compile_flags(name="bad", basename="bad", shared=False)
    r = subprocess.run(
        [toolchain("x86_64").gcc, *flags, "-fsyntax-only", str(src)], capture_output=True, text=True
    )
    assert r.returncode != 0 and "static assertion failed" in r.stderr
