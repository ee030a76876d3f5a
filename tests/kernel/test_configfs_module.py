"""<linux/configfs.h> from a module written the way drivers use configfs (USB gadget,
nvmet, the LIO target all look like this).

"cfsdemo" registers a subsystem whose groups are made with mkdir (make_group, refusing
names that do not start with "dev" with -EINVAL), each with a default group "params"
(configfs_add_default_group) and attributes of the three kinds (CONFIGFS_ATTR,
CONFIGFS_ATTR_RO, CONFIGFS_ATTR_WO); a registered default group "stats" whose
attribute looks an item up with config_group_find_item; disconnect_notify and
drop_item that say what happens, and a release that frees the group. Both
architectures; the tree survives the state file.
"""

from __future__ import annotations

import errno

import pytest
from kernel_helpers import texts

from lkmsh.kernel.kernel import Kernel
from lkmsh.kernel.vfs import FileError

CFSDEMO = r"""
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/configfs.h>
#include <linux/slab.h>
#include <linux/string.h>

struct demo_dev {
	struct config_group group;
	struct config_group params;
	int level;
};

static inline struct demo_dev *to_demo_dev(struct config_item *item)
{
	return container_of(to_config_group(item), struct demo_dev, group);
}

static ssize_t demo_dev_name_show(struct config_item *item, char *page)
{
	return sprintf(page, "%s\n", config_item_name(item));
}

static ssize_t demo_dev_trigger_store(struct config_item *item, const char *page, size_t len)
{
	pr_info("%s: triggered with %zu bytes\n", config_item_name(item), len);
	return len;
}

CONFIGFS_ATTR_RO(demo_dev_, name);
CONFIGFS_ATTR_WO(demo_dev_, trigger);

static struct configfs_attribute *demo_dev_attrs[] = {
	&demo_dev_attr_name,
	&demo_dev_attr_trigger,
	NULL,
};

static void demo_dev_release(struct config_item *item)
{
	struct demo_dev *dev = to_demo_dev(item);

	/* config_item_cleanup() has cleared the name by now */
	pr_info("release a dev of level %d, name %s\n", dev->level, config_item_name(item) ?: "gone");
	kfree(dev);
}

static struct configfs_item_operations demo_dev_item_ops = {
	.release = demo_dev_release,
};

static const struct config_item_type demo_dev_type = {
	.ct_item_ops = &demo_dev_item_ops,
	.ct_attrs = demo_dev_attrs,
	.ct_owner = THIS_MODULE,
};

static ssize_t params_level_show(struct config_item *item, char *page)
{
	struct demo_dev *dev = container_of(to_config_group(item), struct demo_dev, params);

	return sprintf(page, "%d\n", dev->level);
}

static ssize_t params_level_store(struct config_item *item, const char *page, size_t len)
{
	struct demo_dev *dev = container_of(to_config_group(item), struct demo_dev, params);
	int ret = kstrtoint(page, 0, &dev->level);

	return ret ? ret : len;
}

CONFIGFS_ATTR(params_, level);

static struct configfs_attribute *params_attrs[] = {
	&params_attr_level,
	NULL,
};

static const struct config_item_type params_type = {
	.ct_attrs = params_attrs,
	.ct_owner = THIS_MODULE,
};

static struct config_group *demo_make_group(struct config_group *parent, const char *name)
{
	struct demo_dev *dev;

	if (strncmp(name, "dev", 3))
		return ERR_PTR(-EINVAL);
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	config_group_init_type_name(&dev->group, name, &demo_dev_type);
	config_group_init_type_name(&dev->params, "params", &params_type);
	configfs_add_default_group(&dev->params, &dev->group);
	dev->level = 3;
	pr_info("made %s\n", name);
	return &dev->group;
}

static void demo_disconnect(struct config_group *group, struct config_item *item)
{
	pr_info("disconnect %s from %s\n", config_item_name(item), config_item_name(&group->cg_item));
}

static void demo_drop(struct config_group *group, struct config_item *item)
{
	pr_info("drop %s\n", config_item_name(item));
	configfs_remove_default_groups(to_config_group(item));
	config_item_put(item);
}

static struct configfs_group_operations demo_group_ops = {
	.make_group = demo_make_group,
	.disconnect_notify = demo_disconnect,
	.drop_item = demo_drop,
};

static const struct config_item_type demo_type = {
	.ct_group_ops = &demo_group_ops,
	.ct_owner = THIS_MODULE,
};

static struct configfs_subsystem demo_subsys = {
	.su_group = {
		.cg_item = {
			.ci_namebuf = "cfsdemo",
			.ci_type = &demo_type,
		},
	},
};

static struct config_group *stats;

static ssize_t stats_lookup_store(struct config_item *item, const char *page, size_t len)
{
	char name[64];
	struct config_item *found;

	strscpy(name, page, sizeof(name));
	strim(name);
	found = config_group_find_item(&demo_subsys.su_group, name);
	if (!found)
		return -ENOENT;
	pr_info("found %s, %u references\n", config_item_name(found), kref_read(&found->ci_kref));
	config_item_put(found);
	return len;
}

CONFIGFS_ATTR_WO(stats_, lookup);

static struct configfs_attribute *stats_attrs[] = {
	&stats_attr_lookup,
	NULL,
};

static const struct config_item_type stats_type = {
	.ct_attrs = stats_attrs,
	.ct_owner = THIS_MODULE,
};

static int __init cfsdemo_init(void)
{
	int ret;

	config_group_init(&demo_subsys.su_group);
	mutex_init(&demo_subsys.su_mutex);
	ret = configfs_register_subsystem(&demo_subsys);
	if (ret)
		return ret;
	pr_info("again: %d\n", configfs_register_subsystem(&demo_subsys));
	stats = configfs_register_default_group(&demo_subsys.su_group, "stats", &stats_type);
	if (IS_ERR(stats)) {
		configfs_unregister_subsystem(&demo_subsys);
		return PTR_ERR(stats);
	}
	return 0;
}

static void __exit cfsdemo_exit(void)
{
	configfs_unregister_default_group(stats);
	configfs_unregister_subsystem(&demo_subsys);
}

module_init(cfsdemo_init);
module_exit(cfsdemo_exit);
MODULE_LICENSE("GPL");
"""

