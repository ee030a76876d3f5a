"""Live patching (<linux/livepatch.h>) with modules written as patch authors write them,
on both architectures: lp_target (a /proc file whose function gets fixed, and a
function a work item sleeps in), lp_fix (a patch for vmlinux's cmdline_proc_show and
both lp_target functions, with callbacks) and lp_shadow (the shadow variable API).
"""

from __future__ import annotations

import errno

import pytest
from kernel_helpers import HERE_MODULES, texts

from lkmsh.errors import InitFailed, KernelError
from lkmsh.kernel.kernel import Kernel

SOURCES = {n: (HERE_MODULES / f"{n}.c").read_text() for n in ("lp_target", "lp_fix", "lp_shadow")}
ROOT = "/sys/kernel/livepatch/lp_fix"
ORIGINAL, PATCHED = b"hello from the original\n", b"hello from the patch\n"


@pytest.fixture
def lp(arch_kernel):
    """(kernel, load): load(name, params) builds (once) and inserts one of the modules."""
    k, build = arch_kernel
    built: dict[str, bytes] = {}

    def load(name: str, params: str = "", kernel: Kernel | None = None):
        if name not in built:
            built[name] = build(SOURCES[name], name).read_bytes()
        return (kernel or k).module_load(built[name], params)

    return k, load


def _lines(k, since: int = 0) -> list[str]:
    return [t for t in texts(k)[since:] if "taints kernel" not in t]


def _sysfs(k, name: str) -> str:
    return k.read_file(f"{ROOT}/{name}").decode().strip()


def test_a_patch_replaces_module_and_kernel_functions_until_it_is_disabled(lp):
    k, load = lp
    load("lp_target")
    assert k.read_file("/proc/lp_target") == ORIGINAL
    load("lp_fix")
    assert k.read_file("/proc/lp_target") == PATCHED
    assert k.read_file("/proc/cmdline") == b"lp_fix: this has been live patched\n"
    assert _lines(k) == [
        "lp_target: loaded",
        "lp_fix: tainting kernel with TAINT_LIVEPATCH",
        "livepatch: enabling patch 'lp_fix'",
        "lp_fix: pre_patch: vmlinux",
        "lp_fix: pre_patch: lp_target (live)",
        "livepatch: 'lp_fix': starting patching transition",
        "lp_fix: post_patch: vmlinux",
        "lp_fix: post_patch: lp_target (live)",
        "livepatch: 'lp_fix': patching complete",
    ]
    assert "K" in k.taints and k.module_find("lp_fix").taints == "OK"
    assert [_sysfs(k, f) for f in ("enabled", "transition", "vmlinux/patched")] == ["1", "0", "1"]
    assert {e.name for e in k.listdir(f"{ROOT}/lp_target")} == {
        "patched",
        "lp_target_greeting,1",
        "lp_target_slow,1",
    }
    modes = {e.name: e.mode & 0o777 for e in k.listdir(ROOT)}
    assert modes == {"enabled": 0o644, "transition": 0o444, "force": 0o200, "vmlinux": 0o755,
                     "lp_target": 0o755}  # fmt: skip
    with pytest.raises(KernelError, match="in use"):  # the patch holds its own module
        k.module_unload("lp_fix")
    with pytest.raises(KernelError) as exc:  # already enabled: -EINVAL, as enabled_store
        k.write_file(f"{ROOT}/enabled", b"1\n")
    assert exc.value.errno == errno.EINVAL
    seen = len(texts(k))
    k.write_file(f"{ROOT}/enabled", b"0\n")
    assert k.read_file("/proc/lp_target") == ORIGINAL
    assert k.read_file("/proc/cmdline") == b"\n"
    assert _lines(k, seen) == [
        "lp_fix: pre_unpatch: vmlinux",
        "lp_fix: pre_unpatch: lp_target (live)",
        "livepatch: 'lp_fix': starting unpatching transition",
        "lp_fix: post_unpatch: vmlinux",
        "lp_fix: post_unpatch: lp_target (live)",
        "livepatch: 'lp_fix': unpatching complete",
    ]
    assert k.listdir("/sys/kernel/livepatch") == []
    k.module_unload("lp_fix")
    k.module_unload("lp_target")


