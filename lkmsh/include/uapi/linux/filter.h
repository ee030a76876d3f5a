/* SPDX-License-Identifier: MIT */
/* lkmsh: <uapi/linux/filter.h>, the classic BPF ABI (part of <linux/filter.h> here). */
#include <linux/filter.h>
