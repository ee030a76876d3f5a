/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/trace.h>, as Linux 6.1: a module's own ftrace instance (a
 * trace array: /sys/kernel/tracing/instances/NAME), its events and its
 * printk.
 *
 *   struct trace_array *tr = trace_array_get_by_name("mine");
 *   trace_array_init_printk(tr);
 *   trace_array_printk(tr, _THIS_IP_, "count=%d\n", n);
 *   trace_array_set_clr_event(tr, "my-system", "my_event", true);
 *   trace_array_put(tr);
 *   trace_array_destroy(tr);
 */
#ifndef _LKMSH_LINUX_TRACE_H
#define _LKMSH_LINUX_TRACE_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/bits.h>

#define TRACE_EXPORT_FUNCTION	BIT(0)
#define TRACE_EXPORT_EVENT	BIT(1)
#define TRACE_EXPORT_MARKER	BIT(2)

struct trace_array;

int trace_array_set_clr_event(struct trace_array *tr, const char *system,
			      const char *event, bool enable);
__printf(3, 4)
int trace_array_printk(struct trace_array *tr, unsigned long ip,
		       const char *fmt, ...);
int trace_array_init_printk(struct trace_array *tr);
void trace_array_put(struct trace_array *tr);
struct trace_array *trace_array_get_by_name(const char *name);
int trace_array_destroy(struct trace_array *tr);

#endif /* _LKMSH_LINUX_TRACE_H */