def test_a_module_loaded_later_is_patched_before_its_init_and_unpatched_as_it_goes(lp):
    k, load = lp
    load("lp_fix")
    assert _sysfs(k, "lp_target/patched") == "0"
    seen = len(texts(k))
    load("lp_target")
    assert k.read_file("/proc/lp_target") == PATCHED
    assert _sysfs(k, "lp_target/patched") == "1"
    assert _lines(k, seen) == [
        "livepatch: applying patch 'lp_fix' to loading module 'lp_target'",
        "lp_fix: pre_patch: lp_target (coming)",
        "lp_fix: post_patch: lp_target (coming)",
        "lp_target: loaded",
    ]
    seen = len(texts(k))
    k.module_unload("lp_target")
    assert _lines(k, seen) == [
        "lp_target: unloaded",
        "lp_fix: pre_unpatch: lp_target (going)",
        "livepatch: reverting patch 'lp_fix' on unloading module 'lp_target'",
        "lp_fix: post_unpatch: lp_target (going)",
    ]
    assert _sysfs(k, "lp_target/patched") == "0"
    load("lp_target")  # and again
    assert k.read_file("/proc/lp_target") == PATCHED


def test_a_failing_pre_patch_callback_refuses_the_patch_or_the_module(lp):
    k, load = lp
    with pytest.raises(InitFailed) as exc:
        load("lp_fix", "pre_patch_ret=-19")
    assert exc.value.errno == errno.ENODEV
    assert _lines(k)[1:] == [
        "livepatch: enabling patch 'lp_fix'",
        "lp_fix: pre_patch: vmlinux",
        "livepatch: pre-patch callback failed for object 'vmlinux'",
        "livepatch: failed to enable patch 'lp_fix'",
        "livepatch: 'lp_fix': unpatching complete",
    ]
    assert k.module_find("lp_fix") is None and k.listdir("/sys/kernel/livepatch") == []
    # enabled with callbacks that succeed, then told to fail for the next module
    load("lp_fix")
    k.write_file("/sys/module/lp_fix/parameters/pre_patch_ret", b"-19")
    seen = len(texts(k))
    with pytest.raises(KernelError) as exc:
        load("lp_target")
    assert exc.value.errno == errno.ENODEV
    assert _lines(k, seen) == [
        "livepatch: applying patch 'lp_fix' to loading module 'lp_target'",
        "lp_fix: pre_patch: lp_target (coming)",
        "livepatch: pre-patch callback failed for object 'lp_target'",
        "livepatch: patch 'lp_fix' failed for module 'lp_target', refusing to load module"
        " 'lp_target'",
    ]
    assert k.module_find("lp_target") is None


def test_the_transition_waits_for_a_task_sleeping_in_a_patched_function(lp):
    """The consistency model: the work item is inside lp_target_slow() for 3 s of virtual
    time; the patch completes at the first check after it left (a second apart, on
    whole seconds of jiffies, as round_jiffies_relative(HZ))."""
    k, load = lp
    load("lp_target", "busy_ms=3000")
    k.sleep(1_000_000)  # the work starts
    load("lp_fix")
    assert _sysfs(k, "transition") == "1"
    assert _lines(k)[-1] == "livepatch: 'lp_fix': starting patching transition"
    assert k.read_file("/proc/lp_target") == PATCHED  # this task switched at once
    k.sleep(2_000_000_000)
    assert _sysfs(k, "transition") == "1"
    k.sleep(2_000_000_000)
    assert _sysfs(k, "transition") == "0"
    log = _lines(k)
    assert log.index("lp_target: lp_target_slow: done") < log.index(
        "livepatch: 'lp_fix': patching complete"
    )
    assert log[-3:] == [
        "lp_fix: post_patch: vmlinux",
        "lp_fix: post_patch: lp_target (live)",
        "livepatch: 'lp_fix': patching complete",
    ]


