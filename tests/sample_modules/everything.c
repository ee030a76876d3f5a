// SPDX-License-Identifier: GPL-2.0
/*
 * everything: a test module that includes every lkmsh header and uses the
 * inline parts (lists, atomics, ERR_PTR, min/max, WARN_ON, lock initialisers)
 * and checks the ABI's struct layouts and Linux's constant values at compile
 * time. tests/test_build.py builds it; it is not meant to be loaded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/container_of.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kmod.h>
#include <linux/kstrtox.h>
#include <linux/ktime.h>
#include <linux/limits.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/printk.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/stat.h>
#include <linux/stdarg.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/time.h>
#include <linux/timekeeping.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

/* docs/abi.md layouts */
static_assert(sizeof(struct module) == 128);
static_assert(offsetof(struct module, init) == 56);
static_assert(offsetof(struct module, exit) == 64);
static_assert(offsetof(struct module, state) == 72);
static_assert(offsetof(struct module, lkmsh_reserved) == 80);
static_assert(sizeof(struct kernel_symbol) == 12);
static_assert(sizeof(struct kernel_param) == 40);
static_assert(offsetof(struct kernel_param, mod) == 8);
static_assert(offsetof(struct kernel_param, ops) == 16);
static_assert(offsetof(struct kernel_param, perm) == 24);
static_assert(offsetof(struct kernel_param, level) == 26);
static_assert(offsetof(struct kernel_param, flags) == 27);
static_assert(offsetof(struct kernel_param, arg) == 32);
static_assert(sizeof(spinlock_t) == 8);
static_assert(sizeof(struct mutex) == 16);
static_assert(sizeof(atomic_t) == 4 && sizeof(atomic64_t) == 8);

/* Linux's values */
static_assert(GFP_KERNEL == 0xcc0);
static_assert(GFP_ATOMIC == 0xa20);
static_assert(__GFP_ZERO == 0x100);
static_assert(MAX_ERRNO == 4095);
static_assert(sizeof(u8) == 1 && sizeof(u16) == 2 && sizeof(u32) == 4 && sizeof(u64) == 8);
static_assert(sizeof(size_t) == 8 && sizeof(long) == 8 && sizeof(bool) == 1);
static_assert(S_IRUGO == 0444);

struct item {
	int value;
	struct list_head node;
};

static LIST_HEAD(items);
static struct item pool[4];
static DEFINE_SPINLOCK(lock);
static DEFINE_MUTEX(big_lock);
static atomic_t hits = ATOMIC_INIT(0);
static atomic64_t total = ATOMIC64_INIT(0);

static int answer = 42;
module_param(answer, int, 0644);
static unsigned long big;
module_param_named(size, big, ulong, 0444);
static bool flag;
module_param(flag, bool, 0444);
static bool inverted;
module_param(inverted, invbool, 0444);
static unsigned char octet;
module_param(octet, byte, 0444);
static short sh;
module_param(sh, short, 0444);
static unsigned short ush;
module_param(ush, ushort, 0444);
static unsigned int ui;
module_param(ui, uint, 0444);
static long lg;
module_param(lg, long, 0444);
static char *names[3];
module_param_array(names, charp, NULL, 0444);

int everything_sum(void)
{
	struct item *it, *tmp;
	int sum = 0;
	unsigned long flags;

	for (int i = 0; i < (int)ARRAY_SIZE(pool); i++) {
		pool[i].value = i * 10;
		list_add_tail(&pool[i].node, &items);
	}
	spin_lock_irqsave(&lock, flags);
	list_for_each_entry(it, &items, node)
		sum += it->value;
	spin_unlock_irqrestore(&lock, flags);
	list_for_each_entry_safe(it, tmp, &items, node)
		list_del(&it->node);

	mutex_lock(&big_lock);
	atomic_inc(&hits);
	atomic64_add(sum, &total);
	mutex_unlock(&big_lock);

	WARN_ON(!list_empty(&items));
	BUG_ON(sum < 0);
	return min(sum, answer) + max_t(int, atomic_read(&hits), 0) +
	       (int)container_of(&pool[1].node, struct item, node)->value;
}
EXPORT_SYMBOL_GPL(everything_sum);

static void *maybe(int fail)
{
	return fail ? ERR_PTR(-ENOMEM) : &pool[0];
}

static int __init everything_init(void)
{
	void *p = maybe(answer == 0);

	if (IS_ERR(p))
		return PTR_ERR(p);
	pr_info("sum %d at %lu jiffies, %lld ns\n", everything_sum(), jiffies,
		ktime_to_ns(ktime_get()));
	pr_debug("not printed without DEBUG\n");
	return 0;
}

module_init(everything_init);

MODULE_LICENSE("GPL");
MODULE_SOFTDEP("pre: provider");
MODULE_INFO(intree, "Y");
