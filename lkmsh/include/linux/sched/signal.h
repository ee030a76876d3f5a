/* SPDX-License-Identifier: MIT */
/* lkmsh: signal_pending() and friends live in <linux/sched.h>; Linux's path for them. */
#ifndef _LKMSH_LINUX_SCHED_SIGNAL_H
#define _LKMSH_LINUX_SCHED_SIGNAL_H
#include <linux/sched.h>
#endif
