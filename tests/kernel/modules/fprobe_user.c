// SPDX-License-Identifier: GPL-2.0
/*
 * fprobe_user: lib/test_fprobe.c's checks as a module can write them (the
 * ftrace location of a function is its address: lkmsh's functions carry no
 * __fentry__ call), and what an fprobe user runs into: entry data, a pool
 * too small for a recursion, disabling, a filter with a notfilter, the
 * symbol array sorted in place, and registration errors.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/fprobe.h>
#include <linux/string.h>

static bool leave_registered;
module_param(leave_registered, bool, 0444);

static noinline u32 fpu_target(u32 value)
{
	return value / 3;
}

static noinline u32 fpu_target2(u32 value)
{
	return value / 3 + 1;
}

static noinline u32 fpu_other(u32 value)
{
	return value ^ 0x55;
}

static noinline u32 fpu_recurse(u32 depth)
{
	return depth ? fpu_recurse(depth - 1) + 1 : 0;
}

static u32 (*volatile target)(u32) = fpu_target;
static u32 (*volatile target2)(u32) = fpu_target2;
static u32 (*volatile other)(u32) = fpu_other;
static u32 (*volatile recurse)(u32) = fpu_recurse;

struct call_data {
	u32 arg;
};

static unsigned int entries, exits;
static unsigned long last_ip;
static u32 last_ret, last_arg;

static void on_entry(struct fprobe *fp, unsigned long ip, struct pt_regs *regs, void *data)
{
	struct call_data *cd = data;

	entries++;
	last_ip = ip;
	if (cd)
		cd->arg = regs_get_kernel_argument(regs, 0);
}

static void on_exit(struct fprobe *fp, unsigned long ip, struct pt_regs *regs, void *data)
{
	struct call_data *cd = data;

	exits++;
	last_ip = ip;
	last_ret = regs_return_value(regs);
	last_arg = cd ? cd->arg : 0;
}

static struct fprobe fp_glob = {
	.entry_handler = on_entry,
	.exit_handler = on_exit,
	.entry_data_size = sizeof(struct call_data),
};

static void reset(void)
{
	entries = exits = 0;
	last_ip = 0;
	last_ret = last_arg = 0;
}

static int __init fprobe_user_init(void)
{
	struct fprobe fp_entry = { .entry_handler = on_entry };
	struct fprobe fp_small = { .entry_handler = on_entry, .exit_handler = on_exit,
				   .nr_maxactive = 2 };
	static const char *syms[] = { "fpu_target2", "fpu_other", "fpu_target" };
	unsigned long ips[] = { (unsigned long)fpu_other };
	unsigned long bad_ips[] = { (unsigned long)fpu_other + 1 };
	struct fprobe fp_syms = { .entry_handler = on_entry };
	struct fprobe fp_ips = { .exit_handler = on_exit };
	const char *unknown[] = { "fpu_no_such_function" };
	u32 r;
	int ret;

	/* entry only: no rethook, the exit is not hooked */
	pr_info("unregistered: %d\n", unregister_fprobe(&fp_entry));
	pr_info("entry: %d\n", register_fprobe(&fp_entry, "fpu_target*", NULL));
	reset();
	r = target(30) + target2(30);
	pr_info("entry: %u calls, %u exits, rethook %d, r %u\n", entries, exits,
		fp_entry.rethook != NULL, r);
	ret = unregister_fprobe(&fp_entry);
	pr_info("entry: unregister %d, again %d\n", ret, unregister_fprobe(&fp_entry));

	/* a glob with a notfilter; entry data carried to the exit */
	pr_info("glob: %d\n", register_fprobe(&fp_glob, "fpu_*", "fpu_other"));
	pr_info("glob: again %d\n", register_fprobe(&fp_glob, "fpu_*", NULL));
	reset();
	r = target2(60);
	pr_info("glob: %u/%u ip is target2 %d, ret %u (r %u) arg %u\n", entries, exits,
		last_ip == (unsigned long)fpu_target2, last_ret, r, last_arg);
	reset();
	other(1);
	pr_info("glob: other %u/%u\n", entries, exits);
	disable_fprobe(&fp_glob);
	reset();
	target(9);
	pr_info("glob: disabled %u/%u, disabled %d\n", entries, exits, fprobe_disabled(&fp_glob));
	enable_fprobe(&fp_glob);
	reset();
	target(9);
	pr_info("glob: enabled %u/%u, missed %lu\n", entries, exits, fp_glob.nmissed);
	if (!leave_registered)
		pr_info("glob: unregister %d\n", unregister_fprobe(&fp_glob));

	/* two nodes: a recursion four deep misses the inner two */
	pr_info("small: %d\n", register_fprobe(&fp_small, "fpu_recurse", NULL));
	reset();
	r = recurse(3);
	pr_info("small: r %u, %u/%u, missed %lu\n", r, entries, exits, fp_small.nmissed);
	unregister_fprobe(&fp_small);

	/* symbols, sorted in place as Linux's get_ftrace_locations() does */
	ret = register_fprobe_syms(&fp_syms, syms, 3);
	pr_info("syms: %d, sorted %s %s %s\n", ret, syms[0], syms[1], syms[2]);
	reset();
	target(3); target2(3); other(3);
	pr_info("syms: %u calls\n", entries);
	unregister_fprobe(&fp_syms);

	/* an address array, exit only */
	pr_info("ips: %d\n", register_fprobe_ips(&fp_ips, ips, 1));
	reset();
	r = other(0x0f);
	pr_info("ips: %u/%u ret %#x ip is other %d\n", entries, exits, last_ret,
		last_ip == (unsigned long)fpu_other);
	unregister_fprobe(&fp_ips);

	/* what Linux refuses */
	pr_info("errors: nothing %d, no filter %d, notfilter %d, unknown %d, mid %d, zero %d\n",
		register_fprobe(&fp_ips, "fpu_none*", NULL), register_fprobe(&fp_ips, NULL, NULL),
		register_fprobe(&fp_ips, "fpu_target", "fpu_none"),
		register_fprobe_syms(&fp_ips, unknown, 1), register_fprobe_ips(&fp_ips, bad_ips, 1),
		register_fprobe_ips(&fp_ips, ips, 0));
	return 0;
}

static void __exit fprobe_user_exit(void)
{
}

module_init(fprobe_user_init);
module_exit(fprobe_user_exit);
MODULE_LICENSE("GPL");
