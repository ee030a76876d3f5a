/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: writing the contents of a /proc file (<linux/seq_file.h>).
 * struct seq_file is opaque in lkmsh: a show function only passes it back
 * to the seq_* functions, which append to the text a reader sees.
 */
#ifndef _LKMSH_LINUX_SEQ_FILE_H
#define _LKMSH_LINUX_SEQ_FILE_H

#include <linux/compiler.h>
#include <linux/types.h>

struct seq_file;

__printf(2, 3) void seq_printf(struct seq_file *m, const char *fmt, ...);
void seq_puts(struct seq_file *m, const char *s);
void seq_putc(struct seq_file *m, char c);
int seq_write(struct seq_file *seq, const void *data, size_t len);

#endif
