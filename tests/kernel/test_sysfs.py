"""sysfs: kobjects as /sys directories, attributes read and written through module code.

The modules under tests/kernel/modules (kobj_values.c, kset_objects.c,
sysfs_variable.c) are lkmsh's own, written the way the kernel's kobject
samples and the module programming guide's first sysfs example are written.
"""

from __future__ import annotations

import errno
import stat

import pytest
from kernel_helpers import HERE_MODULES, needs_gcc, texts

from lkmsh.errors import KernelError
from lkmsh.kernel.kernel import Kernel

pytestmark = needs_gcc


@pytest.fixture
def kobject_example(kernel, build):
    return kernel.module_load(build(HERE_MODULES / "kobj_values.c", "kobject_example"))


def test_kobject_example_makes_its_directory_and_files(kernel, kobject_example):
    assert "kobject_example" in {e.name for e in kernel.listdir("/sys/kernel")}
    entries = {e.name: e for e in kernel.listdir("/sys/kernel/kobject_example")}
    assert sorted(entries) == ["bar", "baz", "foo"]
    assert stat.filemode(entries["foo"].mode) == "-rw-rw-r--"
    assert entries["foo"].owner == "kobject_example"
    assert stat.filemode(kernel.stat("/sys/kernel/kobject_example").mode) == "drwxr-xr-x"


def test_kobject_example_values_are_stored_and_shown(kernel, kobject_example):
    base = "/sys/kernel/kobject_example"
    assert kernel.read_file(f"{base}/foo") == b"0\n"
    # store() gets the bytes echo writes, and its return value is write(2)'s
    assert kernel.write_file(f"{base}/foo", b"42\n") == 3
    assert kernel.write_file(f"{base}/bar", b"-7\n") == 3
    assert kernel.read_file(f"{base}/foo") == b"42\n"
    assert kernel.read_file(f"{base}/bar") == b"-7\n"
    assert kernel.read_file(f"{base}/baz") == b"0\n"  # b_show tells baz from bar by name


def test_a_negative_store_is_the_write_error(kernel, kobject_example):
    with pytest.raises(KernelError) as exc:
        kernel.write_file("/sys/kernel/kobject_example/foo", b"forty-two\n")
    assert exc.value.errno == errno.EINVAL  # kstrtoint's -EINVAL, returned by foo_store
    with pytest.raises(KernelError) as exc:
        kernel.write_file("/sys/kernel/kobject_example/foo", b"1" * 4097)
    assert exc.value.errno == errno.E2BIG  # more than a page, as kernfs refuses it
    assert kernel.read_file("/sys/kernel/kobject_example/foo") == b"0\n"


def test_unloading_kobject_example_removes_its_directory(kernel, kobject_example):
    kernel.module_unload("kobject_example")
    assert "kobject_example" not in {e.name for e in kernel.listdir("/sys/kernel")}
    assert kernel.heap.allocations("kobject_example") == []
    assert not any("leftover" in t or "still in sysfs" in t for t in texts(kernel))


def test_kset_example_objects_have_their_own_values_and_are_released(kernel, build):
    m = kernel.module_load(build(HERE_MODULES / "kset_objects.c", "kset_example"))
    base = "/sys/kernel/kset_example"
    assert sorted(e.name for e in kernel.listdir(base)) == ["bar", "baz", "foo"]
    assert sorted(e.name for e in kernel.listdir(f"{base}/baz")) == ["bar", "baz", "foo"]
    kernel.write_file(f"{base}/baz/bar", b"5\n")
    kernel.write_file(f"{base}/foo/bar", b"6\n")
    assert kernel.read_file(f"{base}/baz/bar") == b"5\n"
    assert kernel.read_file(f"{base}/foo/bar") == b"6\n"
    assert kernel.read_file(f"{base}/bar/bar") == b"0\n"
    # three foo_objs (kzalloc'd by the module) and the kset's own memory
    assert len(kernel.heap.allocations("kset_example")) > 3
    kernel.module_unload(m.name)
    assert kernel.vfs.lookup(base) is None
    # foo_release kfree'd each object, kset_unregister freed the kset: nothing leaked
    assert kernel.heap.allocations("kset_example") == []
    assert not any("kmemleak" in t for t in texts(kernel))


def test_the_samples_survive_a_save_and_restore(kernel, build):
    kernel.module_load(build(HERE_MODULES / "kset_objects.c", "kset_example"))
    kernel.write_file("/sys/kernel/kset_example/foo/foo", b"99\n")
    again = Kernel.from_state(kernel.export_state())
    assert again.read_file("/sys/kernel/kset_example/foo/foo") == b"99\n"
    again.write_file("/sys/kernel/kset_example/foo/foo", b"100\n")
    assert again.read_file("/sys/kernel/kset_example/foo/foo") == b"100\n"
    again.module_unload("kset_example")
    assert again.heap.allocations("kset_example") == []


