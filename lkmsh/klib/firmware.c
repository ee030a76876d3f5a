// SPDX-License-Identifier: MIT
/*
 * drivers/base/firmware_loader/main.c's request_firmware_work_func: the work
 * request_firmware_nowait() queues on system_wq (kapi/firmware.py). It runs
 * in the kworker as kernel text, so the driver's callback is called from C
 * and may sleep (park its kworker) as on Linux. _request_firmware is the
 * loader's own (Python behind its slot, not an export).
 */
#include "klib.h"

struct module;
struct device;
struct firmware;

struct work_struct {
	unsigned long data;
	struct list_head entry;
	void (*func)(struct work_struct *work);
};

/* the layout kapi/firmware.py writes */
struct firmware_work {
	struct work_struct work;
	struct module *module;
	const char *name;
	struct device *device;
	void *context;
	void (*cont)(const struct firmware *fw, void *context);
	u32 opt_flags;
};

int _request_firmware(const struct firmware **firmware_p, const char *name,
		      struct device *device, void *buf, size_t size,
		      size_t offset, u32 opt_flags);
void put_device(struct device *dev);
void module_put(struct module *module);
void kfree_const(const void *x);
void kfree(const void *objp);

__attribute__((used)) static void request_firmware_work_func(struct work_struct *work)
{
	struct firmware_work *fw_work = (struct firmware_work *)work;
	const struct firmware *fw;

	_request_firmware(&fw, fw_work->name, fw_work->device, NULL, 0, 0,
			  fw_work->opt_flags);
	fw_work->cont(fw, fw_work->context);
	put_device(fw_work->device); /* taken in request_firmware_nowait() */

	module_put(fw_work->module);
	kfree_const(fw_work->name);
	kfree(fw_work);
}
