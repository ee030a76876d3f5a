/* SPDX-License-Identifier: MIT */
/* lkmsh: struct timespec64 (<linux/time64.h>). */
#ifndef _LKMSH_LINUX_TIME64_H
#define _LKMSH_LINUX_TIME64_H

#include <linux/types.h>

struct timespec64 {
	time64_t	tv_sec;
	long		tv_nsec;
};

#endif
