/*
 * print_string.c - write to the terminal of the process that loads or
 * removes the module, as the module programming guide's print_string does:
 * find the current task's tty and call its driver's write operation.
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/tty.h>

static void print_string(char *str)
{
	/* the controlling terminal of the current task; NULL for a daemon or a kthread */
	struct tty_struct *my_tty = get_current_tty();

	if (my_tty) {
		const struct tty_operations *ttyops = my_tty->driver->ops;

		/* the driver's write takes the tty, the bytes and their count */
		ttyops->write(my_tty, str, strlen(str));
		/* a tty needs both a carriage return and a line feed */
		ttyops->write(my_tty, "\015\012", 2);
		tty_kref_put(my_tty);
	}
}

static int __init print_string_init(void)
{
	print_string("The module has been inserted.  Hello world!");
	return 0;
}

static void __exit print_string_exit(void)
{
	print_string("The module has been removed.  Farewell world!");
}

module_init(print_string_init);
module_exit(print_string_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Print on the terminal of insmod and rmmod");
