"""Every command's task has an address space (``current->mm``), kernel threads and
workers none, as on Linux; kmemleak names the task that made each leaked object.

tests/kernel/modules/task_mm.c is written as a module that pins a process's mm
would be: get_task_mm()/mmput(), mmap_lock through <linux/mmap_lock.h>,
mmgrab()/mmdrop(); its kthread and its work item leak one object each.
"""

from __future__ import annotations

import re

from kernel_helpers import HERE_MODULES, texts

SOURCE = (HERE_MODULES / "task_mm.c").read_text()


def _lines(k) -> list[str]:
    return [t.removeprefix("task_mm: ") for t in texts(k)]


def test_a_command_has_an_mm_and_kernel_threads_have_none(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(SOURCE, "task_mm").read_bytes())
    out = _lines(k)
    # get_task_mm() took a user: insmod's own and the module's
    assert "insmod has an mm: same 1, users 2, count 1" in out
    # mmap_lock is an rw_semaphore: readers share it, a writer excludes both
    assert "read-locked 1, write trylock 0, read trylock 1" in out
    assert "write-locked, read trylock 0" in out
    assert "put back: users 1" in out
    assert "mm_leaker: mm NULL, get_task_mm NULL" in out
    assert "worker mm NULL" in out
    assert not [t for t in out if "WARNING" in t]
    assert not k.mm.live  # insmod exited: its mm went with it


def test_a_held_mm_outlives_its_command_until_mmput(arch_kernel, tmp_path):
    """A module's get_task_mm() reference keeps the mm past insmod's exit (its own
    user gone), through a saved state, until the module's mmput() frees it."""
    from lkmsh.kernel.kernel import Kernel

    k, build = arch_kernel
    k.module_load(build(SOURCE, "task_mm").read_bytes(), "keep=1")
    assert len(k.mm.live) == 1
    k = Kernel.from_state(k.export_state())
    k.module_unload("task_mm")
    assert "kept mm: users 1, count 1, now another" in _lines(k)
    assert not k.mm.live


def test_kmemleak_names_the_task_that_allocated(arch_kernel):
    """Objects the module's kthread, its kworker and insmod leaked (the small ones
    through the kernel library's kmalloc, the 2048-byte one through the heap's)."""
    k, build = arch_kernel
    k.module_load(build(SOURCE, "task_mm").read_bytes())
    report = k.read_file("/sys/kernel/debug/kmemleak").decode()
    found = re.findall(r'\(size (\d+)\):\n  comm "([^"]+)", pid (\d+),', report)
    assert sorted(found) == sorted(
        [("32", "mm_leaker", "2"), ("2048", "mm_leaker", "2"), ("48", "kworker/0:1", "3"),
         ("16", "insmod", "1")]
    )  # fmt: skip
    k.module_unload("task_mm")
    out = texts(k)
    assert "kmemleak: 4 new suspected memory leaks (see /sys/kernel/debug/kmemleak)" in out
    assert '  comm "mm_leaker", pid 2, jiffies ' in "\n".join(out)


FORKS = r"""
#include <linux/module.h>
#include <linux/kprobes.h>
#include <linux/kthread.h>
#include <linux/sched.h>

static char comm[4][TASK_COMM_LEN];
static int has_mm[4], pid[4], forks;

static int on_fork(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	if (forks < 4) {
		get_task_comm(comm[forks], current);
		has_mm[forks] = current->mm != NULL;
		pid[forks] = task_pid_nr(current);
		forks++;
	}
	return 1;	/* nothing to do at the return */
}

static struct kretprobe rp = {
	.kp.symbol_name = "kernel_clone",
	.entry_handler = on_fork,
};

static int child(void *data)
{
	return 0;
}

static int __init forks_init(void)
{
	struct task_struct *t;
	int ret = register_kretprobe(&rp);

	if (ret)
		return ret;
	t = kthread_run(child, NULL, "fork_child");
	return PTR_ERR_OR_ZERO(t);
}

static void __exit forks_exit(void)
{
	int i;

	unregister_kretprobe(&rp);
	for (i = 0; i < forks; i++)
		pr_info("forks: %s pid %d mm %d\n", comm[i], pid[i], has_mm[i]);
}

module_init(forks_init);
module_exit(forks_exit);
MODULE_LICENSE("GPL");
"""


def test_kthreadd_forks_kernel_threads_and_commands_fork_with_an_mm(arch_kernel):
    """Who is current in kernel_clone: kthreadd (pid 2, no mm) for a kthread, as on
    Linux; the command's own task, with its mm, for the fork the shell makes."""
    k, build = arch_kernel
    k.module_load(build(FORKS, "forks").read_bytes())
    k.module_unload("forks")
    assert [t for t in texts(k) if t.startswith("forks: ") and " pid " in t] == [
        "forks: kthreadd pid 2 mm 0",
        "forks: rmmod pid 1 mm 1",
    ]
