/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/file.h>, Linux 6.1: dropping a struct file reference.
 * fput() releases a file opened with filp_open() (<linux/fs.h>) once its
 * last reference goes, as filp_close() does without a file table.
 */
#ifndef _LKMSH_LINUX_FILE_H
#define _LKMSH_LINUX_FILE_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/fs.h>

void fput(struct file *file);

#endif /* _LKMSH_LINUX_FILE_H */
