/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: the firmware loader (<linux/firmware.h>, drivers/base/firmware_loader
 * of Linux 6.1). request_firmware() reads NAME from the host, read-only, in
 * Linux's search order: the firmware_class.path parameter
 * (/sys/module/firmware_class/parameters/path), /lib/firmware/updates/RELEASE,
 * /lib/firmware/updates, /lib/firmware/RELEASE, /lib/firmware; NAME.xz is tried
 * when NAME is in none of them (CONFIG_FW_LOADER_COMPRESS_XZ). Debian's 6.1 has
 * no sysfs fallback (CONFIG_FW_LOADER_USER_HELPER) and no firmware upload
 * (CONFIG_FW_UPLOAD), and neither has lkmsh.
 */
#ifndef _LKMSH_LINUX_FIRMWARE_H
#define _LKMSH_LINUX_FIRMWARE_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/gfp.h>
#include <linux/err.h>

#define FW_ACTION_NOUEVENT 0
#define FW_ACTION_UEVENT 1

struct firmware {
	size_t size;
	const u8 *data;

	/* firmware loader private fields */
	void *priv;
};

/* firmware upload's error codes (drivers/base/firmware_loader/sysfs_upload.c) */
enum fw_upload_err {
	FW_UPLOAD_ERR_NONE,
	FW_UPLOAD_ERR_HW_ERROR,
	FW_UPLOAD_ERR_TIMEOUT,
	FW_UPLOAD_ERR_CANCELED,
	FW_UPLOAD_ERR_BUSY,
	FW_UPLOAD_ERR_INVALID_SIZE,
	FW_UPLOAD_ERR_RW_ERROR,
	FW_UPLOAD_ERR_WEAROUT,
	FW_UPLOAD_ERR_MAX
};

struct fw_upload {
	void *dd_handle; /* reference to parent driver */
	void *priv;	 /* firmware loader private fields */
};

struct fw_upload_ops {
	enum fw_upload_err (*prepare)(struct fw_upload *fw_upload,
				      const u8 *data, u32 size);
	enum fw_upload_err (*write)(struct fw_upload *fw_upload,
				    const u8 *data, u32 offset,
				    u32 size, u32 *written);
	enum fw_upload_err (*poll_complete)(struct fw_upload *fw_upload);
	void (*cancel)(struct fw_upload *fw_upload);
	void (*cleanup)(struct fw_upload *fw_upload);
};

struct module;
struct device;

/* built-in firmware (CONFIG_EXTRA_FIRMWARE): Debian's is empty, so is lkmsh's */
bool firmware_request_builtin(struct firmware *fw, const char *name);

int request_firmware(const struct firmware **fw, const char *name,
		     struct device *device);
int firmware_request_nowarn(const struct firmware **fw, const char *name,
			    struct device *device);
int firmware_request_platform(const struct firmware **fw, const char *name,
			      struct device *device);
int request_firmware_nowait(
	struct module *module, bool uevent,
	const char *name, struct device *device, gfp_t gfp, void *context,
	void (*cont)(const struct firmware *fw, void *context));
int request_firmware_direct(const struct firmware **fw, const char *name,
			    struct device *device);
int request_firmware_into_buf(const struct firmware **firmware_p,
	const char *name, struct device *device, void *buf, size_t size);
int request_partial_firmware_into_buf(const struct firmware **firmware_p,
				      const char *name, struct device *device,
				      void *buf, size_t size, size_t offset);

void release_firmware(const struct firmware *fw);

/* CONFIG_FW_UPLOAD is not set (Debian's 6.1): registering an upload fails */
static inline struct fw_upload *
firmware_upload_register(struct module *module, struct device *parent,
			 const char *name, const struct fw_upload_ops *ops,
			 void *dd_handle)
{
	return ERR_PTR(-EINVAL);
}

static inline void firmware_upload_unregister(struct fw_upload *fw_upload)
{
}

int firmware_request_cache(struct device *device, const char *name);

/*
 * lkmsh: drivers/base/firmware_loader/main.c's static function, named here as
 * kallsyms and kprobes name it (request_firmware_nowait()'s worker calls it);
 * not exported: a module calling it is refused.
 */
int _request_firmware(const struct firmware **firmware_p, const char *name,
		      struct device *device, void *buf, size_t size,
		      size_t offset, u32 opt_flags);

#endif /* _LKMSH_LINUX_FIRMWARE_H */