def test_a_sysfs_variable_as_the_programming_guide_makes_one(kernel, build):
    kernel.module_load(build(HERE_MODULES / "sysfs_variable.c", "hello_sysfs"))
    assert "mymodule: initialised" in " ".join(texts(kernel))
    path = "/sys/kernel/mymodule/myvariable"
    assert stat.filemode(kernel.stat(path).mode) == "-rw-rw----"
    assert kernel.read_file(path) == b"0\n"
    assert kernel.write_file(path, b"5\n") == 2
    assert kernel.read_file(path) == b"5\n"
    kernel.module_unload("hello_sysfs")
    assert kernel.vfs.lookup("/sys/kernel/mymodule") is None


GROUPS = r"""
#include <linux/module.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include <linux/slab.h>
#include <linux/string.h>

#ifndef PAGE_SIZE
#define PAGE_SIZE 4096UL
#endif

struct widget {
	struct kobject kobj;
	int level;
	char label[32];
};
#define to_widget(k) container_of(k, struct widget, kobj)

static struct widget *w;
static int releases;

static ssize_t level_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", to_widget(kobj)->level);
}

static ssize_t level_store(struct kobject *kobj, struct kobj_attribute *attr,
			const char *buf, size_t count)
{
	u8 v;
	int ret = kstrtou8(buf, 0, &v);

	if (ret)
		return ret;
	to_widget(kobj)->level = v;
	return count;
}

static ssize_t label_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	int n = sysfs_emit(buf, "[");

	n += sysfs_emit_at(buf, n, "%s", to_widget(kobj)->label);
	return n + sysfs_emit_at(buf, n, "]\n");
}

static ssize_t label_store(struct kobject *kobj, struct kobj_attribute *attr,
			const char *buf, size_t count)
{
	if (sscanf(buf, "%31s", to_widget(kobj)->label) != 1)
		return -EINVAL;
	return count;
}

static ssize_t secret_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "hidden\n");
}

static ssize_t reset_store(struct kobject *kobj, struct kobj_attribute *attr,
			const char *buf, size_t count)
{
	to_widget(kobj)->level = 0;
	return count;
}

static ssize_t huge_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	memset(buf, 'x', PAGE_SIZE);
	return PAGE_SIZE;
}

static struct kobj_attribute level_attr = __ATTR_RW(level);
static struct kobj_attribute label_attr = __ATTR(label, 0644, label_show, label_store);
static struct kobj_attribute secret_attr = __ATTR_RO(secret);
static struct kobj_attribute reset_attr = __ATTR_WO(reset);
static struct kobj_attribute huge_attr = __ATTR_RO(huge);

static struct attribute *widget_attrs[] = {
	&level_attr.attr, &label_attr.attr, NULL,
};
ATTRIBUTE_GROUPS(widget);

static umode_t ctl_visible(struct kobject *kobj, struct attribute *attr, int n)
{
	if (attr == &secret_attr.attr)
		return 0;
	return attr->mode;
}

static struct attribute *ctl_attrs[] = {
	&secret_attr.attr, &reset_attr.attr, &huge_attr.attr, NULL,
};
static const struct attribute_group ctl_group = {
	.name = "control",
	.attrs = ctl_attrs,
	.is_visible = ctl_visible,
};

static void widget_release(struct kobject *kobj)
{
	releases++;
	pr_info("widget: release %s\n", kobject_name(kobj));
	kfree(to_widget(kobj));
}

static const struct kobj_type widget_ktype = {
	.release = widget_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = widget_groups,
};

static int __init widget_init(void)
{
	struct kobject *dup;
	char *path;
	int ret;

	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	w->level = 3;
	strscpy(w->label, "none", sizeof(w->label));
	ret = kobject_init_and_add(&w->kobj, &widget_ktype, kernel_kobj, "widget%d", 0);
	if (ret) {
		kobject_put(&w->kobj);
		return ret;
	}
	ret = sysfs_create_group(&w->kobj, &ctl_group);
	if (ret)
		goto out;
	path = kobject_get_path(&w->kobj, GFP_KERNEL);
	pr_info("widget: at %s, refs %u\n", path, kref_read(&w->kobj.kref));
	kfree(path);
	/* a second kobject of the same name in the same place: refused, as Linux */
	dup = kobject_create_and_add("widget0", kernel_kobj);
	pr_info("widget: duplicate %s\n", dup ? "made" : "refused");
	return 0;
out:
	kobject_put(&w->kobj);
	return ret;
}

static void __exit widget_exit(void)
{
	sysfs_remove_group(&w->kobj, &ctl_group);
	kobject_put(&w->kobj);
	pr_info("widget: releases %d\n", releases);
}

module_init(widget_init);
module_exit(widget_exit);
MODULE_LICENSE("GPL");
"""


