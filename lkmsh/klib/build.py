"""Build lkmsh's kernel library image for one architecture (run by maintainers, not users).

``python -m lkmsh.klib.build [ARCH...]`` compiles klib/*.c with the module
code-generation flags of that architecture, links them at ``KLIB_BASE`` (in
kernel text, out of the trap range) and writes ``prebuilt/ARCH/klib.bin`` (the
flat text+rodata image) and ``prebuilt/ARCH/klib.sym`` ("name address size"
per function, "local" after a static one's). Both are shipped in the package, as sample_modules/ are, so a
machine without a cross compiler boots the same kernel.

The library may call the kernel functions named in ``IMPORTS`` (Python behind
trap slots, whose addresses change with the API table): each is a stub of the
same name that jumps through a pointer of the image, and
``prebuilt/ARCH/klib.imp`` ("name pointer-address") tells the kernel where to
write the slot's address at boot.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from lkmsh.build import INCLUDE_DIR, toolchain
from lkmsh.kernel.klib import KLIB_BASE, KLIB_SIZE, PREBUILT

HERE = Path(__file__).resolve().parent
SOURCES = sorted(HERE.glob("*.c"))
#: string.c is memcpy/memset: gcc must not turn its loops back into calls to them
NO_SELF_CALLS = ("-fno-tree-loop-distribute-patterns", "-fno-builtin")
#: slab.c's, rcu.c's, spinlock.c's and get_random.c's slow paths jump to the kernel's slots
#: with the caller's return address intact
TAIL_JUMPS = ("-foptimize-sibling-calls", "-fomit-frame-pointer")
PER_FILE = {name: TAIL_JUMPS for name in ("slab.c", "rcu.c", "spinlock.c", "get_random.c")}
#: a source may instead be written on lkmsh's module headers (interval_tree.c uses
#: the template of <linux/interval_tree_generic.h>), seen as kbuild shows them
KERNEL_HEADERS = (
    "-isystem",
    str(INCLUDE_DIR),
    "-include",
    str(INCLUDE_DIR / "linux" / "kconfig.h"),
    "-D__KERNEL__",
    "-D__lkmsh__",
    "-D__NO_FORTIFY",  # as lib/string.c: the library is what the fortified forms call
)

#: __FILE__ (WARN_ON's report) names the source from the package root, whatever the
#: checkout's path: the image is the same wherever it is built
MACRO_PREFIX_MAP = f"-fmacro-prefix-map={HERE.parent.parent}/="

#: kernel functions the library calls (kunit_resource.c: memory, locks, KUNIT_FAIL;
#: xarray.c); kzalloc and kfree (slab.c), spin_lock and spin_unlock (spinlock.c) are the
#: library's own
IMPORTS = (
    "kmalloc_array",
    "spin_lock_init",
    "kunit_do_failed_assertion",
    "kunit_fail_assert_format",
    # xarray.c: RCU frees of nodes, WARN_ON
    "kvfree_call_rcu",
    "warn_slowpath_fmt",
    # rhashtable.c: bucket tables, the table's mutex, the deferred worker, call_rcu
    # (rcu_read_lock and get_random_u32, its seeds, are the library's own: rcu.c, get_random.c)
    "kvmalloc_node",
    "kvfree",
    "__mutex_init",
    "mutex_lock",
    "mutex_unlock",
    "queue_work_on",
    "cancel_work_sync",
    "cond_resched",
    "call_rcu",
    # objagg.c: root ids, the greedy pass's graph
    "ida_alloc_range",
    "ida_free",
    "ida_destroy",
    "kcalloc",
    "bitmap_zalloc",
    "bitmap_free",
    # ref_tracker.c: its reports and the stacks they show
    "printk",
    "stack_trace_save",
    "stack_trace_print",
    # firmware.c: request_firmware_nowait()'s worker
    "_request_firmware",
    "put_device",
    "module_put",
    "kfree_const",
    # skbuff.c: the segments skb_segment() makes, the buffers of a frag_list it frees
    "__alloc_skb",
    "kfree_skb_reason",
)
#: kernel data the library reads (rhashtable's worker is queued on system_wq): no
#: stub, only the pointer, which the kernel fills with the variable's address; the
#: sources see the name as that pointer's target (-D, below)
#: (maple_tree.c: the self-test's counters, CONFIG_DEBUG_MAPLE_TREE's MT_BUG_ON)
DATA_IMPORTS = ("system_wq", "maple_tree_tests_run", "maple_tree_tests_passed")
IMPORT_PREFIX = "__kimport_"

#: one stub per import: jump through the pointer the kernel fills in at boot
STUB = {
    "x86_64": "{name}:\n\tjmp *{ptr}(%rip)\n",
    "aarch64": "{name}:\n\tadrp x16, {ptr}\n\tldr x16, [x16, #:lo12:{ptr}]\n\tbr x16\n",
}


def imports_asm(arch: str) -> str:
    """imports.S: the stubs in .text, their (and the data imports') pointers, zero
    until boot, in .rodata."""
    text, ptrs = ['\t.section .text.kimport,"ax"'], ['\t.section .rodata.kimport,"a"']
    for name in IMPORTS:
        ptr = IMPORT_PREFIX + name
        text.append(f"\t.globl {name}\n\t.type {name}, %function\n\t.balign 8")
        text.append(STUB[arch].format(name=name, ptr=ptr) + f"\t.size {name}, .-{name}")
    for name in IMPORTS + DATA_IMPORTS:
        ptr = IMPORT_PREFIX + name
        ptrs.append(f"\t.globl {ptr}\n\t.type {ptr}, %object\n\t.balign 8\n{ptr}:\n\t.quad 0")
        ptrs.append(f"\t.size {ptr}, 8")
    return "\n".join([*text, *ptrs, '\t.section .note.GNU-stack,"",%progbits']) + "\n"


LINKER_SCRIPT = """\
ENTRY(sort)
SECTIONS {{
  . = {base:#x};
  .text : {{ *(.text .text.*) }}
  .rodata : {{ *(.rodata .rodata.*) }}
  .data : {{ *(.data .data.* .bss .bss.*) }}
  /DISCARD/ : {{ *(.comment) *(.note*) *(.eh_frame*) }}
}}
"""


def _crc_table(poly: int, bits: int, reflected: bool) -> list[int]:
    top, mask, out = 1 << (bits - 1), (1 << bits) - 1, []
    for i in range(256):
        if reflected:
            c = i
            for _ in range(8):
                c = (c >> 1) ^ poly if c & 1 else c >> 1
        else:
            c = i << (bits - 8)
            for _ in range(8):
                c = ((c << 1) ^ poly) & mask if c & top else (c << 1) & mask
        out.append(c)
    return out


def crc_tables() -> str:
    """crc_tables.h: the 256-entry tables crc.c walks."""
    tables = [
        ("u32", "crc32_le_table", _crc_table(0xEDB88320, 32, True)),
        ("u32", "crc32_be_table", _crc_table(0x04C11DB7, 32, False)),
        ("u32", "crc32c_table", _crc_table(0x82F63B78, 32, True)),
        ("u16", "crc16_table", _crc_table(0xA001, 16, True)),
        ("u16", "crc_ccitt_table", _crc_table(0x8408, 16, True)),
        ("u16", "crc_itu_t_table", _crc_table(0x1021, 16, False)),
    ]
    out = ["/* Generated by lkmsh/klib/build.py: do not edit. */"]
    for ctype, name, values in tables:
        body = ",".join(f"{v:#x}" for v in values)
        out.append(f"static const {ctype} {name}[256] = {{{body}}};")
    return "\n".join(out) + "\n"


def _tool(gcc: str, name: str) -> str:
    return gcc[: -len("gcc")] + name if gcc.endswith("gcc") else name


def build(arch: str) -> Path:
    tc = toolchain(arch)
    (HERE / "crc_tables.h").write_text(crc_tables())
    out = PREBUILT / arch
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        objs = []
        for src in SOURCES:
            obj = t / f"{src.stem}.o"
            flags = [*tc.codegen, *tc.kernel_model, *NO_SELF_CALLS, "-nostdinc", *KERNEL_HEADERS]
            flags += ["-Wall", "-Werror", MACRO_PREFIX_MAP]
            # a data import reads through its pointer: `extern T *system_wq;` declares it
            flags += [f"-D{n}=(*{IMPORT_PREFIX}{n})" for n in DATA_IMPORTS]
            flags += PER_FILE.get(src.name, ())
            subprocess.run([tc.gcc, *flags, "-c", str(src), "-o", str(obj)], check=True)
            objs.append(str(obj))
        stubs = t / "imports.S"
        stubs.write_text(imports_asm(arch))
        subprocess.run([tc.gcc, "-c", str(stubs), "-o", str(t / "imports.o")], check=True)
        objs.append(str(t / "imports.o"))
        lds = t / "klib.lds"
        lds.write_text(LINKER_SCRIPT.format(base=KLIB_BASE))
        elf = t / "klib.elf"
        subprocess.run(
            [_tool(tc.gcc, "ld"), "-nostdlib", "--build-id=none", "-T", str(lds), "-o", str(elf)]
            + objs,
            check=True,
        )
        subprocess.run(
            [_tool(tc.gcc, "objcopy"), "-O", "binary", str(elf), str(out / "klib.bin")],
            check=True,
        )
        nm = subprocess.run(
            [_tool(tc.gcc, "nm"), "-S", "--defined-only", str(elf)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    lines, imports = [], []
    for row in nm.splitlines():
        parts = row.split()
        if len(parts) != 4:
            continue
        addr, size, kind, name = int(parts[0], 16), int(parts[1], 16), parts[2], parts[3]
        if kind == "T" and name not in IMPORTS:
            lines.append(f"{name} {addr:#x} {size:#x}")
        elif kind == "t" and size:  # a static function: for backtraces only
            lines.append(f"{name} {addr:#x} {size:#x} local")
        elif name.startswith(IMPORT_PREFIX):
            imports.append(f"{name[len(IMPORT_PREFIX) :]} {addr:#x}")
    (out / "klib.sym").write_text("\n".join(sorted(lines)) + "\n")
    (out / "klib.imp").write_text("\n".join(sorted(imports)) + "\n")
    size = (out / "klib.bin").stat().st_size
    if size > KLIB_SIZE:
        raise SystemExit(f"{arch}: klib image of {size} bytes exceeds {KLIB_SIZE}")
    return out


def main(argv: list[str]) -> int:
    for arch in argv or ["x86_64", "aarch64"]:
        print(build(arch))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
