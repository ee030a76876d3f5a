// SPDX-License-Identifier: MIT
/*
 * kset_objects.c - a kset of three objects, each with its own three values.
 *
 * Written for lkmsh's tests in the way the kernel's kset sample is written:
 * a kset made with kset_create_and_add() under kernel_kobj, objects that
 * embed their kobject (container_of), a kobj_type with its own sysfs_ops,
 * release and default groups, each object freed by its release() when its
 * last reference goes. /sys/kernel/kset_example/{foo,bar,baz}/{foo,bar,baz}.
 */
#include <linux/init.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

struct value_obj {
	struct kobject kobj;
	int foo;
	int bar;
	int baz;
};
#define to_value_obj(x) container_of(x, struct value_obj, kobj)

struct value_attribute {
	struct attribute attr;
	ssize_t (*show)(struct value_obj *obj, struct value_attribute *attr, char *buf);
	ssize_t (*store)(struct value_obj *obj, struct value_attribute *attr,
			 const char *buf, size_t count);
};
#define to_value_attr(x) container_of(x, struct value_attribute, attr)

static ssize_t value_attr_show(struct kobject *kobj, struct attribute *attr, char *buf)
{
	struct value_attribute *va = to_value_attr(attr);

	if (!va->show)
		return -EIO;
	return va->show(to_value_obj(kobj), va, buf);
}

static ssize_t value_attr_store(struct kobject *kobj, struct attribute *attr,
				const char *buf, size_t len)
{
	struct value_attribute *va = to_value_attr(attr);

	if (!va->store)
		return -EIO;
	return va->store(to_value_obj(kobj), va, buf, len);
}

static const struct sysfs_ops value_sysfs_ops = {
	.show = value_attr_show,
	.store = value_attr_store,
};

static void value_release(struct kobject *kobj)
{
	kfree(to_value_obj(kobj));
}

static int *field(struct value_obj *obj, struct value_attribute *attr)
{
	if (strcmp(attr->attr.name, "foo") == 0)
		return &obj->foo;
	if (strcmp(attr->attr.name, "bar") == 0)
		return &obj->bar;
	return &obj->baz;
}

static ssize_t field_show(struct value_obj *obj, struct value_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", *field(obj, attr));
}

static ssize_t field_store(struct value_obj *obj, struct value_attribute *attr,
			   const char *buf, size_t count)
{
	int ret = kstrtoint(buf, 10, field(obj, attr));

	return ret < 0 ? ret : count;
}

static struct value_attribute foo_attribute = __ATTR(foo, 0664, field_show, field_store);
static struct value_attribute bar_attribute = __ATTR(bar, 0664, field_show, field_store);
static struct value_attribute baz_attribute = __ATTR(baz, 0664, field_show, field_store);

static struct attribute *value_default_attrs[] = {
	&foo_attribute.attr,
	&bar_attribute.attr,
	&baz_attribute.attr,
	NULL,
};
ATTRIBUTE_GROUPS(value_default);

static const struct kobj_type value_ktype = {
	.sysfs_ops = &value_sysfs_ops,
	.release = value_release,
	.default_groups = value_default_groups,
};

static struct kset *objects;
static struct value_obj *objs[3];

static struct value_obj *make_obj(const char *name)
{
	struct value_obj *obj = kzalloc(sizeof(*obj), GFP_KERNEL);

	if (!obj)
		return NULL;
	obj->kobj.kset = objects;
	if (kobject_init_and_add(&obj->kobj, &value_ktype, NULL, "%s", name)) {
		kobject_put(&obj->kobj);	/* release() frees it */
		return NULL;
	}
	kobject_uevent(&obj->kobj, KOBJ_ADD);
	return obj;
}

static int __init kset_objects_init(void)
{
	static const char *const names[] = { "foo", "bar", "baz" };
	int i;

	objects = kset_create_and_add("kset_example", NULL, kernel_kobj);
	if (!objects)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		objs[i] = make_obj(names[i]);
		if (!objs[i])
			goto unwind;
	}
	return 0;

unwind:
	while (i--)
		kobject_put(&objs[i]->kobj);
	kset_unregister(objects);
	return -EINVAL;
}

static void __exit kset_objects_exit(void)
{
	int i;

	for (i = ARRAY_SIZE(objs) - 1; i >= 0; i--)
		kobject_put(&objs[i]->kobj);
	kset_unregister(objects);
}

module_init(kset_objects_init);
module_exit(kset_objects_exit);
MODULE_LICENSE("GPL");
