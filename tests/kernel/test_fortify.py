"""CONFIG_FORTIFY_SOURCE (<linux/fortify-string.h>): modules are built with the
checked string functions, as Debian's 6.1 kbuild builds them. An overflow the
compiler can prove fails the build, one found at run time is fortify_panic()'s
report and BUG(), a memcpy across struct fields is a WARNING; copies that fit
behave exactly as the plain functions.
"""

from __future__ import annotations

import pytest
from kernel_helpers import needs_gcc, texts

from lkmsh.errors import BuildError, ModuleFault

pytestmark = needs_gcc

# A driver-style module: a fixed-size name field filled from a module parameter.
NAMES = r"""
#include <linux/module.h>
#include <linux/init.h>
#include <linux/string.h>
#include <linux/slab.h>

static char *label = "eth0";
module_param(label, charp, 0444);
static int how;
module_param(how, int, 0444);

struct port {
	char name[8];
	int flags;
	char alias[16];
};

static struct port port;

static int __init names_init(void)
{
	char *copy;

	switch (how) {
	case 0:
		strcpy(port.name, label);
		break;
	case 1:
		memcpy(port.name, label, strlen(label));
		break;
	case 2:
		if (strscpy(port.alias, label, sizeof(port.alias)) < 0)
			pr_info("names: alias truncated\n");
		strlcpy(port.name, label, sizeof(port.name));
		strncat(port.alias, "+", sizeof(port.alias) - strlen(port.alias) - 1);
		break;
	case 3:
		copy = kmemdup(label, strlen(label) + 1, GFP_KERNEL);
		if (!copy)
			return -ENOMEM;
		pr_info("names: scan stops at %td\n",
			(char *)memscan(copy, '0', strlen(copy)) - copy);
		kfree(copy);
		return 0;
	}
	pr_info("names: name=%.8s alias=%s strnlen=%zu\n", port.name, port.alias,
		strnlen(port.name, sizeof(port.name)));
	return 0;
}

static void __exit names_exit(void)
{
}

module_init(names_init);
module_exit(names_exit);
MODULE_LICENSE("GPL");
"""


def test_copies_that_fit_behave_as_the_plain_functions(arch_kernel):
    k, build = arch_kernel
    data = build(NAMES, "names").read_bytes()
    k.module_load(data, "how=0 label=eth0")
    assert "names: name=eth0 alias= strnlen=4" in texts(k)
    k.module_unload("names")
    k.module_load(data, "how=2 label=a-very-long-interface-name")
    assert "names: alias truncated" in texts(k)
    assert "names: name=a-very- alias=a-very-long-int strnlen=7" in texts(k)
    k.module_unload("names")
    k.module_load(data, "how=3 label=abc0def")
    assert "names: scan stops at 3" in texts(k)
    k.module_unload("names")
    k.module_load(data, "how=3 label=abcdef")
    assert "names: scan stops at 6" in texts(k)  # not found: the end, never NULL


def test_a_run_time_overflow_is_fortify_panic_and_bug(arch_kernel):
    k, build = arch_kernel
    data = build(NAMES, "names").read_bytes()
    with pytest.raises(ModuleFault):
        k.module_load(data, "how=0 label=longer-than-eight")
    lines = texts(k)
    at = lines.index("detected buffer overflow in strcpy")
    assert lines[at + 1 : at + 3] == [
        "------------[ cut here ]------------",
        "kernel BUG at lib/string_helpers.c:1027!",
    ]
    if k.arch.family == "arm64":
        assert lines[at + 3] == "Internal error: Oops - BUG: 00000000f2000800 [#1] PREEMPT SMP"
        assert "pc : fortify_panic+0x0/0x10" in lines
        assert any(line.startswith(" names_init") for line in lines)
    else:
        assert lines[at + 3] == "invalid opcode: 0000 [#1] PREEMPT SMP NOPTI"
        assert "RIP: 0010:fortify_panic+0x0/0x10" in lines
        assert any(line.startswith(" names_init") for line in lines)
    assert lines[-1] == "---[ end trace 0000000000000000 ]---"
    assert "D" in k.taints
    assert "names: name=" not in " ".join(lines)  # the copy never happened


def test_a_memcpy_across_fields_warns_and_goes_on(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(NAMES, "names").read_bytes(), "how=1 label=0123456789ab")
    lines = texts(k)
    spans = [line for line in lines if "field-spanning" in line]
    assert len(spans) == 1
    assert spans[0].startswith(
        'memcpy: detected field-spanning write (size 12) of single field "port.name" at '
    )
    assert spans[0].endswith(" (size 8)")
    assert "names: name=01234567 alias= strnlen=8" in lines  # within the struct: it went on
    # past the whole object: not a warning but the panic
    k.module_unload("names")
    with pytest.raises(ModuleFault):
        k.module_load(build(NAMES, "names").read_bytes(), "how=1 label=" + "x" * 40)
    assert "detected buffer overflow in memcpy" in texts(k)


OVERFLOW_AT_BUILD = r"""
#include <linux/module.h>
#include <linux/string.h>

static char small[4];
static char *src = "too long for it";

static int __init ob_init(void)
{
#ifdef WRITE_PAST_OBJECT
	strncpy(small, src, 16);
#else
	memcpy(small, "too long for it", 16);
#endif
	return 0;
}
module_init(ob_init);
MODULE_LICENSE("GPL");
"""


@pytest.mark.parametrize("cc", ["gcc", "clang"])
def test_an_overflow_the_compiler_proves_fails_the_build(cc, tmp_path):
    import shutil

    from lkmsh.build import build_module

    if shutil.which(cc) is None:
        pytest.skip(f"no {cc}")
    src = tmp_path / "ob.c"
    src.write_text(OVERFLOW_AT_BUILD)
    with pytest.raises(BuildError, match="detected write beyond size of object"):
        build_module([src], tmp_path / "ob.ko", cc=cc, extra_cflags=["-DWRITE_PAST_OBJECT"])
    # a constant memcpy past the field is a warning at build time, the panic at run time
    warnings: list[str] = []
    data = build_module([src], tmp_path / "ob.ko", cc=cc, on_warning=warnings.append)
    assert "detected write beyond size of field" in "".join(warnings)
    from lkmsh.kernel.kernel import Kernel

    k = Kernel()
    with pytest.raises(ModuleFault):
        k.module_load(data.read_bytes())
    assert "detected buffer overflow in memcpy" in texts(k)


def test_clang_builds_get_the_same_checks(tmp_path):
    import shutil

    from lkmsh.build import build_module
    from lkmsh.kernel.kernel import Kernel

    if shutil.which("clang") is None:
        pytest.skip("no clang")
    src = tmp_path / "names.c"
    src.write_text(NAMES)
    data = build_module([src], tmp_path / "names.ko", cc="clang").read_bytes()
    k = Kernel()
    k.module_load(data, "how=2 label=short")
    assert "names: name=short alias=short+ strnlen=5" in texts(k)
    k.module_unload("names")
    with pytest.raises(ModuleFault):
        k.module_load(data, "how=0 label=longer-than-eight")
    assert "detected buffer overflow in strcpy" in texts(k)
