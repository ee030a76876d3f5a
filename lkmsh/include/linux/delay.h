/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: delays (<linux/delay.h>). Each is a kernel function: the
 * *sleep functions advance the emulated clock (jiffies) without spending
 * real time; the *delay busy-waits do the same.
 */
#ifndef _LKMSH_LINUX_DELAY_H
#define _LKMSH_LINUX_DELAY_H

#include <linux/types.h>

void msleep(unsigned int msecs);
unsigned long msleep_interruptible(unsigned int msecs);
void ssleep(unsigned int seconds);
void usleep_range(unsigned long min, unsigned long max);
void usleep_range_state(unsigned long min, unsigned long max, unsigned int state);
void udelay(unsigned long usecs);
void ndelay(unsigned long nsecs);
void mdelay(unsigned long msecs);

#define fsleep(usecs)	usleep_range(usecs, usecs)

#endif