@pytest.fixture
def widget(kernel, build):
    return kernel.module_load(build(GROUPS, "widget"))


def test_default_groups_named_groups_and_is_visible(kernel, widget):
    base = "/sys/kernel/widget0"
    assert sorted(e.name for e in kernel.listdir(base)) == ["control", "label", "level"]
    # is_visible hid "secret"; the named group is a subdirectory
    assert sorted(e.name for e in kernel.listdir(f"{base}/control")) == ["huge", "reset"]
    assert stat.filemode(kernel.stat(f"{base}/control/reset").mode) == "--w-------"
    assert stat.filemode(kernel.stat(f"{base}/level").mode) == "-rw-r--r--"
    lines = texts(kernel)
    assert "widget: at /kernel/widget0, refs 1" in lines
    assert "sysfs: cannot create duplicate filename '/kernel/widget0'" in lines
    assert (
        "kobject_add_internal failed for widget0 with -EEXIST, don't try to register things"
        " with the same name in the same directory."
    ) in lines
    assert "kobject_create_and_add: kobject_add error: -17" in lines
    assert "widget: duplicate refused" in lines


def test_sized_kstrto_sscanf_and_sysfs_emit_at(kernel, widget):
    base = "/sys/kernel/widget0"
    assert kernel.read_file(f"{base}/level") == b"3\n"
    kernel.write_file(f"{base}/level", b"0x20\n")
    assert kernel.read_file(f"{base}/level") == b"32\n"
    with pytest.raises(KernelError) as exc:
        kernel.write_file(f"{base}/level", b"256\n")  # kstrtou8: out of range
    assert exc.value.errno == errno.ERANGE
    kernel.write_file(f"{base}/label", b"  shiny thing\n")
    assert kernel.read_file(f"{base}/label") == b"[shiny]\n"
    kernel.write_file(f"{base}/control/reset", b"1\n")
    assert kernel.read_file(f"{base}/level") == b"0\n"


def test_a_full_page_from_show_is_cut_with_linuxs_warning(kernel, widget):
    data = kernel.read_file("/sys/kernel/widget0/control/huge")
    assert data == b"x" * 4095
    assert "fill_read_buffer: kobj_attr_show+0x0/0x10 returned bad count" in texts(kernel)


def test_release_runs_at_the_last_put(kernel, widget):
    kernel.module_unload("widget")
    lines = texts(kernel)
    assert "widget: release widget0" in lines
    assert "widget: releases 1" in lines
    assert kernel.vfs.lookup("/sys/kernel/widget0") is None
    assert kernel.heap.allocations("widget") == []


FORGETFUL = r"""
#include <linux/module.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>

static int value = 7;
static struct kobject *kobj;

static ssize_t value_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%d\n", value);
}

static struct kobj_attribute value_attr = __ATTR_RO(value);

static int __init forgetful_init(void)
{
	kobj = kobject_create_and_add("forgetful", kernel_kobj);
	if (!kobj)
		return -ENOMEM;
	if (sysfs_create_file(kobj, &value_attr.attr))
		return -EINVAL;
	/* a file in a kernel directory, never removed */
	return sysfs_create_file(mm_kobj, &value_attr.attr);
}

static void __exit forgetful_exit(void)
{
	/* forgets kobject_put(kobj) and sysfs_remove_file(mm_kobj, ...) */
}

module_init(forgetful_init);
module_exit(forgetful_exit);
MODULE_LICENSE("GPL");
"""


def test_a_forgotten_kobject_put_is_reported_and_reclaimed(kernel, build):
    kernel.module_load(build(FORGETFUL, "forgetful"))
    assert kernel.read_file("/sys/kernel/forgetful/value") == b"7\n"
    assert kernel.read_file("/sys/kernel/mm/value") == b"7\n"
    kernel.module_unload("forgetful")
    lines = texts(kernel)
    assert (
        "forgetful: kobject 'forgetful' still in sysfs at unload (missing kobject_put?):"
        " removing /sys/kernel/forgetful"
    ) in lines
    assert "forgetful: removing leftover sysfs file /sys/kernel/mm/value" in lines
    assert kernel.vfs.lookup("/sys/kernel/forgetful") is None
    assert kernel.vfs.lookup("/sys/kernel/mm/value") is None
    assert kernel.vfs.lookup("/sys/kernel/mm") is not None
    assert kernel.heap.allocations("forgetful") == []
