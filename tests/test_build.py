"""Building modules with lkmsh's builder: real gcc, real ELF files, read back with pyelftools.

The story: a module author writes C against <linux/module.h>, runs the
builder, and gets a .ko laid out the way docs/abi.md says — modinfo records
as Linux writes them, __this_module pointing at init/exit, exports in
__ksymtab, parameters in __param.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection

from lkmsh.build import INCLUDE_DIR, build_module, compile_flags, main, module_name_for
from lkmsh.errors import BuildError, KernelError
from lkmsh.kernel.release import VERMAGIC

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_modules"
TEST_SOURCES = Path(__file__).resolve().parent / "sample_modules"

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs the host gcc")


@dataclass(frozen=True)
class Reloc:
    offset: int
    type: str
    symbol: str
    addend: int


class Ko:
    """Just enough of a module file, read with pyelftools, for these tests."""

    def __init__(self, path: Path):
        self.path = path
        self.data = path.read_bytes()
        import io

        self.elf = ELFFile(io.BytesIO(self.data))

    @property
    def type(self) -> str:
        return self.elf.header["e_type"]

    def section_names(self) -> list[str]:
        return [s.name for s in self.elf.iter_sections()]

    def section(self, name: str):
        sec = self.elf.get_section_by_name(name)
        assert sec is not None, f"{self.path.name} has no section {name}"
        return sec

    def modinfo(self) -> list[str]:
        return [r.decode() for r in self.section(".modinfo").data().split(b"\0") if r]

    def symbols(self) -> dict[str, object]:
        return {s.name: s for s in self.elf.get_section_by_name(".symtab").iter_symbols() if s.name}

    def undefined(self) -> set[str]:
        return {
            s.name
            for s in self.elf.get_section_by_name(".symtab").iter_symbols()
            if s.name and s["st_shndx"] == "SHN_UNDEF"
        }

    def relocs(self, target: str) -> list[Reloc]:
        rela = self.elf.get_section_by_name(".rela" + target)
        if rela is None:
            return []
        assert isinstance(rela, RelocationSection)
        symtab = self.elf.get_section(rela["sh_link"])
        out = []
        for r in rela.iter_relocations():
            sym = symtab.get_symbol(r["r_info_sym"])
            name = sym.name or self.elf.get_section(sym["st_shndx"]).name
            out.append(Reloc(r["r_offset"], _x86_reloc_name(r["r_info_type"]), name, r["r_addend"]))
        return out

    def all_reloc_types(self) -> set[str]:
        types = set()
        for sec in self.elf.iter_sections():
            if isinstance(sec, RelocationSection):
                types |= {_x86_reloc_name(r["r_info_type"]) for r in sec.iter_relocations()}
        return types

    def cstring_at(self, section: str, offset: int) -> str:
        data = self.section(section).data()
        return data[offset : data.index(b"\0", offset)].decode()

    def resolve_string(self, reloc: Reloc) -> str:
        """The C string a relocation points at (symbol in a section + addend)."""
        syms = self.symbols()
        if reloc.symbol in syms and syms[reloc.symbol]["st_info"]["type"] != "STT_SECTION":
            sym = syms[reloc.symbol]
            section = self.elf.get_section(sym["st_shndx"]).name
            return self.cstring_at(section, sym["st_value"] + reloc.addend)
        return self.cstring_at(reloc.symbol, reloc.addend)


_X86_RELOCS = {1: "R_X86_64_64", 2: "R_X86_64_PC32", 4: "R_X86_64_PLT32", 9: "R_X86_64_GOTPCREL"}
_X86_RELOCS |= {10: "R_X86_64_32", 11: "R_X86_64_32S", 42: "R_X86_64_REX_GOTPCRELX"}


def _x86_reloc_name(code: int) -> str:
    return _X86_RELOCS.get(code, f"type {code}")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Ko]:
    """Every sample module, built once from source for this test module."""
    out = tmp_path_factory.mktemp("ko")
    sources = {
        "hello": SAMPLES / "hello.c",
        "provider": SAMPLES / "provider.c",
        "consumer": SAMPLES / "consumer.c",
        "chain_bottom": SAMPLES / "chain_bottom.c",
        "chain_middle": SAMPLES / "chain_middle.c",
        "chain_top": SAMPLES / "chain_top.c",
        "procfs": SAMPLES / "procfs.c",
        "compute": SAMPLES / "compute.c",
        "asm_hello": SAMPLES / "asm_hello.S",
        "null_deref": SAMPLES / "broken" / "null_deref.c",
        "gpl_violation": SAMPLES / "broken" / "gpl_violation.c",
        "everything": TEST_SOURCES / "everything.c",
    }
    mods = {name: Ko(build_module([src], out / f"{name}.ko")) for name, src in sources.items()}
    mods["shared_hello"] = Ko(
        build_module([SAMPLES / "shared_hello.c"], out / "shared_hello.ko", shared=True)
    )
    return mods


#: modpost refuses a module without one (kbuild's "missing MODULE_LICENSE()")
LICENSE = '#include <linux/module.h>\nMODULE_LICENSE("GPL");\n'


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# --- what modpost would add, and what the headers put in .modinfo -------------


def test_hello_carries_the_modinfo_records_linux_writes(built):
    info = built["hello"].modinfo()
    for record in (
        "name=hello",
        f"vermagic={VERMAGIC}",
        "license=GPL",
        "version=1.0",
        "alias=greeting",
        "author=lkmsh developers",
        "description=Greets on load, says goodbye on unload",
        "parmtype=who:charp",
        "parm=who:Whom to greet (default: world)",
        "parmtype=times:int",
        "parmtype=nums:array of int",
        "depends=",
    ):
        assert record in info
    # modpost's records come last, in the order Linux's modinfo shows them;
    # srcversion because hello has a MODULE_VERSION, retpoline as x86-64 kernels
    assert re.fullmatch(r"srcversion=[0-9A-F]{23}", info[-5])  # modpost's 23 digits
    assert info[-4:] == ["depends=", "retpoline=Y", "name=hello", f"vermagic={VERMAGIC}"]


def test_this_module_points_at_init_and_exit(built):
    ko = built["hello"]
    section = ko.section(".gnu.linkonce.this_module")
    assert section["sh_size"] == 128
    assert section.data()[:6] == b"hello\0"
    relocs = {r.offset: r for r in ko.relocs(".gnu.linkonce.this_module")}
    assert relocs[56] == Reloc(56, "R_X86_64_64", "init_module", 0)
    assert relocs[64] == Reloc(64, "R_X86_64_64", "cleanup_module", 0)
    syms = ko.symbols()
    assert syms["__this_module"]["st_info"]["bind"] == "STB_GLOBAL"
    # module_init() made init_module an alias of hello_init, as Linux does
    assert syms["init_module"]["st_value"] == syms["hello_init"]["st_value"]
    assert syms["init_module"]["st_info"]["type"] == "STT_FUNC"


def test_a_module_without_exit_gets_no_exit_pointer(tmp_path):
    src = write(
        tmp_path,
        "forever.c",
        "#include <linux/module.h>\nstatic int __init f_init(void) { return 0; }\n"
        'module_init(f_init);\nMODULE_LICENSE("GPL");\n',
    )
    ko = Ko(build_module([src], tmp_path / "forever.ko"))
    assert [r.offset for r in ko.relocs(".gnu.linkonce.this_module")] == [56]
    assert "cleanup_module" not in ko.symbols()


def test_a_module_with_neither_init_nor_exit_links(tmp_path):
    src = write(tmp_path, "empty.c", '#include <linux/module.h>\nMODULE_LICENSE("GPL");\n')
    ko = Ko(build_module([src], tmp_path / "empty.ko"))
    assert ko.relocs(".gnu.linkonce.this_module") == []
    assert "name=empty" in ko.modinfo()


def test_module_name_comes_from_the_output_file_as_kbuild_names_it(tmp_path):
    assert module_name_for(Path("my-driver.ko")) == "my_driver"
    ko = Ko(build_module([SAMPLES / "hello.c"], tmp_path / "my-hello.ko"))
    assert "name=my_hello" in ko.modinfo()
    assert ko.section(".gnu.linkonce.this_module").data()[:9] == b"my_hello\0"
    named = Ko(build_module([SAMPLES / "hello.c"], tmp_path / "x.ko", name="greeter"))
    assert "name=greeter" in named.modinfo()


def test_two_sources_link_into_one_module(tmp_path):
    a = write(
        tmp_path,
        "main.c",
        "#include <linux/module.h>\nint helper(int);\n"
        "static int __init m_init(void) { return helper(0); }\n"
        'module_init(m_init);\nMODULE_LICENSE("GPL");\n',
    )
    b = write(tmp_path, "helper.c", "int helper(int x) { return x; }\n")
    ko = Ko(build_module([a, b], tmp_path / "two.ko"))
    assert "helper" not in ko.undefined()
    assert ko.symbols()["helper"]["st_info"]["type"] == "STT_FUNC"


# --- parameters ----------------------------------------------------------------

PARAM = struct.Struct("<QQQHbBxxxxQ")  # struct kernel_param, Linux 6.1's layout


def params(ko: Ko) -> dict[str, tuple[str, int, int, int]]:
    """name -> (ops symbol, perm, level, flags) decoded from __param."""
    data = ko.section("__param").data()
    assert len(data) % PARAM.size == 0
    relocs = {r.offset: r for r in ko.relocs("__param")}
    out = {}
    for base in range(0, len(data), PARAM.size):
        _, _, _, perm, level, flags, _ = PARAM.unpack_from(data, base)
        name = ko.resolve_string(relocs[base])
        assert relocs[base + 8].symbol == "__this_module", "mod is THIS_MODULE"
        assert base + 32 in relocs, "arg must point at the variable"
        out[name] = (relocs[base + 16].symbol, perm, level, flags)
    return out


def param_array(ko: Ko, name: str) -> tuple[int, int, str, str | None]:
    """(max, elemsize, element ops, num's target) of @name's struct kparam_array."""
    data = ko.section("__param").data()
    relocs = {r.offset: r for r in ko.relocs("__param")}
    for base in range(0, len(data), PARAM.size):
        if ko.resolve_string(relocs[base]) != name:
            continue
        arg = relocs[base + 32]
        syms = ko.symbols()
        if arg.symbol in syms and syms[arg.symbol]["st_info"]["type"] != "STT_SECTION":
            sym = syms[arg.symbol]
            section = ko.elf.get_section(sym["st_shndx"]).name
            at = sym["st_value"] + arg.addend
        else:
            section, at = arg.symbol, arg.addend
        cap, esize = struct.unpack_from("<II", ko.section(section).data(), at)
        arr = {r.offset - at: r for r in ko.relocs(section) if at <= r.offset < at + 32}
        return cap, esize, arr[16].symbol, arr[8].symbol if 8 in arr else None
    raise KeyError(name)


def test_hello_params_are_described_in_param_section(built):
    assert params(built["hello"]) == {
        "who": ("param_ops_charp", 0o644, -1, 0),
        "times": ("param_ops_int", 0o644, -1, 0),
        "nums": ("param_array_ops", 0o444, -1, 0),
    }
    assert param_array(built["hello"], "nums")[:3] == (4, 4, "param_ops_int")


def test_every_scalar_param_type_has_its_kernel_ops(built):
    p = params(built["everything"])
    assert {name: v[0] for name, v in p.items()} == {
        "answer": "param_ops_int",
        "size": "param_ops_ulong",
        "flag": "param_ops_bool",
        "inverted": "param_ops_invbool",
        "octet": "param_ops_byte",
        "sh": "param_ops_short",
        "ush": "param_ops_ushort",
        "ui": "param_ops_uint",
        "lg": "param_ops_long",
        "names": "param_array_ops",
    }
    # a charp array, no count pointer
    assert param_array(built["everything"], "names") == (3, 8, "param_ops_charp", None)
    assert "parmtype=names:array of charp" in built["everything"].modinfo()


# --- exports ---------------------------------------------------------------------


def exports(ko: Ko, section: str) -> list[str]:
    """Names of the entries of @section, decoded through their PREL32 relocations."""
    data = ko.section(section).data()
    assert len(data) % 12 == 0
    relocs = {r.offset: r for r in ko.relocs(section)}
    names = []
    for base in range(0, len(data), 12):
        value, name, ns = relocs[base], relocs[base + 4], relocs[base + 8]
        assert value.type == name.type == ns.type == "R_X86_64_PC32"
        assert ko.resolve_string(ns) == ""
        names.append(ko.resolve_string(name))
        assert value.symbol == names[-1]
    return names


def test_provider_exports_are_laid_out_as_linux(built):
    ko = built["provider"]
    assert exports(ko, "__ksymtab") == ["provider_add", "provider_counter"]  # sorted, as Linux
    assert exports(ko, "__ksymtab_gpl") == ["provider_secret"]
    syms = ko.symbols()
    for name, section in (
        ("provider_add", "__ksymtab"),
        ("provider_counter", "__ksymtab"),
        ("provider_secret", "__ksymtab_gpl"),
    ):
        label = syms[f"__ksymtab_{name}"]
        assert label["st_info"]["bind"] == "STB_LOCAL"
        assert ko.elf.get_section(label["st_shndx"]).name == section
    assert syms["provider_counter"]["st_info"]["type"] == "STT_OBJECT"
    assert syms["provider_add"]["st_info"]["type"] == "STT_FUNC"
    assert not any(n.startswith("___ksymtab") or ".discard" in n for n in ko.section_names())


def test_consumer_and_chain_leave_the_right_symbols_undefined(built):
    assert built["consumer"].undefined() == {"provider_add", "provider_counter", "printk"}
    assert exports(built["chain_bottom"], "__ksymtab") == ["chain_bottom_value"]
    assert exports(built["chain_middle"], "__ksymtab") == ["chain_middle_value"]
    assert "chain_bottom_value" in built["chain_middle"].undefined()
    assert "chain_middle_value" in built["chain_top"].undefined()
    assert "provider_secret" in built["gpl_violation"].undefined()
    assert "license=Proprietary" in built["gpl_violation"].modinfo()


# --- code generation -------------------------------------------------------------


def test_code_uses_the_kernel_code_model_relocations(built):
    hello = built["hello"]
    text_relocs = [r for name in (".text", ".text.unlikely") for r in hello.relocs(name)]
    calls = [r for r in text_relocs if r.symbol == "printk"]
    assert calls and all((r.type, r.addend) == ("R_X86_64_PLT32", -4) for r in calls)
    types = set().union(*(built[m].all_reloc_types() for m in ("hello", "compute", "provider")))
    assert {"R_X86_64_PLT32", "R_X86_64_32S", "R_X86_64_64", "R_X86_64_PC32"} <= types
    assert not types & {"R_X86_64_GOTPCREL", "R_X86_64_REX_GOTPCRELX", "R_X86_64_32"}
    assert built["hello"].type == "ET_REL"
    assert ".eh_frame" not in built["compute"].section_names()


def test_null_deref_really_loads_through_the_pointer(built):
    """gcc must not turn the NULL dereference into a trap or drop it."""
    ko = built["null_deref"]
    init = ko.symbols()["init_module"]
    section = ko.elf.get_section(init["st_shndx"]).name
    code = ko.section(section).data()[init["st_value"] : init["st_value"] + init["st_size"]]
    assert b"\x0f\x0b" not in code  # no ud2
    assert any(r.symbol == ".bss" and r.type == "R_X86_64_PC32" for r in ko.relocs(section))


def test_assembly_module_gets_the_same_metadata(built):
    ko = built["asm_hello"]
    assert ko.modinfo() == [
        "license=GPL",
        "description=A module written in x86-64 assembly",
        "depends=",
        "retpoline=Y",
        "name=asm_hello",
        f"vermagic={VERMAGIC}",
    ]
    assert [r.symbol for r in ko.relocs(".gnu.linkonce.this_module")] == [
        "init_module",
        "cleanup_module",
    ]
    assert {r.type for r in ko.relocs(".text")} == {"R_X86_64_32S", "R_X86_64_PLT32"}


def test_shared_build_is_an_et_dyn_module_with_the_same_sections(built):
    ko = built["shared_hello"]
    assert ko.type == "ET_DYN"
    names = ko.section_names()
    for section in (".modinfo", ".gnu.linkonce.this_module", "__ksymtab", "__param", ".dynamic"):
        assert section in names
    assert "name=shared_hello" in ko.modinfo()
    assert "__this_module" in ko.symbols()
    dynsyms = {s.name for s in ko.elf.get_section_by_name(".dynsym").iter_symbols()}
    assert {"printk", "kstrdup", "kfree", "jiffies"} <= dynsyms


def test_everything_module_only_needs_kernel_api_functions(built):
    # module_param's kernel_param_ops are the kernel's data, as in Linux
    ops = {
        f"param_ops_{t}"
        for t in ["int", "ulong", "bool", "invbool", "byte", "short", "ushort", "uint", "long"]
    }
    assert built["everything"].undefined() - ops == {
        "param_array_ops",
        "param_ops_charp",
        "printk",
        "__dynamic_pr_debug",  # its pr_debug(), a dynamic debug site (CONFIG_DYNAMIC_DEBUG)
        "jiffies",
        "ktime_get",
        "mutex_lock",
        "mutex_unlock",
        "_raw_spin_lock_irqsave",
        "_raw_spin_unlock_irqrestore",
    }
    assert "intree=Y" in built["everything"].modinfo()


# --- the headers ---------------------------------------------------------------

_ABI_FUNCTION_NAMES = """
printk dump_stack panic __warn_printk
kmalloc kzalloc kcalloc kmalloc_array krealloc kfree kstrdup kstrndup kmemdup ksize
vmalloc vzalloc vfree
memcpy memmove memset memcmp memchr strlen strnlen strcpy strncpy strscpy strcat strncat
strcmp strncmp strcasecmp strchr strrchr strstr sprintf snprintf scnprintf vsnprintf
kstrtoint kstrtouint kstrtol kstrtoul kstrtoll kstrtoull kstrtobool simple_strtoul simple_strtol
msleep ssleep udelay ndelay mdelay usleep_range ktime_get_ns ktime_get ktime_get_real_ns
msecs_to_jiffies jiffies_to_msecs get_jiffies_64 schedule cond_resched
spin_lock_init spin_lock spin_unlock _raw_spin_lock_irqsave _raw_spin_unlock_irqrestore
spin_trylock __mutex_init mutex_lock mutex_unlock mutex_trylock mutex_is_locked
proc_create_single_data remove_proc_entry proc_mkdir seq_printf seq_puts seq_putc seq_write
try_module_get module_put module_refcount __request_module __symbol_get __symbol_put
"""
ABI_FUNCTIONS = _ABI_FUNCTION_NAMES.split()

ALL_HEADERS = sorted(p.name for p in (INCLUDE_DIR / "linux").glob("*.h"))


def test_every_kernel_api_function_of_the_abi_is_declared(tmp_path):
    includes = "".join(f"#include <linux/{h}>\n" for h in ALL_HEADERS if h != "linkage.h")
    table = ",\n".join(f"\t(void *){fn}" for fn in ABI_FUNCTIONS)
    src = write(
        tmp_path,
        "api.c",
        f"{includes}\nvoid *const api_table[] = {{\n{table},\n\t(void *)&jiffies,\n}};\n" + LICENSE,
    )
    ko = Ko(build_module([src], tmp_path / "api.ko"))
    assert ko.undefined() == set(ABI_FUNCTIONS) | {"jiffies"}


@pytest.mark.parametrize("header", ALL_HEADERS)
def test_each_header_compiles_on_its_own(header, tmp_path):
    src = write(tmp_path, "one.c", f"#include <linux/{header}>\n")
    flags = compile_flags(name="one", basename="one", shared=False)
    proc = subprocess.run(
        ["gcc", *flags, "-Werror", "-fsyntax-only", str(src)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


def test_errno_values_are_linux_values(tmp_path):
    header = (INCLUDE_DIR / "linux" / "errno.h").read_text()
    names = re.findall(r"#define (E[A-Z0-9]+)\s+\d+", header)
    checked = [n for n in names if hasattr(errno, n)]
    assert len(checked) > 120
    asserts = "".join(f'_Static_assert({n} == {getattr(errno, n)}, "{n}");\n' for n in checked)
    src = write(tmp_path, "errno_check.c", f"#include <linux/errno.h>\n{asserts}" + LICENSE)
    build_module([src], tmp_path / "errno_check.ko")


def test_log_levels_are_linux_bytes(tmp_path):
    src = write(
        tmp_path,
        "levels.c",
        "#include <linux/printk.h>\n"
        "const char levels[] = KERN_EMERG KERN_ERR KERN_WARNING KERN_INFO KERN_DEBUG"
        " KERN_CONT KERN_DEFAULT;\n" + LICENSE,
    )
    ko = Ko(build_module([src], tmp_path / "levels.ko"))
    data = b"".join(ko.section(s).data() for s in ko.section_names() if s.startswith(".rodata"))
    assert b"\x010\x013\x014\x016\x017\x01c\x01d\x00" in data


# --- errors --------------------------------------------------------------------


def test_a_compile_error_is_a_build_error_with_the_compiler_message(tmp_path):
    src = write(tmp_path, "bad.c", "#include <linux/module.h>\nint f(void) { return nope; }\n")
    with pytest.raises(BuildError) as info:
        build_module([src], tmp_path / "bad.ko")
    err = info.value
    assert isinstance(err, KernelError) and err.errno == errno.EIO
    assert "bad.c:2" in err.message and "error:" in err.message and "nope" in err.message
    assert "\n" not in err.message
    assert "nope" in err.detail
    assert not (tmp_path / "bad.ko").exists()


def test_calling_an_undeclared_function_fails_as_in_kbuild(tmp_path):
    src = write(tmp_path, "implicit.c", "int f(void) { return undeclared_fn(); }\n")
    with pytest.raises(BuildError, match="implicit declaration"):
        build_module([src], tmp_path / "implicit.ko")


def test_host_headers_are_not_visible(tmp_path):
    src = write(tmp_path, "libc.c", "#include <stdio.h>\n")
    with pytest.raises(BuildError, match="stdio.h"):
        build_module([src], tmp_path / "libc.ko")


def test_no_gcc_on_path_is_a_build_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BuildError, match="gcc not found"):
        build_module([SAMPLES / "hello.c"], tmp_path / "hello.ko")


def test_bad_inputs_are_build_errors(tmp_path):
    with pytest.raises(BuildError, match="No such file"):
        build_module([tmp_path / "missing.c"], tmp_path / "m.ko")
    with pytest.raises(BuildError, match="unknown source type"):
        build_module([write(tmp_path, "x.cpp", "")], tmp_path / "m.ko")
    with pytest.raises(BuildError, match="no source"):
        build_module([], tmp_path / "m.ko")
    with pytest.raises(BuildError, match="invalid module name"):
        build_module([SAMPLES / "hello.c"], tmp_path / "bad name.ko")
    with pytest.raises(BuildError, match="longer than 55"):
        build_module([SAMPLES / "hello.c"], tmp_path / ("n" * 56 + ".ko"))
    with pytest.raises(BuildError, match="unsupported architecture"):
        build_module([SAMPLES / "hello.c"], tmp_path / "m.ko", arch="sparc")
    with pytest.raises(BuildError, match="No such directory"):
        build_module([SAMPLES / "hello.c"], tmp_path / "nodir" / "m.ko")


def test_warnings_reach_the_callback(tmp_path):
    src = write(tmp_path, "warn.c", "int f(void) { int unused_var; return 0; }\n" + LICENSE)
    seen: list[str] = []
    build_module([src], tmp_path / "warn.ko", on_warning=seen.append)
    assert seen and "unused_var" in seen[0]


def test_kernel_library_functions_are_kernel_exports_to_modpost(tmp_path):
    """memcpy, strcmp, sort, crc32_le are klib's C: modpost knows them as the kernel's."""
    src = write(
        tmp_path,
        "uselib.c",
        "#include <linux/module.h>\n#include <linux/sort.h>\n#include <linux/crc32.h>\n"
        "#include <linux/string.h>\n"
        "static int cmp(const void *a, const void *b) { return *(int *)a - *(int *)b; }\n"
        "int uselib(char *d, const char *s, unsigned long n, int *v)\n"
        "{ memcpy(d, s, n); sort(v, n, sizeof(int), cmp, NULL);\n"
        "  return strcmp(d, s) + crc32_le(0, (void *)s, n); }\n" + LICENSE,
    )
    seen: list[str] = []
    ko = build_module([src], tmp_path / "uselib.ko", on_warning=seen.append)
    assert {"memcpy", "strcmp", "sort", "crc32_le"} <= Ko(ko).undefined()
    assert seen == []


def test_extra_cflags_reach_the_compiler(tmp_path):
    src = write(
        tmp_path,
        "dbg.c",
        "#include <linux/module.h>\n#ifndef ANSWER\n#error no ANSWER\n#endif\n"
        "int answer(void) { return ANSWER; }\n" + LICENSE,
    )
    build_module([src], tmp_path / "dbg.ko", extra_cflags=["-DANSWER=42"])


# --- the command-line front end --------------------------------------------------


def test_python_m_lkmsh_build_front_end(tmp_path, capsys):
    out = tmp_path / "hello.ko"
    assert main([str(SAMPLES / "hello.c"), "-o", str(out)]) == 0
    assert "name=hello" in Ko(out).modinfo()
    assert main([str(SAMPLES / "shared_hello.c"), "-o", str(tmp_path / "s.ko"), "--shared"]) == 0
    assert Ko(tmp_path / "s.ko").type == "ET_DYN"

    bad = write(tmp_path, "bad.c", "int x = ;\n")
    assert main([str(bad), "-o", str(tmp_path / "bad.ko")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("lkmsh build: ERROR: ")
    assert "bad.c:1" in err


def test_front_end_runs_as_a_module(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = tmp_path / "chain_top.ko"
    proc = subprocess.run(
        [sys.executable, "-m", "lkmsh.build", str(SAMPLES / "chain_top.c"), "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert "name=chain_top" in Ko(out).modinfo()


# --- the sample tree -----------------------------------------------------------


def test_compute_builds_natively_and_prints_the_known_answers(tmp_path, built):
    exe = tmp_path / "compute_host"
    subprocess.run(
        [
            "gcc",
            "-DHOST_BUILD",
            "-O2",
            "-Wall",
            "-Werror",
            "-o",
            str(exe),
            str(SAMPLES / "compute.c"),
        ],
        check=True,
    )
    lines = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout
    lines = lines.splitlines()
    assert all(line.startswith("compute: ") for line in lines)
    assert "compute: crc32(123456789) = cbf43926" in lines
    assert "compute: primes below 10000: 1229, largest 9973, sum 5736396" in lines
    assert "compute: stack machine: 299 in 18 steps" in lines
    assert built["compute"].type == "ET_REL"


def test_every_sample_source_has_a_current_prebuilt_module():
    sources = [*SAMPLES.glob("*.c"), *SAMPLES.glob("*.S"), *SAMPLES.glob("broken/*.c")]
    assert len(sources) >= 18  # the glob found the samples (more are added over time)
    for src in sources:
        ko = src.with_suffix(".ko")
        assert ko.exists(), f"{ko.relative_to(REPO)} missing: run make in sample_modules"
        assert ko.stat().st_size > 0
        mod = Ko(ko)
        assert f"vermagic={VERMAGIC}" in mod.modinfo(), f"{ko.name} is stale: run make"
        assert f"name={src.stem}" in mod.modinfo()
        assert mod.type == ("ET_DYN" if src.stem == "shared_hello" else "ET_REL")


# -- aarch64 (Debian's gcc-aarch64-linux-gnu) ---------------------------------------

needs_cross_gcc = pytest.mark.skipif(
    shutil.which("aarch64-linux-gnu-gcc") is None,
    reason="aarch64-linux-gnu-gcc is not installed (Debian package gcc-aarch64-linux-gnu)",
)


def test_no_cross_compiler_is_a_build_error_naming_the_package(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BuildError, match="Debian's gcc-aarch64-linux-gnu package") as exc:
        build_module([SAMPLES / "hello.c"], tmp_path / "hello.ko", arch="aarch64")
    assert "aarch64-linux-gnu-gcc not found" in str(exc.value)
    with pytest.raises(BuildError, match="unsupported architecture 'sparc'"):
        build_module([SAMPLES / "hello.c"], tmp_path / "hello.ko", arch="sparc")


@needs_cross_gcc
def test_an_aarch64_build_uses_the_small_code_model_and_no_libgcc_helpers(tmp_path):
    src = write(
        tmp_path,
        "atom.c",
        "#include <linux/module.h>\n#include <linux/atomic.h>\n#include <linux/kernel.h>\n"
        "static atomic_t n = ATOMIC_INIT(0);\n"
        'static int __init a_init(void) { atomic_inc(&n); pr_info("%d\\n", atomic_read(&n));'
        ' return 0; }\nmodule_init(a_init);\nMODULE_LICENSE("GPL");\n',
    )
    ko = build_module([src], tmp_path / "atom.ko", arch="arm64")
    with ko.open("rb") as fh:
        elf = ELFFile(fh)
        assert elf["e_machine"] == "EM_AARCH64" and elf["e_type"] == "ET_REL"
        undefined = {
            s.name
            for s in elf.get_section_by_name(".symtab").iter_symbols()
            if s["st_shndx"] == "SHN_UNDEF" and s.name
        }
        types = {
            r["r_info_type"]
            for sec in elf.iter_sections()
            if isinstance(sec, RelocationSection)
            for r in sec.iter_relocations()
        }
    assert undefined == {"printk"}  # no __aarch64_ldadd4_* out-of-line atomics
    # ADR_PREL_PG_HI21, ADD_ABS_LO12_NC, CALL26 or JUMP26: adrp/add and bl, never a GOT
    assert {275, 277} <= types and types & {282, 283}
    assert not types & {311, 312}
