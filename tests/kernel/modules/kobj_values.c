// SPDX-License-Identifier: MIT
/*
 * kobj_values.c - one kobject under /sys/kernel with three integer files.
 *
 * Written for lkmsh's tests in the way the kernel's kobject samples are
 * written: a kobject made with kobject_create_and_add() under kernel_kobj, an
 * attribute group of kobj_attributes, one show/store pair of its own (foo)
 * and one shared by two files that tells them apart by the attribute's name
 * (bar, baz). /sys/kernel/kobject_example/{foo,bar,baz}.
 */
#include <linux/init.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/sysfs.h>

static int foo;
static int bar;
static int baz;

static ssize_t foo_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", foo);
}

static ssize_t foo_store(struct kobject *kobj, struct kobj_attribute *attr,
			 const char *buf, size_t count)
{
	int ret = kstrtoint(buf, 10, &foo);

	return ret < 0 ? ret : count;
}

/* 0664: the owner and group may write, the others only read */
static struct kobj_attribute foo_attribute = __ATTR(foo, 0664, foo_show, foo_store);

static int *value_of(struct kobj_attribute *attr)
{
	return strcmp(attr->attr.name, "baz") == 0 ? &baz : &bar;
}

static ssize_t pair_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", *value_of(attr));
}

static ssize_t pair_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	int value, ret;

	ret = kstrtoint(buf, 10, &value);
	if (ret < 0)
		return ret;
	*value_of(attr) = value;
	return count;
}

static struct kobj_attribute bar_attribute = __ATTR(bar, 0664, pair_show, pair_store);
static struct kobj_attribute baz_attribute = __ATTR(baz, 0664, pair_show, pair_store);

static struct attribute *value_attrs[] = {
	&foo_attribute.attr,
	&bar_attribute.attr,
	&baz_attribute.attr,
	NULL,
};

static const struct attribute_group value_group = {
	.attrs = value_attrs,
};

static struct kobject *values_kobj;

static int __init kobj_values_init(void)
{
	int ret;

	values_kobj = kobject_create_and_add("kobject_example", kernel_kobj);
	if (!values_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(values_kobj, &value_group);
	if (ret)
		kobject_put(values_kobj);
	return ret;
}

static void __exit kobj_values_exit(void)
{
	kobject_put(values_kobj);
}

module_init(kobj_values_init);
module_exit(kobj_values_exit);
MODULE_LICENSE("GPL");