def test_a_transition_can_be_reversed_or_forced(lp):
    k, load = lp
    load("lp_target", "busy_ms=5000")
    k.sleep(1_000_000)
    load("lp_fix")
    k.write_file(f"{ROOT}/enabled", b"0")  # reverse: the tasks switched go back
    assert _sysfs(k, "enabled") == "0" and _sysfs(k, "transition") == "1"
    assert _lines(k)[-1] == "livepatch: 'lp_fix': starting unpatching transition"
    k.sleep(2_000_000_000)  # the sleeper never left the old code: it was switched already
    assert k.listdir("/sys/kernel/livepatch") == []
    k.module_unload("lp_fix")

    load("lp_fix")  # while the work still sleeps in lp_target_slow
    assert _sysfs(k, "transition") == "1"
    with pytest.raises(KernelError) as exc:
        k.write_file(f"{ROOT}/enabled", b"maybe")
    assert exc.value.errno == errno.EINVAL
    k.write_file(f"{ROOT}/force", b"1")
    assert _lines(k)[-1] == "livepatch: forcing remaining tasks to the patched state"
    k.sleep(1_000_000_000)
    assert _sysfs(k, "transition") == "0"
    with pytest.raises(KernelError) as exc:  # only a patch in transition can be forced
        k.write_file(f"{ROOT}/force", b"1")
    assert exc.value.errno == errno.EINVAL


def test_errors_of_klp_enable_patch_are_linux_s(lp, arch_kernel):
    k, load = lp
    load("lp_target")
    with pytest.raises(InitFailed) as exc:
        load("lp_fix", "bad_symbol=1")
    assert exc.value.errno == errno.EINVAL
    assert "livepatch: symbol 'lp_target_no_such_function' not found in symbol table" in texts(k)
    assert k.read_file("/proc/lp_target") == ORIGINAL
    assert k.module_find("lp_target").refcount == 0

    _, build = arch_kernel
    plain = SOURCES["lp_fix"].replace('MODULE_INFO(livepatch, "Y");', "")
    with pytest.raises(InitFailed) as exc:
        k.module_load(build(plain, "lp_plain").read_bytes())
    assert exc.value.errno == errno.EINVAL
    assert texts(k)[-1] == "livepatch: module lp_plain is not marked as a livepatch module"


def test_an_atomic_replace_takes_over_the_older_patch(lp, arch_kernel):
    k, load = lp
    _, build = arch_kernel
    load("lp_target")
    load("lp_fix")
    replace = build(SOURCES["lp_fix"], "lp_fix2").read_bytes()
    k.module_load(replace, "replace=1")
    # the new patch changes vmlinux only: lp_target's functions are back to the original
    assert k.read_file("/proc/lp_target") == ORIGINAL
    assert k.read_file("/proc/cmdline") == b"lp_fix2: this has been live patched\n"
    assert sorted(e.name for e in k.listdir("/sys/kernel/livepatch")) == ["lp_fix2"]
    assert sorted(e.name for e in k.listdir("/sys/kernel/livepatch/lp_fix2")) == [
        "enabled", "force", "transition", "vmlinux"]  # fmt: skip
    k.module_unload("lp_fix")  # replaced: its reference is gone
    assert k.read_file("/proc/cmdline") == b"lp_fix2: this has been live patched\n"


