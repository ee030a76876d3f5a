/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/time.h> gathers the clock headers. */
#ifndef _LKMSH_LINUX_TIME_H
#define _LKMSH_LINUX_TIME_H

#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>

#endif
