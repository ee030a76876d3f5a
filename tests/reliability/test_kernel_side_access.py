"""Kernel functions honour page permissions on the pointers a module gives them (issue 17, 1).

Each case is one hostile module, built here: it hands memset, strcpy,
memcpy, sprintf, kstrtoint... a pointer into read-only memory (its own
.rodata or .text, kernel text, another module's text). The write must fault
as the module's own store would: Linux's "permissions violation" Oops, the
bytes unchanged, the load failed, and the kernel still working after.
"""

from __future__ import annotations

import errno

import pytest
from reliability_helpers import last_seq, lines_since, needs_gcc, sample

from lkmsh.errors import ModuleFault
from lkmsh.kernel.module import ModuleState

pytestmark = needs_gcc

ATTACKER = r"""
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/kstrtox.h>

static char *what = "none";
module_param(what, charp, 0444);
static int n = 1;	/* a count gcc cannot see: the calls stay calls */
module_param(n, int, 0444);

static const char motto[16] = "read only";
static const int answer = 42;

/* a pointer whose object FORTIFY_SOURCE cannot size: strcpy stays the kernel's call */
static char *unsized(const void *p)
{
	char *q = (char *)p;

	OPTIMIZER_HIDE_VAR(q);
	return q;
}

static noinline int victim(int x)
{
	return x + 1;
}

extern int provider_add(int a, int b) __attribute__((weak));

static int __init pw_init(void)
{
	if (!strcmp(what, "memset_printk"))
		memset((void *)printk, 0xcc, n);
	else if (!strcmp(what, "strcpy_rodata"))
		strcpy(unsized(motto), unsized("patched"));
	else if (!strcmp(what, "memcpy_text"))
		memcpy((void *)victim, "\xc3", n);
	else if (!strcmp(what, "sprintf_rodata"))
		sprintf((char *)motto, "%d", 7);
	else if (!strcmp(what, "kstrtoint_rodata"))
		return kstrtoint("7", 10, (int *)&answer);
	else if (!strcmp(what, "other_module"))
		memset((void *)provider_add, 0x90, 4 * n);
	pr_info("%s %d %d\n", motto, answer, victim(1));
	return 0;
}
static void __exit pw_exit(void)
{
}
module_init(pw_init);
module_exit(pw_exit);
MODULE_LICENSE("GPL");
"""


@pytest.fixture(scope="module")
def attacker(tmp_path_factory):
    from lkmsh.build import build_module

    out = tmp_path_factory.mktemp("pw")
    (out / "pw_attacker.c").write_text(ATTACKER)
    return build_module([out / "pw_attacker.c"], out / "pw_attacker.ko")


def image(kernel) -> bytes:
    """Every byte of kernel text and module text/rodata (what no write may change)."""
    return b"".join(
        bytes(r.data)
        for r in kernel.mem.regions()
        if not r.transient and not r.common & 2  # pages nobody may write
    )


def attack(kernel, attacker, what: str) -> list[str]:
    seq = last_seq(kernel)
    before = image(kernel)
    with pytest.raises(ModuleFault) as exc:
        kernel.module_load(attacker, f"what={what}")
    assert exc.value.errno == errno.EFAULT
    assert kernel.module_find("pw_attacker") is None
    lines = lines_since(kernel, seq)
    # the read-only images are as they were: no byte of text or rodata moved
    after = image(kernel)
    assert after == before[: len(after)] or after == before
    return lines


def report(lines: list[str], function: str, address_prefix: str = "") -> list[str]:
    start = next(i for i, x in enumerate(lines) if x.startswith("BUG: unable to handle page fault"))
    block = lines[start : start + 5]
    assert block[0].startswith(f"BUG: unable to handle page fault for address: {address_prefix}")
    assert block[1:4] == [
        "#PF: supervisor write access in kernel mode",
        "#PF: error_code(0x0003) - permissions violation",
        "Oops: 0003 [#1] PREEMPT SMP NOPTI",
    ]
    # the faulting store is in that function (a trap slot, or klib's C for mem*/strcpy)
    rip = next(x for x in lines[start:] if x.startswith("RIP: "))
    assert rip.startswith(f"RIP: 0010:{function}+0x")
    return block


def still_prints(kernel) -> None:
    """printk's trap slot is intact: a module that prints still loads and runs."""
    seq = last_seq(kernel)
    m = kernel.module_load(sample("hello"))
    assert m.state is ModuleState.RUNNING
    kernel.module_unload("hello")
    assert any("Hello" in x or "hello" in x for x in lines_since(kernel, seq))