def test_patches_survive_a_save_and_restore_mid_transition(lp, tmp_path):
    from lkmsh.kernel.state import StateStore

    k, load = lp
    load("lp_target", "busy_ms=3000")
    k.sleep(1_000_000)
    load("lp_fix")
    with StateStore(tmp_path / "s.db") as store:
        store.save(k.export_state())
    with StateStore(tmp_path / "s.db") as store:
        again = Kernel.from_state(store.load())
    assert again.read_file(f"{ROOT}/transition") == b"1\n"
    assert again.read_file("/proc/lp_target") == PATCHED
    again.sleep(4_000_000_000)
    assert again.read_file(f"{ROOT}/transition") == b"0\n"
    assert texts(again)[-1] == "livepatch: 'lp_fix': patching complete"
    again.write_file(f"{ROOT}/enabled", b"0")
    assert again.read_file("/proc/lp_target") == ORIGINAL
    again.module_unload("lp_fix")


def test_shadow_variables_attach_to_objects_by_id(lp):
    k, load = lp
    load("lp_shadow")
    log = [t.removeprefix("lp_shadow: ") for t in texts(k)]
    cut = log.index("------------[ cut here ]------------")  # klp_shadow_alloc's WARN
    assert log[cut - 1] == "get: same 1, value 42"
    assert log[cut + 1].startswith("Duplicate shadow variable <") and log[cut + 1].endswith(", 1>")
    assert [t for t in log if not t.startswith((" ", "-", "Call", "Duplicate"))][1:] == [
        "get before alloc: 0",
        "alloc: 1, value 41",
        "get: same 1, value 42",
        "alloc again: 0",
        "get_or_alloc existing: same 1",
        "get_or_alloc new: 1, zeroed 1",
        log[log.index("ctor failure: 0") - 1],
        "ctor failure: 0",
        "other id: first, count still 42",
        "dtor: item 1, count 0",
        "free: get 0, dtors 1",
        "dtor: item 0, count 42",
        "dtor: item 2, count 41",
        "free_all: 0 0, dtors 3",
    ]
    failed = log[log.index("ctor failure: 0") - 1]
    assert failed.startswith("livepatch: Failed to construct shadow variable <")
    assert failed.endswith(", 1> (-22)")
    assert not k.klp_shadow.table


KSTRTOINT_USER = r"""
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

static int kcall_show(struct seq_file *m, void *v)
{
	int value = 0;
	int ret = kstrtoint("42", 10, &value);

	seq_printf(m, "ret %d value %d\n", ret, value);
	return 0;
}

static int __init kcall_init(void)
{
	return proc_create_single("kcall", 0444, NULL, kcall_show) ? 0 : -ENOMEM;
}

static void __exit kcall_exit(void)
{
	remove_proc_entry("kcall", NULL);
}

module_init(kcall_init);
module_exit(kcall_exit);
MODULE_LICENSE("GPL");
"""

KSTRTOINT_FIX = r"""
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>

static int fixed_kstrtoint(const char *s, unsigned int base, int *res)
{
	*res = 7;
	return 0;
}

static struct klp_func funcs[] = {
	{ .old_name = "kstrtoint", .new_func = fixed_kstrtoint, }, { }
};
static struct klp_object objs[] = { { .funcs = funcs, }, { } };
static struct klp_patch patch = { .mod = THIS_MODULE, .objs = objs, };

static int kfix_init(void)
{
	return klp_enable_patch(&patch);
}

static void kfix_exit(void)
{
}

module_init(kfix_init);
module_exit(kfix_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
"""


def test_module_code_calling_a_patched_kernel_function_reaches_the_new_one(arch_kernel):
    """The call goes through the kernel function's own address (its slot in kernel text),
    where the redirect stops it, as ftrace's handler at the function's entry."""
    k, build = arch_kernel
    k.module_load(build(KSTRTOINT_USER, "kcall").read_bytes())
    assert k.read_file("/proc/kcall") == b"ret 0 value 42\n"
    k.module_load(build(KSTRTOINT_FIX, "kfix").read_bytes())
    assert k.read_file("/proc/kcall") == b"ret 0 value 7\n"
    k.write_file("/sys/kernel/livepatch/kfix/enabled", b"0")
    assert k.read_file("/proc/kcall") == b"ret 0 value 42\n"
    assert not k.kprobes.addresses()  # nothing left where the CPU stops
