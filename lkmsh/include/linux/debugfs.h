/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: debugfs, mounted at /sys/kernel/debug, as Linux 6.1's <linux/debugfs.h>.
 *
 * Creating returns a struct dentry * (opaque), or an ERR_PTR: -EEXIST for a
 * name already present (with debugfs's message); a parent that is an
 * ERR_PTR is returned unchanged. Value files read and write the variable in
 * place (u8..u64 and size_t/ulong as %llu, x8..x64 as 0x%0Nllx, atomic_t as
 * %d, bool as Y/N); a blob file reads blob->size bytes at blob->data.
 */
#ifndef _LKMSH_LINUX_DEBUGFS_H
#define _LKMSH_LINUX_DEBUGFS_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/seq_file.h>

#ifndef __ASSEMBLY__

struct dentry;
struct file_operations;

struct debugfs_blob_wrapper {
	void *data;		/* 0 */
	unsigned long size;	/* 8 */
};

struct dentry *debugfs_lookup(const char *name, struct dentry *parent);
void debugfs_lookup_and_remove(const char *name, struct dentry *parent);

struct dentry *debugfs_create_dir(const char *name, struct dentry *parent);

/* A file served by @fops (open, read, write, llseek, ioctl, release in module
 * code; inode->i_private is @data, as simple_open expects). */
struct dentry *debugfs_create_file(const char *name, umode_t mode, struct dentry *parent,
				   void *data, const struct file_operations *fops);
struct dentry *debugfs_create_file_unsafe(const char *name, umode_t mode,
					  struct dentry *parent, void *data,
					  const struct file_operations *fops);
void debugfs_create_file_size(const char *name, umode_t mode, struct dentry *parent,
			      void *data, const struct file_operations *fops, loff_t file_size);

ssize_t debugfs_attr_read(struct file *file, char __user *buf,
			  size_t len, loff_t *ppos);
ssize_t debugfs_attr_write(struct file *file, const char __user *buf,
			   size_t len, loff_t *ppos);

#define DEFINE_DEBUGFS_ATTRIBUTE(__fops, __get, __set, __fmt)		\
static int __fops ## _open(struct inode *inode, struct file *file)	\
{									\
	__simple_attr_check_format(__fmt, 0ull);			\
	return simple_attr_open(inode, file, __get, __set, __fmt);	\
}									\
static const struct file_operations __fops = {				\
	.owner	 = THIS_MODULE,						\
	.open	 = __fops ## _open,					\
	.release = simple_attr_release,					\
	.read	 = debugfs_attr_read,					\
	.write	 = debugfs_attr_write,					\
	.llseek  = no_llseek,						\
}

void debugfs_remove(struct dentry *dentry);
#define debugfs_remove_recursive debugfs_remove

bool debugfs_initialized(void);

void debugfs_create_u8(const char *name, umode_t mode, struct dentry *parent, u8 *value);
void debugfs_create_u16(const char *name, umode_t mode, struct dentry *parent, u16 *value);
void debugfs_create_u32(const char *name, umode_t mode, struct dentry *parent, u32 *value);
void debugfs_create_u64(const char *name, umode_t mode, struct dentry *parent, u64 *value);
void debugfs_create_ulong(const char *name, umode_t mode, struct dentry *parent,
			  unsigned long *value);
void debugfs_create_x8(const char *name, umode_t mode, struct dentry *parent, u8 *value);
void debugfs_create_x16(const char *name, umode_t mode, struct dentry *parent, u16 *value);
void debugfs_create_x32(const char *name, umode_t mode, struct dentry *parent, u32 *value);
void debugfs_create_x64(const char *name, umode_t mode, struct dentry *parent, u64 *value);
void debugfs_create_size_t(const char *name, umode_t mode, struct dentry *parent,
			   size_t *value);
void debugfs_create_atomic_t(const char *name, umode_t mode, struct dentry *parent,
			     atomic_t *value);
void debugfs_create_bool(const char *name, umode_t mode, struct dentry *parent, bool *value);

struct dentry *debugfs_create_blob(const char *name, umode_t mode, struct dentry *parent,
				   struct debugfs_blob_wrapper *blob);

#endif /* !__ASSEMBLY__ */

#endif
