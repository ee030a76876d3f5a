"""Tables in a module that aim the kernel's own writes elsewhere (issue 17, items 2 and 3).

A ``__param`` entry names the variable insmod writes a value into; a
relocation names the place the loader patches. Crafted ones must not reach
kernel text, another module, or past their section: the load is refused
(ENOEXEC) and no byte outside the refused module changes.
"""

from __future__ import annotations

import errno
import struct

import pytest
from fuzz_oracle import memory_digest
from reliability_helpers import needs_gcc, sample

from lkmsh.errors import KernelError
from lkmsh.kernel.module import ModuleState

pytestmark = needs_gcc

CRAFTED_PARAMS = r"""
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/kernel.h>

static int count = 1;
module_param(count, int, 0444);
static const int fixed = 5;
static unsigned int few[2];
extern int provider_counter __attribute__((weak));

/* A struct kernel_param written by hand, aimed where the macros never aim. */
#define CRAFTED(id, target, kind)						\
	static const char __pname_##id[] = #id;				\
	static const struct kernel_param __param_##id __used		\
	__section("__param") __aligned(sizeof(void *)) = {			\
		.name = __pname_##id, .mod = THIS_MODULE,			\
		.ops = &param_ops_##kind, .perm = 0444, .level = -1,		\
		.arg = (void *)(target),					\
	}
#define CRAFTED_ARRAY(id, elems, kind, cap, nump)				\
	static const struct kparam_array __arr_##id = {			\
		.max = cap, .elemsize = sizeof(elems[0]), .num = nump,		\
		.ops = &param_ops_##kind, .elem = elems,			\
	};									\
	static const char __pname_##id[] = #id;				\
	static const struct kernel_param __param_##id __used		\
	__section("__param") __aligned(sizeof(void *)) = {			\
		.name = __pname_##id, .mod = THIS_MODULE,			\
		.ops = &param_array_ops, .perm = 0444, .level = -1,		\
		.arr = &__arr_##id,						\
	}

#if defined(AIM_TEXT)
CRAFTED(aim, printk, int);
#elif defined(AIM_RODATA)
CRAFTED(aim, &fixed, int);
#elif defined(AIM_OTHER_MODULE)
CRAFTED(aim, &provider_counter, int);
#elif defined(AIM_PAST_END)
CRAFTED_ARRAY(aim, few, uint, 1 << 20, NULL);
#elif defined(AIM_COUNT)
CRAFTED_ARRAY(aim, few, uint, 2, (unsigned int *)printk);
#endif

static int __init cp_init(void)
{
	pr_info("cp: count=%d fixed=%d few=%u\n", count, fixed, few[0]);
	return 0;
}

static void __exit cp_exit(void)
{
}
module_init(cp_init);
module_exit(cp_exit);
MODULE_LICENSE("GPL");
"""


def build_crafted(tmp_path, define: str):
    from lkmsh.build import build_module

    src = tmp_path / "cp_crafted.c"
    src.write_text(f"#define {define}\n" + CRAFTED_PARAMS)
    return build_module([src], tmp_path / "cp_crafted.ko")


@pytest.mark.parametrize(
    "define", ["AIM_TEXT", "AIM_RODATA", "AIM_OTHER_MODULE", "AIM_PAST_END", "AIM_COUNT"]
)
def test_a_param_entry_cannot_aim_outside_the_modules_writable_memory(kernel, tmp_path, define):
    provider = kernel.module_load(sample("provider"))
    ko = build_crafted(tmp_path, define)
    before = memory_digest(kernel)
    with pytest.raises(KernelError) as exc:
        kernel.module_load(ko, "aim=7")
    assert exc.value.errno == errno.ENOEXEC
    assert kernel.module_find("cp_crafted") is None
    assert memory_digest(kernel) == before
    assert any(
        "parameter aim:" in r.text and "not the module's own writable memory" in r.text
        for r in kernel.dmesg()
    )
    consumer = kernel.module_load(sample("consumer"))  # provider and printk are intact
    assert consumer.state is ModuleState.RUNNING
    assert "consumer: provider_add(2, 3) = 5" in [r.text for r in kernel.dmesg()]
    kernel.module_unload("consumer")
    kernel.module_unload(provider.name)


def test_an_honest_param_table_still_works(kernel, tmp_path):
    ko = build_crafted(tmp_path, "HONEST")
    kernel.module_load(ko, "count=9")
    assert "cp: count=9 fixed=5 few=0" in [r.text for r in kernel.dmesg()]


# -- relocations -------------------------------------------------------------------

ELF64_SHDR = struct.Struct("<IIQQQQIIQQ")
ELF64_RELA = struct.Struct("<QQq")


def move_last_relocation(data: bytes, section: str, width: int) -> tuple[bytes, int]:
    """The module with one relocation of ``width`` bytes moved to ``section``'s last byte."""
    from lkmsh.elf import ElfFile

    ef = ElfFile(data)
    target = ef.section_by_name(section)
    rs = next(r for r in ef.relocation_sections if r.target and r.target.index == target.index)
    rtypes = {8: 1, 4: 2}  # R_X86_64_64, R_X86_64_PC32
    index = next(i for i, r in enumerate(rs.relocations) if r.type == rtypes[width])
    out = bytearray(data)
    at = rs.section.offset + index * ELF64_RELA.size
    _, info, addend = ELF64_RELA.unpack_from(out, at)
    ELF64_RELA.pack_into(out, at, target.size - 1, info, addend)
    return bytes(out), target.size


@pytest.mark.parametrize(("section", "width"), [(".text", 4), (".gnu.linkonce.this_module", 8)])
def test_a_relocation_that_would_spill_past_its_section_is_refused(kernel, section, width):
    image = sample("provider").read_bytes()
    from lkmsh.elf import ElfFile

    if not any(
        r.type == {8: 1, 4: 2}[width]
        for rs in ElfFile(image).relocation_sections
        if rs.target and rs.target.name == section
        for r in rs.relocations
    ):
        pytest.skip(f"provider.ko has no {width}-byte relocation in {section}")
    hostile, _ = move_last_relocation(image, section, width)
    hello = kernel.module_load(sample("hello"))
    before = memory_digest(kernel)
    with pytest.raises(KernelError) as exc:
        kernel.module_load(hostile)
    assert exc.value.errno == errno.ENOEXEC
    assert "past the end of its section" in str(exc.value)
    assert memory_digest(kernel) == before
    kernel.module_unload(hello.name)