def test_memset_of_a_kernel_function_faults_and_printk_keeps_working(kernel, attacker):
    printk = kernel.symbol_address("printk")
    lines = attack(kernel, attacker, "memset_printk")
    report(lines, "memset", f"{printk:016x}")
    assert "D" in kernel.taints
    still_prints(kernel)


@pytest.mark.parametrize(
    ("what", "function"),
    [
        ("strcpy_rodata", "strcpy"),
        ("sprintf_rodata", "sprintf"),
        ("kstrtoint_rodata", "kstrtoint"),
        ("memcpy_text", "memcpy"),
    ],
)
def test_a_kernel_function_cannot_write_the_modules_own_read_only_memory(
    kernel, attacker, what, function
):
    report(attack(kernel, attacker, what), function)
    m = kernel.module_load(attacker)  # the same module, harmless: its rodata and text intact
    assert lines_since(kernel, last_seq(kernel) - 1)[-1] == "pw_attacker: read only 42 2"
    kernel.module_unload(m.name)


def test_a_kernel_function_cannot_patch_another_modules_text(kernel, attacker):
    provider = kernel.module_load(sample("provider"))
    add = kernel.symbol_address("provider_add")
    text = kernel.mem.read(add, 4)
    report(attack(kernel, attacker, "other_module"), "memset", f"{add:016x}")
    assert kernel.mem.read(add, 4) == text
    consumer = kernel.module_load(sample("consumer"))  # calls provider_add: still right
    assert consumer.state is ModuleState.RUNNING
    kernel.module_unload("consumer")
    kernel.module_unload(provider.name)


def test_a_patched_state_is_never_saved(kernel, attacker, tmp_path):
    """The refused write leaves nothing for the state file: a restored kernel prints."""
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kernel.state import StateStore

    with pytest.raises(ModuleFault):
        kernel.module_load(attacker, "what=memset_printk")
    with StateStore(tmp_path / "s.db") as store:
        store.save(kernel.export_state())
        restored = Kernel.from_state(store.load())
    still_prints(restored)


CARELESS_DRIVER = r"""
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

/* Both forget copy_{from,to}_user and use the user pointer as a kernel one. */
static ssize_t pw_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	char *kbuf = kmalloc(count, GFP_KERNEL);

	if (!kbuf)
		return -ENOMEM;
	memcpy(kbuf, (const void __force *)ubuf, count);
	kfree(kbuf);
	return count;
}

static char *reply = "x";
module_param(reply, charp, 0444);

static ssize_t pw_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	strcpy((char __force *)ubuf, reply);
	return 1;
}

static const struct file_operations pw_fops = {
	.owner = THIS_MODULE,
	.read = pw_read,
	.write = pw_write,
};

static struct miscdevice pw_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "pw_careless",
	.fops = &pw_fops,
};

module_misc_device(pw_misc);
MODULE_LICENSE("GPL");
"""


@pytest.mark.parametrize(
    ("op", "function", "access"), [("write", "memcpy", "read"), ("read", "strcpy", "write")]
)
def test_kernel_functions_cannot_touch_user_memory_directly(kernel, tmp_path, op, function, access):
    """SMAP: a user pointer is for copy_{to,from}_user; memcpy/strcpy on one Oops."""
    from lkmsh.build import build_module
    from lkmsh.errors import KernelError

    (tmp_path / "pw_careless.c").write_text(CARELESS_DRIVER)
    kernel.module_load(build_module([tmp_path / "pw_careless.c"], tmp_path / "pw_careless.ko"))
    seq = last_seq(kernel)
    with pytest.raises(KernelError) as exc:
        if op == "write":
            kernel.write_file("/dev/pw_careless", b"hello")
        else:
            kernel.read_file("/dev/pw_careless", 8)
    assert exc.value.errno == errno.EFAULT
    lines = lines_since(kernel, seq)
    head = next(
        x for x in lines if x.startswith("BUG: unable to handle page fault for address: 00007f")
    )
    i = lines.index(head)
    assert lines[i + 1 : i + 3] == [
        f"#PF: supervisor {access} access in kernel mode",
        f"#PF: error_code(0x000{3 if access == 'write' else 1}) - permissions violation",
    ]
    assert any(x.startswith(f"RIP: 0010:{function}+") for x in lines), lines


