// SPDX-License-Identifier: GPL-2.0
/*
 * lp_fix: a live patch for vmlinux's cmdline_proc_show() and for lp_target's
 * two functions, with callbacks that say which object and which module state
 * they see. Its parameters choose what a test needs: a failing pre-patch
 * callback, an atomic replace that keeps only the vmlinux change, a function
 * name that does not exist.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>
#include <linux/delay.h>

static int pre_patch_ret;
module_param(pre_patch_ret, int, 0644);
MODULE_PARM_DESC(pre_patch_ret, "what the pre-patch callbacks return");

static bool replace;
module_param(replace, bool, 0444);
MODULE_PARM_DESC(replace, "an atomic replace that patches vmlinux only");

static bool bad_symbol;
module_param(bad_symbol, bool, 0444);

static const char *const states[] = {
	[MODULE_STATE_LIVE] = "live",
	[MODULE_STATE_COMING] = "coming",
	[MODULE_STATE_GOING] = "going",
	[MODULE_STATE_UNFORMED] = "unformed",
};

static void say(const char *what, struct klp_object *obj)
{
	if (obj->mod)
		pr_info("%s: %s (%s)\n", what, obj->mod->name, states[obj->mod->state]);
	else
		pr_info("%s: vmlinux\n", what);
}

static int pre_patch(struct klp_object *obj)
{
	say(__func__, obj);
	return pre_patch_ret;
}

static void post_patch(struct klp_object *obj)
{
	say(__func__, obj);
}

static void pre_unpatch(struct klp_object *obj)
{
	say(__func__, obj);
}

static void post_unpatch(struct klp_object *obj)
{
	say(__func__, obj);
}

static int lp_fix_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s: %s\n", THIS_MODULE->name, "this has been live patched");
	return 0;
}

static const char *lp_fix_greeting(void)
{
	return "hello from the patch";
}

static int lp_fix_slow(int ms)
{
	pr_info("%s: not sleeping\n", __func__);
	return 0;
}

static struct klp_func vmlinux_funcs[] = {
	{
		.old_name = "cmdline_proc_show",
		.new_func = lp_fix_cmdline_proc_show,
	}, { }
};

static struct klp_func target_funcs[] = {
	{
		.old_name = "lp_target_greeting",
		.new_func = lp_fix_greeting,
	}, {
		.old_name = "lp_target_slow",
		.new_func = lp_fix_slow,
	}, { }
};

static struct klp_object objs[] = {
	{
		.funcs = vmlinux_funcs,
		.callbacks = {
			.pre_patch = pre_patch,
			.post_patch = post_patch,
			.pre_unpatch = pre_unpatch,
			.post_unpatch = post_unpatch,
		},
	}, {
		.name = "lp_target",
		.funcs = target_funcs,
		.callbacks = {
			.pre_patch = pre_patch,
			.post_patch = post_patch,
			.pre_unpatch = pre_unpatch,
			.post_unpatch = post_unpatch,
		},
	}, { }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static int lp_fix_init(void)
{
	if (replace) {
		patch.replace = true;
		objs[1].funcs = NULL;		/* vmlinux only: the end of the list */
		objs[1].name = NULL;
	}
	if (bad_symbol)
		target_funcs[1].old_name = "lp_target_no_such_function";
	return klp_enable_patch(&patch);
}

static void lp_fix_exit(void)
{
}

module_init(lp_fix_init);
module_exit(lp_fix_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
