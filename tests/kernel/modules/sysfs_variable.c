// SPDX-License-Identifier: MIT
/*
 * sysfs_variable.c - one variable in /sys/kernel/mymodule/myvariable, the
 * first sysfs file a module programming guide has a reader make: a kobject
 * under kernel_kobj and a 0660 kobj_attribute read with sprintf and written
 * with sscanf.
 */
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/sysfs.h>

static struct kobject *mymodule;
static int myvariable;

static ssize_t myvariable_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sprintf(buf, "%d\n", myvariable);
}

static ssize_t myvariable_store(struct kobject *kobj, struct kobj_attribute *attr,
				const char *buf, size_t count)
{
	if (sscanf(buf, "%d", &myvariable) != 1)
		return -EINVAL;
	return count;
}

static struct kobj_attribute myvariable_attribute =
	__ATTR(myvariable, 0660, myvariable_show, myvariable_store);

static int __init sysfs_variable_init(void)
{
	int error;

	pr_info("mymodule: initialised\n");
	mymodule = kobject_create_and_add("mymodule", kernel_kobj);
	if (!mymodule)
		return -ENOMEM;
	error = sysfs_create_file(mymodule, &myvariable_attribute.attr);
	if (error) {
		pr_info("failed to create the myvariable file in /sys/kernel/mymodule\n");
		kobject_put(mymodule);
	}
	return error;
}

static void __exit sysfs_variable_exit(void)
{
	pr_info("mymodule: Exit success\n");
	kobject_put(mymodule);
}

module_init(sysfs_variable_init);
module_exit(sysfs_variable_exit);
MODULE_LICENSE("GPL");
