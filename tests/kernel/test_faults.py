"""Each way module code can crash ends in an Oops report, a typed error and a working kernel."""

from __future__ import annotations

import errno
import re

import pytest
from kernel_helpers import needs_gcc, sample, texts

from lkmsh.errors import Busy, ModuleFault
from lkmsh.kernel.module import ModuleState

pytestmark = needs_gcc

HEADER = '#include <linux/module.h>\n#include <linux/kernel.h>\n#include <linux/slab.h>\nMODULE_LICENSE("GPL");\n'


def crash(kernel, build, body: str, name: str) -> list[str]:
    """Build a module whose init runs `body`, load it, expect an Oops, return dmesg."""
    src = (
        HEADER
        + f"static int __init crash_init(void)\n{{\n{body}\n\treturn 0;\n}}\nmodule_init(crash_init);\n"
    )
    with pytest.raises(ModuleFault) as exc:
        kernel.module_load(build(src, name))
    assert exc.value.errno == errno.EFAULT
    assert kernel.module_find(name) is None
    assert not any(r.owner == name for r in kernel.mem.regions())
    # ... and the kernel goes on.
    assert kernel.module_load(sample("hello")).state is ModuleState.RUNNING
    kernel.module_unload("hello")
    return texts(kernel)


def test_write_to_rodata_is_a_permissions_violation(kernel, build):
    lines = crash(
        kernel,
        build,
        "\tstatic const int answer = 42;\n\t*(volatile int *)&answer = 7;",
        "ro_write",
    )
    assert any(
        line.startswith("BUG: unable to handle page fault for address: ffffffffa") for line in lines
    )
    assert "#PF: supervisor write access in kernel mode" in lines
    assert "#PF: error_code(0x0003) - permissions violation" in lines
    assert any(
        line.startswith("RIP: 0010:crash_init+0x") and line.endswith("[ro_write]") for line in lines
    )


def test_a_wild_pointer_read_is_a_not_present_page(kernel, build):
    lines = crash(kernel, build, "\t(void)*(volatile long *)0xffff880012345678UL;", "wild")
    assert "BUG: unable to handle page fault for address: ffff880012345678" in lines
    assert "#PF: error_code(0x0000) - not-present page" in lines


def test_bug_is_reported_as_kernel_bug(kernel, build):
    lines = crash(kernel, build, "\tBUG();", "bugger")
    # the bug table's file and line, as Linux (CONFIG_DEBUG_BUGVERBOSE)
    assert any(re.fullmatch(r"kernel BUG at .*bugger\.c:\d+!", line) for line in lines)
    assert "invalid opcode: 0000 [#1] PREEMPT SMP NOPTI" in lines


def test_an_invalid_opcode(kernel, build):
    lines = crash(kernel, build, '\tasm volatile(".byte 0x0f, 0xff");', "badop")
    assert "invalid opcode: 0000 [#1] PREEMPT SMP NOPTI" in lines


def test_executing_data_is_refused_by_nx(kernel, build):
    body = "\tstatic unsigned char code[] = { 0xc3 };\n\t((void (*)(void))code)();"
    lines = crash(kernel, build, body, "nx")
    assert "kernel tried to execute NX-protected page - exploit attempt? (uid: 0)" in lines
    assert "#PF: supervisor instruction fetch in kernel mode" in lines


def test_a_fault_in_exit_still_unloads_the_module(kernel, build):
    src = HEADER + (
        "static int __init i(void) { return 0; }\n"
        "static void __exit e(void) { *(volatile int *)0 = 1; }\n"
        "module_init(i);\nmodule_exit(e);\n"
    )
    kernel.module_load(build(src, "bad_exit"))
    with pytest.raises(ModuleFault):
        kernel.module_unload("bad_exit")
    assert kernel.module_find("bad_exit") is None
    assert "BUG: kernel NULL pointer dereference, address: 0000000000000000" in texts(kernel)


def test_a_module_without_exit_is_permanent(kernel, build):
    src = HEADER + "static int __init i(void) { return 0; }\nmodule_init(i);\n"
    m = kernel.module_load(build(src, "forever"))
    assert m.permanent
    assert "[permanent]," in kernel.read_proc("/proc/modules").decode()
    with pytest.raises(Busy):
        kernel.module_unload("forever")
    kernel.module_unload("forever", force=True)
    assert kernel.module_find("forever") is None


def test_a_freed_page_sized_object_faults_though_its_backing_is_reused(kernel, build):
    # The freed pages' physical range waits in the address space's pool and stays
    # mapped in unicorn: the next allocation of the size gets it zeroed, and the
    # freed virtual pages still fault.
    lines = crash(
        kernel,
        build,
        "\tchar *p = kmalloc(4 * PAGE_SIZE, GFP_KERNEL), *q;\n"
        "\tif (!p)\n\t\treturn -ENOMEM;\n"
        "\tmemset(p, 0x5a, 4 * PAGE_SIZE);\n"
        "\tkfree(p);\n"
        "\tq = kmalloc(4 * PAGE_SIZE, GFP_KERNEL);\n"
        "\tif (!q)\n\t\treturn -ENOMEM;\n"
        '\tpr_info("reused: %d %d\\n", q[0], q[PAGE_SIZE + 7]);\n'
        "\tkfree(q);\n"
        "\tWRITE_ONCE(p[5], 1);\n",
        "crash_pooled",
    )
    assert "reused: 0 0" in lines
    assert any("BUG: unable to handle page fault for address" in line for line in lines), lines
