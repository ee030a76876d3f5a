// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs_values: one file of each debugfs value kind under /sys/kernel/debug/dbgvals,
 * as drivers expose their counters and switches.
 */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/debugfs.h>
#include <linux/atomic.h>
#include <linux/string.h>

static struct dentry *dir, *sub;
static u8 small = 200;
static u16 medium = 65535;
static u32 counter = 42;
static u64 big = 18446744073709551615ULL;
static u8 flags8 = 0xa;
static u16 flags16 = 0xbeef;
static u32 reg = 0xdeadbeef;
static u64 wide = 0x123456789abcdefULL;
static size_t length = 4096;
static unsigned long jiff = 77;
static atomic_t users = ATOMIC_INIT(-3);
static bool enabled = true;
static char message[] = "hello from debugfs\n";
static struct debugfs_blob_wrapper blob = {
	.data = message,
	.size = sizeof(message) - 1,
};

static int __init dbgvals_init(void)
{
	struct dentry *again;

	dir = debugfs_create_dir("dbgvals", NULL);
	if (IS_ERR(dir))
		return PTR_ERR(dir);
	debugfs_create_u8("small", 0644, dir, &small);
	debugfs_create_u16("medium", 0644, dir, &medium);
	debugfs_create_u32("counter", 0644, dir, &counter);
	debugfs_create_u64("big", 0444, dir, &big);
	debugfs_create_x8("flags8", 0644, dir, &flags8);
	debugfs_create_x16("flags16", 0644, dir, &flags16);
	debugfs_create_x32("reg", 0600, dir, &reg);
	debugfs_create_x64("wide", 0644, dir, &wide);
	debugfs_create_size_t("length", 0644, dir, &length);
	debugfs_create_ulong("jiff", 0644, dir, &jiff);
	debugfs_create_atomic_t("users", 0644, dir, &users);
	debugfs_create_bool("enabled", 0644, dir, &enabled);
	if (IS_ERR(debugfs_create_blob("message", 0444, dir, &blob)))
		goto fail;
	sub = debugfs_create_dir("deeper", dir);
	debugfs_create_u32("counter", 0200, sub, &counter);

	/* A second directory of the same name is refused, as Linux. */
	again = debugfs_create_dir("dbgvals", NULL);
	pr_info("dbgvals: again %ld, lookup %s\n", PTR_ERR(again),
		debugfs_lookup("counter", dir) ? "found" : "missing");
	/* And an error parent is handed back. */
	if (debugfs_create_dir("child", again) != again)
		goto fail;
	return 0;
fail:
	debugfs_remove_recursive(dir);
	return -EINVAL;
}

static void __exit dbgvals_exit(void)
{
	pr_info("dbgvals: counter %u enabled %d small %u\n", counter, enabled, small);
	debugfs_remove_recursive(dir);
}

module_init(dbgvals_init);
module_exit(dbgvals_exit);
MODULE_LICENSE("GPL");
