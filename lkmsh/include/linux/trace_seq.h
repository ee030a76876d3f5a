/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/trace_seq.h>, as Linux 6.1: a page of text that an event's
 * output function fills (iter->seq) and the scratch page its __print_*()
 * helpers return strings from (iter->tmp_seq). The kernel functions behind
 * these keep seq.len and full as Linux's do.
 */
#ifndef _LKMSH_LINUX_TRACE_SEQ_H
#define _LKMSH_LINUX_TRACE_SEQ_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/stdarg.h>
#include <linux/seq_buf.h>
#include <asm/page.h>

struct trace_seq {
	char			buffer[PAGE_SIZE];
	struct seq_buf		seq;
	int			full;
};

static inline void trace_seq_init(struct trace_seq *s)
{
	s->seq.buffer = s->buffer;
	s->seq.size = PAGE_SIZE;
	s->seq.len = 0;
	s->seq.readpos = 0;
	s->full = 0;
}

static inline int trace_seq_used(struct trace_seq *s)
{
	return s->seq.len < s->seq.size ? s->seq.len : s->seq.size;
}

static inline char *trace_seq_buffer_ptr(struct trace_seq *s)
{
	return s->buffer + trace_seq_used(s);
}

static inline bool trace_seq_has_overflowed(struct trace_seq *s)
{
	return s->full || s->seq.len > s->seq.size;
}

extern __printf(2, 3) void trace_seq_printf(struct trace_seq *s, const char *fmt, ...);
extern __printf(2, 0) void trace_seq_vprintf(struct trace_seq *s, const char *fmt, va_list args);
extern void trace_seq_puts(struct trace_seq *s, const char *str);
extern void trace_seq_putc(struct trace_seq *s, unsigned char c);
extern void trace_seq_putmem(struct trace_seq *s, const void *mem, unsigned int len);
extern void trace_seq_bitmask(struct trace_seq *s, const unsigned long *maskp, int nmaskbits);

#endif
