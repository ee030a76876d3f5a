"""Printing to the loading process's terminal, as the module programming guide's
print_string.c does (get_current_tty(), tty->driver->ops->write), and through
current->signal->tty as its older editions do; kernel threads have no tty."""

from __future__ import annotations

#: print_string.c's way, kept as the guide writes it (the NULL check after the deref too)
PRINT_STRING = r"""
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/tty.h>

static void print_string(char *str)
{
	struct tty_struct *my_tty;
	const struct tty_operations *ttyops;

	my_tty = get_current_tty();
	ttyops = my_tty->driver->ops;

	if (my_tty) {
		(ttyops->write)(my_tty, str, strlen(str));
		(ttyops->write)(my_tty, "\015\012", 2);
	}
}

static int __init print_string_init(void)
{
	print_string("Inserted: hello from the kernel");
	return 0;
}

static void __exit print_string_exit(void)
{
	print_string("Removed: goodbye");
}

module_init(print_string_init);
module_exit(print_string_exit);
MODULE_LICENSE("GPL");
"""

#: the older editions: current->signal->tty, a version branch, and a kthread that has none
SIGNAL_TTY = r"""
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/tty.h>
#include <linux/version.h>
#include <linux/delay.h>

static struct task_struct *worker;
static int kthread_tty = -1;

static struct tty_struct *my_tty(void)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(2, 6, 5)
	return current->signal->tty;
#else
	return current->tty;
#endif
}

static int look(void *data)
{
	kthread_tty = my_tty() != NULL;
	while (!kthread_should_stop())
		msleep(10);
	return 0;
}

static int __init sig_init(void)
{
	struct tty_struct *tty = my_tty();
	struct tty_struct *ref = get_current_tty();
	char line[96];

	if (!tty || tty != ref)
		return -ENOTTY;
	snprintf(line, sizeof(line), "%s on %s (driver %s, major %d)\r\n",
		current->comm, tty_name(tty), tty->driver->name, tty->driver->major);
	tty->ops->write(tty, line, strlen(line));
	tty_kref_put(ref);
	worker = kthread_run(look, NULL, "ttyless");
	return PTR_ERR_OR_ZERO(worker);
}

static void __exit sig_exit(void)
{
	kthread_stop(worker);
	pr_info("the kthread saw a tty: %d\n", kthread_tty);
}

module_init(sig_init);
module_exit(sig_exit);
MODULE_LICENSE("GPL");
"""


def test_print_string_writes_on_the_terminal_of_insmod_and_rmmod(arch_kernel):
    kernel, build = arch_kernel
    kernel.module_load(build(PRINT_STRING, "print_string"))
    assert kernel.tty_output_take() == b"Inserted: hello from the kernel\r\n"
    assert kernel.tty_output_take() == b""  # taken once
    kernel.module_unload("print_string")
    assert kernel.tty_output_take() == b"Removed: goodbye\r\n"


def test_current_signal_tty_is_the_terminal_and_kthreads_have_none(kernel, build):
    kernel.module_load(build(SIGNAL_TTY, "sigtty"))
    assert kernel.tty_output_take() == b"insmod on pts0 (driver pts, major 136)\r\n"
    kernel.sleep(50_000_000)  # the kthread runs and looks
    kernel.module_unload("sigtty")
    assert "the kthread saw a tty: 0" in [r.text for r in kernel.dmesg()][-1]


def test_what_a_module_wrote_survives_the_state_file(kernel, build):
    """A write nobody took yet (no shell around) is kept with the kernel's state."""
    from lkmsh.kernel.kernel import Kernel

    kernel.module_load(build(PRINT_STRING, "print_string"))
    again = Kernel.from_state(kernel.export_state())
    assert again.tty_output_take() == b"Inserted: hello from the kernel\r\n"
