/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/seq_buf.h>, the buffer descriptor inside a struct trace_seq. */
#ifndef _LKMSH_LINUX_SEQ_BUF_H
#define _LKMSH_LINUX_SEQ_BUF_H

#include <linux/types.h>

struct seq_buf {
	char			*buffer;
	size_t			size;
	size_t			len;
	loff_t			readpos;
};

#endif
