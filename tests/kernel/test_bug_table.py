"""BUG() and WARN() as Linux's CONFIG_GENERIC_BUG: a trap with a __bug_table entry.

The kernel's trap handler finds the entry: a BUG names its file and line in
the Oops, a WARNING prints __warn()'s report (location, modules, registers,
trace), taints W and the code goes on after the trap; WARN_ON_ONCE's entry is
marked done in module memory, so it stays quiet (also across a saved state).
"""

from __future__ import annotations

import pytest
from kernel_helpers import needs_gcc, texts

from lkmsh.errors import ModuleFault

pytestmark = needs_gcc

CHECKS = r"""
#include <linux/module.h>
#include <linux/init.h>
#include <linux/bug.h>
#include <linux/printk.h>

static int level = 1;
module_param(level, int, 0644);
static int calls;

static void check(int i)
{
	WARN_ON_ONCE(i > 1);
}

static int level_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_int(val, kp);
	int i;

	if (ret)
		return ret;
	for (i = 0; i < 4; i++)
		check(i);
	calls++;
	return 0;
}

static const struct kernel_param_ops level_ops = {
	.set = level_set,
	.get = param_get_int,
};
module_param_cb(checked, &level_ops, &level, 0644);

static int __init checks_init(void)
{
	if (WARN_ON(level > 2))
		pr_info("checks: level %d too high, going on\n", level);
	WARN(level == 3, "checks: level is %d\n", level);
	BUG_ON(level == 4);
	pr_info("checks: ready\n");
	return 0;
}

static void __exit checks_exit(void)
{
	pr_info("checks: %d calls\n", calls);
}

module_init(checks_init);
module_exit(checks_exit);
MODULE_LICENSE("GPL");
"""


def _reports(lines: list[str]) -> list[list[str]]:
    """Each report, from its cut-here line to its end-of-trace line."""
    out, cur = [], None
    for line in lines:
        if line == "------------[ cut here ]------------":
            cur = [line]
        elif cur is not None:
            cur.append(line)
            if line.startswith("---[ end trace"):
                out.append(cur)
                cur = None
    return out


def test_warn_on_reports_as_linux_and_the_code_goes_on(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(CHECKS, "checks").read_bytes(), "level=3")
    lines = texts(k)
    warn_on, warn = _reports(lines)
    assert warn_on[1].startswith("WARNING: CPU: 0 PID: 1 at ")
    assert "checks.c:37 checks_init" in warn_on[1]  # __FILE__ as the build gave it
    assert warn_on[1].endswith(" [checks]")
    assert warn_on[2] == "Modules linked in: checks(O+)"
    # __warn() prints before it taints: the first report's CPU line has no W yet
    assert warn_on[3].startswith("CPU: 0 PID: 1 Comm: insmod Tainted: G           O")
    if k.arch.family == "arm64":
        assert any(line.startswith("pc : checks_init") for line in warn_on)
        assert "Call trace:" in warn_on
    else:
        assert any(line.startswith("RIP: 0010:checks_init") for line in warn_on)
        assert any(line.startswith("RAX: ") for line in warn_on)
        assert "Call Trace:" in warn_on
    # WARN(cond, fmt): the message comes first, under the one cut-here line
    assert warn[1] == "checks: level is 3"
    assert warn[2].startswith("WARNING: CPU: 0 PID: 1 at ")
    assert "checks.c:39 checks_init" in warn[2]
    assert "W" in warn[4]  # the first warning's taint shows in the second report
    assert "checks: level 3 too high, going on" in lines
    assert lines[-1] == "checks: ready"
    assert "W" in k.taints


def test_warn_on_once_reports_once_and_remembers_it_in_the_state(arch_kernel, tmp_path):
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kernel.state import StateStore

    k, build = arch_kernel
    k.module_load(build(CHECKS, "checks").read_bytes())
    assert _reports(texts(k)) == []
    k.write_file("/sys/module/checks/parameters/checked", b"1\n")
    once = _reports(texts(k))
    assert len(once) == 1 and "checks.c:13 level_set" in once[0][1]
    with StateStore(tmp_path / "s.db") as store:
        store.save(k.export_state())
        k2 = Kernel.from_state(store.load())
    k2.write_file("/sys/module/checks/parameters/checked", b"2\n")  # the entry is done
    assert len(_reports(texts(k2))) == 1
    k2.module_unload("checks")
    assert texts(k2)[-1] == "checks: 2 calls"


def test_bug_on_names_its_file_and_line(arch_kernel):
    k, build = arch_kernel
    with pytest.raises(ModuleFault):
        k.module_load(build(CHECKS, "checks").read_bytes(), "level=4")
    lines = texts(k)
    at = next(i for i, line in enumerate(lines) if line.startswith("kernel BUG at "))
    assert lines[at].endswith("checks.c:40!")
    assert lines[at - 1] == "------------[ cut here ]------------"
    if k.arch.family == "arm64":
        assert lines[at + 1] == "Internal error: Oops - BUG: 00000000f2000800 [#1] PREEMPT SMP"
    else:
        assert lines[at + 1] == "invalid opcode: 0000 [#1] PREEMPT SMP NOPTI"
    assert "checks: ready" not in lines
    assert "D" in k.taints


def test_clang_builds_get_the_same_bug_table(tmp_path):
    import shutil

    from lkmsh.build import build_module
    from lkmsh.kernel.kernel import Kernel

    if shutil.which("clang") is None:
        pytest.skip("no clang")
    src = tmp_path / "checks.c"
    src.write_text(CHECKS)
    k = Kernel()
    k.module_load(build_module([src], tmp_path / "checks.ko", cc="clang").read_bytes(), "level=3")
    assert _reports(texts(k))[0][1].startswith("WARNING: CPU: 0 PID: 1 at ")
    assert texts(k)[-1] == "checks: ready"
