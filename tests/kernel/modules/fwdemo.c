// SPDX-License-Identifier: GPL-2.0
/*
 * fwdemo: a misc device whose "hardware" needs a firmware image, loaded the way
 * drivers load theirs: request_firmware() at init (or request_firmware_nowait()
 * with async=1, the callback from a kworker), an optional calibration file with
 * firmware_request_nowarn(), the image checked ("FWDM", a version byte) and kept
 * until exit. /dev/fwdemo reads the payload; writing a name to the reload
 * attribute asks for that image with request_firmware_direct().
 *
 *   echo -n /lib/firmware/mydir > /sys/module/firmware_class/parameters/path
 *   insmod fwdemo.ko [fw_name=NAME] [async=1] [keep=1]
 */
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/firmware.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

static char *fw_name = "fwdemo.bin";
module_param(fw_name, charp, 0444);
MODULE_PARM_DESC(fw_name, "the firmware image to load");
static bool async;
module_param(async, bool, 0444);
MODULE_PARM_DESC(async, "load the image with request_firmware_nowait()");
static bool keep;
module_param(keep, bool, 0444);
MODULE_PARM_DESC(keep, "forget release_firmware() at exit (a bug, on purpose)");

static DEFINE_MUTEX(fw_lock);
static const struct firmware *fw;
static int cal = -1;

static int fw_check(const struct firmware *f)
{
	if (f->size < 5 || memcmp(f->data, "FWDM", 4)) {
		pr_err("fwdemo: %s is not a fwdemo image (%zu bytes)\n", fw_name, f->size);
		return -EINVAL;
	}
	pr_info("fwdemo: %s version %u, %zu bytes\n", fw_name, f->data[4], f->size);
	return 0;
}

static ssize_t fwdemo_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	ssize_t ret = -EAGAIN;

	mutex_lock(&fw_lock);
	if (fw)
		ret = simple_read_from_buffer(buf, count, ppos, fw->data + 5, fw->size - 5);
	mutex_unlock(&fw_lock);
	return ret;
}

static const struct file_operations fwdemo_fops = {
	.owner = THIS_MODULE,
	.read = fwdemo_read,
};

static ssize_t reload_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t count)
{
	const struct firmware *next;
	char *name;
	int ret;

	name = kstrndup(buf, count, GFP_KERNEL);
	if (!name)
		return -ENOMEM;
	strim(name);
	ret = request_firmware_direct(&next, name, dev);
	if (ret) {
		dev_err(dev, "reload of %s failed: %d\n", name, ret);
		kfree(name);
		return ret;
	}
	mutex_lock(&fw_lock);
	release_firmware(fw);
	fw = next;
	mutex_unlock(&fw_lock);
	dev_info(dev, "reloaded %s: %zu bytes\n", name, next->size);
	kfree(name);
	return count;
}
static DEVICE_ATTR_WO(reload);

static ssize_t calibration_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", cal);
}
static DEVICE_ATTR_RO(calibration);

static struct attribute *fwdemo_attrs[] = {
	&dev_attr_reload.attr,
	&dev_attr_calibration.attr,
	NULL,
};
ATTRIBUTE_GROUPS(fwdemo);

static struct miscdevice fwdemo_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "fwdemo",
	.fops = &fwdemo_fops,
	.groups = fwdemo_groups,
};

static void fwdemo_loaded(const struct firmware *f, void *context)
{
	struct miscdevice *m = context;

	msleep(10); /* the callback runs in a kworker: it may sleep */
	if (!f) {
		dev_err(m->this_device, "async load of %s failed\n", fw_name);
		return;
	}
	if (fw_check(f)) {
		release_firmware(f);
		return;
	}
	mutex_lock(&fw_lock);
	fw = f;
	mutex_unlock(&fw_lock);
}

static int __init fwdemo_init(void)
{
	const struct firmware *c;
	int ret;

	ret = misc_register(&fwdemo_dev);
	if (ret)
		return ret;
	if (!firmware_request_nowarn(&c, "fwdemo-cal.bin", fwdemo_dev.this_device)) {
		cal = c->data[0];
		release_firmware(c);
	} else {
		pr_info("fwdemo: no calibration file, using defaults\n");
	}
	if (async) {
		ret = request_firmware_nowait(THIS_MODULE, FW_ACTION_UEVENT, fw_name,
					      fwdemo_dev.this_device, GFP_KERNEL,
					      &fwdemo_dev, fwdemo_loaded);
		if (ret)
			goto err;
		return 0;
	}
	ret = request_firmware(&fw, fw_name, fwdemo_dev.this_device);
	if (ret) {
		pr_err("fwdemo: cannot load %s: %d\n", fw_name, ret);
		goto err;
	}
	ret = fw_check(fw);
	if (ret) {
		release_firmware(fw);
		goto err;
	}
	return 0;
err:
	misc_deregister(&fwdemo_dev);
	return ret;
}

static void __exit fwdemo_exit(void)
{
	misc_deregister(&fwdemo_dev);
	if (!keep)
		release_firmware(fw);
}

module_init(fwdemo_init);
module_exit(fwdemo_exit);
MODULE_LICENSE("GPL");
MODULE_FIRMWARE("fwdemo.bin");
MODULE_DESCRIPTION("a device that needs a firmware image");
