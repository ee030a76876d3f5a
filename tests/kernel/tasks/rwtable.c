/*
 * rwtable: a table behind an rwlock, with a stats spinlock, as drivers keep
 * them. mode=0: correct use (readers, a writer, a timer that reads the table
 * in softirq); mode=1: the updater takes table_lock then stats_lock, the
 * reporter stats_lock then table_lock (AB-BA, never deadlocking in this run);
 * mode=2: a lookup that takes the read lock again through a helper;
 * mode=3: an unlock of a lock not held.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/spinlock.h>
#include <linux/timer.h>

MODULE_LICENSE("GPL");

static int mode;
module_param(mode, int, 0444);

static DEFINE_RWLOCK(table_lock);
static DEFINE_SPINLOCK(stats_lock);
static int table[4];
static unsigned long lookups;
static struct timer_list audit;

static int lookup(int i)
{
	int v;

	read_lock(&table_lock);
	v = table[i & 3];
	read_unlock(&table_lock);
	return v;
}

static int updater_fn(void *data)
{
	unsigned long flags;

	write_lock_irqsave(&table_lock, flags);
	table[1] = 42;
	if (mode == 1) {
		spin_lock(&stats_lock);
		lookups = 0;
		spin_unlock(&stats_lock);
	}
	write_unlock_irqrestore(&table_lock, flags);
	pr_info("updated the table\n");
	return 0;
}

static int reporter_fn(void *data)
{
	msleep(100);
	spin_lock(&stats_lock);
	if (mode == 1)
		read_lock(&table_lock);
	pr_info("%lu lookups, table[1]=%d\n", lookups, table[1]);
	if (mode == 1)
		read_unlock(&table_lock);
	spin_unlock(&stats_lock);
	return 0;
}

static void audit_fn(struct timer_list *t)
{
	read_lock(&table_lock);
	pr_info("audit sees table[1]=%d\n", lookup(1)); /* softirq readers may nest */
	read_unlock(&table_lock);
}

static int __init rwtable_init(void)
{
	if (mode == 2) {
		read_lock(&table_lock);
		pr_info("table[0]=%d\n", lookup(0));
		read_unlock(&table_lock);
		return 0;
	}
	if (mode == 3) {
		read_unlock(&table_lock);
		return 0;
	}
	lookups += lookup(0) >= 0;
	timer_setup(&audit, audit_fn, 0);
	mod_timer(&audit, jiffies + msecs_to_jiffies(200));
	kthread_run(updater_fn, NULL, "rw-updater");
	kthread_run(reporter_fn, NULL, "rw-reporter");
	return 0;
}

static void __exit rwtable_exit(void)
{
	del_timer_sync(&audit);
}

module_init(rwtable_init);
module_exit(rwtable_exit);