DEREF_DRIVER = r"""
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

static char last;

/* The classic mistake: the __user pointer dereferenced as if it were a kernel one. */
static ssize_t dr_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	last = *(const char __force *)ubuf;
	return count;
}

static ssize_t dr_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	*(char __force *)ubuf = last;
	return 1;
}

/* Worse: jumping into the caller's buffer. */
static long dr_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void (*fn)(void) = (void (*)(void))arg;

	fn();
	return 0;
}

static const struct file_operations dr_fops = {
	.owner = THIS_MODULE,
	.read = dr_read,
	.write = dr_write,
	.unlocked_ioctl = dr_ioctl,
};

static struct miscdevice dr_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "dr_deref",
	.fops = &dr_fops,
};

module_misc_device(dr_misc);
MODULE_LICENSE("GPL");
"""


def _deref(kernel, tmp_path, op: str) -> list[str]:
    from lkmsh.build import build_module
    from lkmsh.errors import KernelError

    arch = kernel.arch.name
    (tmp_path / "dr_deref.c").write_text(DEREF_DRIVER)
    ko = build_module([tmp_path / "dr_deref.c"], tmp_path / "dr_deref.ko", arch=arch)
    kernel.module_load(ko)
    seq = last_seq(kernel)
    with pytest.raises(KernelError) as exc:
        if op == "write":
            kernel.write_file("/dev/dr_deref", b"hello")
        elif op == "read":
            kernel.read_file("/dev/dr_deref", 8)
        else:
            f = kernel.open("/dev/dr_deref")
            try:
                kernel.ioctl_buffer(f, 0x1234, b"\xc3" * 16)  # ret; ret; ...
            finally:
                kernel.close(f)
    assert exc.value.errno == errno.EFAULT
    lines = lines_since(kernel, seq)
    kernel.module_unload("dr_deref")  # the kernel goes on
    return lines


@pytest.mark.parametrize(("op", "access", "code"), [("write", "read", 1), ("read", "write", 3)])
def test_module_code_dereferencing_a_user_pointer_faults_as_with_smap(
    kernel, tmp_path, op, access, code
):
    """x86 SMAP: a direct load or store to a user page from kernel mode is a
    permissions violation (arch/x86/mm/fault.c's show_fault_oops words)."""
    lines = _deref(kernel, tmp_path, op)
    head = next(x for x in lines if x.startswith("BUG: unable to handle page fault for address"))
    assert head.split(": ")[-1].startswith("00007f")  # the caller's buffer
    i = lines.index(head)
    assert lines[i + 1 : i + 4] == [
        f"#PF: supervisor {access} access in kernel mode",
        f"#PF: error_code(0x000{code}) - permissions violation",
        f"Oops: 000{code} [#1] PREEMPT SMP NOPTI",
    ]
    assert any(x.startswith(f"RIP: 0010:dr_{op}+0x") for x in lines), lines


def test_module_code_executing_user_memory_faults_as_with_smep(kernel, tmp_path):
    lines = _deref(kernel, tmp_path, "ioctl")
    i = lines.index("unable to execute userspace code (SMEP?) (uid: 0)")
    assert lines[i + 1].startswith("BUG: unable to handle page fault for address: 00007f")
    assert lines[i + 2 : i + 4] == [
        "#PF: supervisor instruction fetch in kernel mode",
        "#PF: error_code(0x0011) - permissions violation",
    ]


@pytest.mark.parametrize(("op", "wnr"), [("write", 0), ("read", 1)])
def test_arm64_module_code_dereferencing_a_user_pointer_faults_as_with_pan(tmp_path, op, wnr):
    """arm64 PAN: do_page_fault's die_kernel_fault for a user page."""
    from lkmsh.build import cross_compiler_available
    from lkmsh.kernel.kernel import Kernel, KernelConfig

    if not cross_compiler_available("aarch64"):
        pytest.skip("aarch64-linux-gnu-gcc is not installed")
    kernel = Kernel(KernelConfig(arch="aarch64", insn_budget=3_000_000, timeout_s=10.0))
    lines = _deref(kernel, tmp_path, op)
    head = next(x for x in lines if x.startswith("Unable to handle kernel "))
    assert head.startswith(
        "Unable to handle kernel access to user memory outside uaccess routines"
        " at virtual address 00007f"
    ), head
    i = lines.index(head)
    assert lines[i + 1] == "Mem abort info:"
    assert "  FSC = 0x0f: level 3 permission fault" in lines
    assert f"  CM = 0, WnR = {wnr}, TnD = 0, TagAccess = 0" in lines
    assert any(x.startswith(f"pc : dr_{op}+0x") for x in lines), lines
