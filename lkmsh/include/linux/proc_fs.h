/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: /proc entries (<linux/proc_fs.h>). proc_create_single() registers a
 * file whose contents are produced by @show on every read (`cat /proc/NAME`
 * in the shell). Remove your entries in the module's exit function.
 */
#ifndef _LKMSH_LINUX_PROC_FS_H
#define _LKMSH_LINUX_PROC_FS_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/seq_file.h>

struct proc_dir_entry;

struct proc_dir_entry *proc_create_single_data(const char *name, umode_t mode,
		struct proc_dir_entry *parent,
		int (*show)(struct seq_file *, void *), void *data);
#define proc_create_single(name, mode, parent, show) \
	proc_create_single_data(name, mode, parent, show, NULL)

struct proc_dir_entry *proc_mkdir(const char *name, struct proc_dir_entry *parent);
void remove_proc_entry(const char *name, struct proc_dir_entry *parent);
#define proc_remove(de)	((void)(de))

#endif
