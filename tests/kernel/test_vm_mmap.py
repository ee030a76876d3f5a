"""vm_mmap()/vm_munmap(): anonymous user memory in the command's task (<linux/mman.h>).

A module maps user pages from its init (insmod's task), copies through them
with copy_to_user/copy_from_user, and keeps the address; the pages go when
the command ends, as a process's mappings go when it exits, so a later copy
from the kept address fails with -EFAULT. A kthread, which has no mm, is
refused. copy_from_user from a kernel address zeroes the whole destination,
as Linux's _copy_from_user. Both architectures.
"""

from __future__ import annotations

from kernel_helpers import texts

MAPPER = r"""
#include <linux/kthread.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

static unsigned long kept;
static char kbuf[64];

static int mapper_thread(void *data)
{
	unsigned long addr = vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
					MAP_ANONYMOUS | MAP_PRIVATE, 0);

	pr_info("mapper: kthread vm_mmap %ld\n", IS_ERR_VALUE(addr) ? (long)addr : 0L);
	return 0;
}

static int __init mapper_init(void)
{
	unsigned long addr = vm_mmap(NULL, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE,
					MAP_ANONYMOUS | MAP_PRIVATE, 0);
	char back[6] = "";
	struct task_struct *t;
	unsigned long left;

	if (addr >= TASK_SIZE)
		return -ENOMEM;
	if (copy_to_user((char __user *)addr + PAGE_SIZE - 2, "hello", 6) ||
		copy_from_user(back, (char __user *)addr + PAGE_SIZE - 2, 6))
		return -EFAULT;
	pr_info("mapper: %s, zeroed %d\n", back, check_zeroed_user((void __user *)addr, 64));
	memset(kbuf, 0x5a, sizeof(kbuf));
	left = copy_from_user(kbuf, (void __user *)kbuf, sizeof(kbuf));
	pr_info("mapper: from a kernel address %lu left, %d zeroed\n", left,
		!memchr_inv(kbuf, 0, sizeof(kbuf)));
	kept = addr;
	t = kthread_run(mapper_thread, NULL, "mapper");
	return PTR_ERR_OR_ZERO(t);
}

static void __exit mapper_exit(void)
{
	char back[6];

	pr_info("mapper: after insmod %lu left\n",
		copy_from_user(back, (char __user *)kept + PAGE_SIZE - 2, 6));
	pr_info("mapper: vm_munmap %d\n", vm_munmap(kept, 2 * PAGE_SIZE));
}

module_init(mapper_init);
module_exit(mapper_exit);
MODULE_LICENSE("GPL");
"""


def test_user_pages_live_as_long_as_the_command(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(MAPPER, "mapper"))
    k.sleep(1_000_000)
    lines = [t for t in texts(k) if t.startswith("mapper: ") and "taints" not in t]
    assert lines == [
        "mapper: hello, zeroed 1",
        "mapper: from a kernel address 64 left, 1 zeroed",
        "mapper: kthread vm_mmap -22",
    ]
    assert not [r for r in k.mem.regions() if r.name == "user:mmap"]
    k.module_unload("mapper")
    assert texts(k)[-2:] == ["mapper: after insmod 6 left", "mapper: vm_munmap 0"]
