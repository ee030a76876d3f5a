/* SPDX-License-Identifier: MIT */
/* lkmsh: as Linux's <linux/hardirq.h>, the context tests of <linux/preempt.h>. */
#ifndef _LKMSH_LINUX_HARDIRQ_H
#define _LKMSH_LINUX_HARDIRQ_H

#include <linux/preempt.h>

#endif /* _LKMSH_LINUX_HARDIRQ_H */