CFS = "/sys/kernel/config/cfsdemo"
LONG = "dev-with-a-name-longer-than-twenty"


def _lines(kernel) -> list[str]:
    return [t.removeprefix("cfsdemo: ") for t in texts(kernel) if t.startswith("cfsdemo: ")]


def _names(kernel, path) -> list[str]:
    return [e.name for e in kernel.listdir(path)]


def test_groups_made_and_dropped_by_users(arch_kernel):
    kernel, build = arch_kernel
    kernel.module_load(build(CFSDEMO, "cfsdemo"))
    assert _lines(kernel)[-1] == "again: -17"  # -EEXIST: the name is taken
    assert _names(kernel, CFS) == ["stats"]
    kernel.mkdir(f"{CFS}/dev0")
    kernel.mkdir(f"{CFS}/{LONG}")
    assert _names(kernel, f"{CFS}/dev0") == ["name", "params", "trigger"]
    assert kernel.read_file(f"{CFS}/{LONG}/name") == f"{LONG}\n".encode()  # kmalloc'd name
    assert kernel.read_file(f"{CFS}/dev0/params/level") == b"3\n"
    kernel.write_file(f"{CFS}/dev0/params/level", b"0x10\n")
    assert kernel.read_file(f"{CFS}/dev0/params/level") == b"16\n"
    kernel.write_file(f"{CFS}/dev0/trigger", b"go\n")
    kernel.write_file(f"{CFS}/stats/lookup", b"dev0\n")
    # make_group's, the parent's list's, its default group's parent link's, the lookup's
    assert _lines(kernel)[-2:] == ["dev0: triggered with 3 bytes", "found dev0, 4 references"]
    for path, flags, code in (
        (f"{CFS}/dev0/trigger", 0, errno.EACCES),  # write-only
        (f"{CFS}/dev0/name", 1, errno.EACCES),  # read-only
    ):
        with pytest.raises(FileError) as err:
            kernel.open(path, flags)
        assert err.value.errno == code
    for bad, code in (
        (lambda: kernel.write_file(f"{CFS}/stats/lookup", b"nothing\n"), errno.ENOENT),
        (lambda: kernel.write_file(f"{CFS}/dev0/params/level", b"x\n"), errno.EINVAL),
        (lambda: kernel.mkdir(f"{CFS}/other"), errno.EINVAL),  # make_group's ERR_PTR
        (lambda: kernel.mkdir(f"{CFS}/dev0"), errno.EEXIST),
        (lambda: kernel.mkdir(f"{CFS}/dev0/sub"), errno.EPERM),  # its type makes nothing
        (lambda: kernel.mkdir("/sys/kernel/config/nosuch/x"), errno.ENOENT),
        (lambda: kernel.mkdir("/sys/kernel/config/new"), errno.EPERM),  # configfs's root
        (lambda: kernel.mkdir("/proc/mine"), errno.EPERM),  # procfs has no mkdir
        (lambda: kernel.rmdir(f"{CFS}/dev0/params"), errno.EPERM),  # a default group
        (lambda: kernel.rmdir(f"{CFS}/stats"), errno.EPERM),
        (lambda: kernel.rmdir(CFS), errno.EPERM),
        (lambda: kernel.rmdir(f"{CFS}/dev0/name"), errno.ENOTDIR),
        (lambda: kernel.rmdir("/sys/kernel"), errno.EPERM),
    ):
        with pytest.raises(FileError) as err:
            bad()
        assert err.value.errno == code
    with pytest.raises(Exception, match="in use"):
        kernel.module_unload("cfsdemo")  # each group holds the module
    kernel.rmdir(f"{CFS}/dev0")
    assert _lines(kernel)[-3:] == [
        "disconnect dev0 from cfsdemo",
        "drop dev0",
        "release a dev of level 16, name gone",
    ]
    kernel.rmdir(f"{CFS}/{LONG}")
    kernel.module_unload("cfsdemo")
    assert kernel.heap.allocations("cfsdemo") == []
    assert _names(kernel, "/sys/kernel/config") == []
    assert not [t for t in texts(kernel) if "leak" in t or "BUG" in t or "WARNING" in t]


def test_the_tree_survives_the_state_file(tmp_path):
    from lkmsh.build import build_module

    src = tmp_path / "cfsdemo.c"
    src.write_text(CFSDEMO)
    kernel = Kernel()
    kernel.module_load(build_module([src], tmp_path / "cfsdemo.ko"))
    kernel.mkdir(f"{CFS}/dev1")
    kernel.write_file(f"{CFS}/dev1/params/level", b"9\n")
    again = Kernel.from_state(kernel.export_state())
    assert _names(again, CFS) == ["dev1", "stats"]
    assert again.read_file(f"{CFS}/dev1/params/level") == b"9\n"
    again.rmdir(f"{CFS}/dev1")
    third = Kernel.from_state(again.export_state())
    assert _names(third, CFS) == ["stats"]
    third.module_unload("cfsdemo")
    assert third.heap.allocations("cfsdemo") == []
    assert _lines(third)[-1] == "release a dev of level 9, name gone"
