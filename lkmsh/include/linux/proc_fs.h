/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: /proc entries (<linux/proc_fs.h>, Linux 6.1).
 *
 * proc_create_single(): a file whose contents @show produces on every open
 * (seq_file's single_open). proc_create()/proc_create_data(): a file whose
 * struct proc_ops handlers (proc_open, proc_read, proc_write, proc_lseek,
 * proc_release, ...) the kernel calls for `cat` and `echo >`; pde_data(inode)
 * gives the data. proc_create_seq(): a file iterated by a seq_operations.
 * Remove your entries in the module's exit function (remove_proc_entry or
 * proc_remove).
 */
#ifndef _LKMSH_LINUX_PROC_FS_H
#define _LKMSH_LINUX_PROC_FS_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/fs.h>
#include <linux/uidgid.h>
#include <linux/seq_file.h>

struct proc_dir_entry;
struct poll_table_struct;
struct vm_area_struct;
struct kiocb;
struct iov_iter;

/* proc_ops->proc_flags */
#define PROC_ENTRY_PERMANENT	1U

struct proc_ops {
	unsigned int proc_flags;
	int	(*proc_open)(struct inode *, struct file *);
	ssize_t	(*proc_read)(struct file *, char __user *, size_t, loff_t *);
	ssize_t (*proc_read_iter)(struct kiocb *, struct iov_iter *);
	ssize_t	(*proc_write)(struct file *, const char __user *, size_t, loff_t *);
	/* mandatory unless nonseekable_open() or equivalent is used */
	loff_t	(*proc_lseek)(struct file *, loff_t, int);
	int	(*proc_release)(struct inode *, struct file *);
	__poll_t (*proc_poll)(struct file *, struct poll_table_struct *);
	long	(*proc_ioctl)(struct file *, unsigned int, unsigned long);
	long	(*proc_compat_ioctl)(struct file *, unsigned int, unsigned long);
	int	(*proc_mmap)(struct file *, struct vm_area_struct *);
	unsigned long (*proc_get_unmapped_area)(struct file *, unsigned long, unsigned long, unsigned long, unsigned long);
};

struct proc_dir_entry *proc_create_single_data(const char *name, umode_t mode,
		struct proc_dir_entry *parent,
		int (*show)(struct seq_file *, void *), void *data);
#define proc_create_single(name, mode, parent, show) \
	proc_create_single_data(name, mode, parent, show, NULL)

struct proc_dir_entry *proc_create_data(const char *name, umode_t mode,
		struct proc_dir_entry *parent, const struct proc_ops *proc_ops, void *data);
struct proc_dir_entry *proc_create(const char *name, umode_t mode,
		struct proc_dir_entry *parent, const struct proc_ops *proc_ops);

struct proc_dir_entry *proc_create_seq_private(const char *name, umode_t mode,
		struct proc_dir_entry *parent, const struct seq_operations *ops,
		unsigned int state_size, void *data);
#define proc_create_seq_data(name, mode, parent, ops, data) \
	proc_create_seq_private(name, mode, parent, ops, 0, data)
#define proc_create_seq(name, mode, parent, ops) \
	proc_create_seq_private(name, mode, parent, ops, 0, NULL)

struct proc_dir_entry *proc_mkdir(const char *name, struct proc_dir_entry *parent);
void remove_proc_entry(const char *name, struct proc_dir_entry *parent);
void proc_remove(struct proc_dir_entry *de);
void proc_set_size(struct proc_dir_entry *de, loff_t size);
void proc_set_user(struct proc_dir_entry *de, kuid_t uid, kgid_t gid);

/* The data given to proc_create_data (6.1: an inline reading the inode). */
static inline void *pde_data(const struct inode *inode)
{
	return inode->i_private;
}
/* The pre-5.17 name, for modules written against older kernels. */
#define PDE_DATA(inode) pde_data(inode)

#endif
