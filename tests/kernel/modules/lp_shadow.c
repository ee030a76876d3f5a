// SPDX-License-Identifier: GPL-2.0
/*
 * lp_shadow: shadow variables (<linux/livepatch.h>) on a few objects of its
 * own, each call's result printed: the API a live patch uses to add a field
 * to structures the old code allocated.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/slab.h>

#define SV_COUNT	1
#define SV_NAME		2

struct item {
	int value;
};

static struct item items[3];
static int dtors;

static int count_ctor(void *obj, void *shadow_data, void *ctor_data)
{
	int *count = shadow_data;

	if (!ctor_data)
		return -EINVAL;
	*count = *(int *)ctor_data;
	return 0;
}

static void count_dtor(void *obj, void *shadow_data)
{
	dtors++;
	pr_info("dtor: item %ld, count %d\n", (struct item *)obj - items, *(int *)shadow_data);
}

static int __init lp_shadow_init(void)
{
	int start = 41, *count, *again, *other;
	char **name;

	pr_info("get before alloc: %d\n", klp_shadow_get(&items[0], SV_COUNT) != NULL);
	count = klp_shadow_alloc(&items[0], SV_COUNT, sizeof(*count), GFP_KERNEL,
				 count_ctor, &start);
	pr_info("alloc: %d, value %d\n", count != NULL, count ? *count : -1);
	(*count)++;
	again = klp_shadow_get(&items[0], SV_COUNT);
	pr_info("get: same %d, value %d\n", again == count, *again);
	pr_info("alloc again: %d\n", klp_shadow_alloc(&items[0], SV_COUNT, sizeof(int),
						      GFP_KERNEL, NULL, NULL) != NULL);
	other = klp_shadow_get_or_alloc(&items[0], SV_COUNT, sizeof(int), GFP_KERNEL, NULL, NULL);
	pr_info("get_or_alloc existing: same %d\n", other == count);
	other = klp_shadow_get_or_alloc(&items[1], SV_COUNT, sizeof(int), GFP_NOWAIT, NULL, NULL);
	pr_info("get_or_alloc new: %d, zeroed %d\n", other != NULL, other && *other == 0);
	pr_info("ctor failure: %d\n", klp_shadow_alloc(&items[2], SV_COUNT, sizeof(int),
						       GFP_KERNEL, count_ctor, NULL) != NULL);
	name = klp_shadow_alloc(&items[0], SV_NAME, sizeof(*name), GFP_KERNEL, NULL, NULL);
	*name = kstrdup("first", GFP_KERNEL);
	pr_info("other id: %s, count still %d\n", *(char **)klp_shadow_get(&items[0], SV_NAME),
		*(int *)klp_shadow_get(&items[0], SV_COUNT));

	klp_shadow_free(&items[1], SV_COUNT, count_dtor);
	pr_info("free: get %d, dtors %d\n", klp_shadow_get(&items[1], SV_COUNT) != NULL, dtors);
	kfree(*name);
	klp_shadow_free(&items[0], SV_NAME, NULL);
	klp_shadow_get_or_alloc(&items[2], SV_COUNT, sizeof(int), GFP_KERNEL, count_ctor, &start);
	klp_shadow_free_all(SV_COUNT, count_dtor);
	pr_info("free_all: %d %d, dtors %d\n", klp_shadow_get(&items[0], SV_COUNT) != NULL,
		klp_shadow_get(&items[2], SV_COUNT) != NULL, dtors);
	return 0;
}

static void __exit lp_shadow_exit(void)
{
}

module_init(lp_shadow_init);
module_exit(lp_shadow_exit);
MODULE_LICENSE("GPL");
