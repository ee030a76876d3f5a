/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/ioctl.h>: _IO/_IOR/_IOW/_IOWR and the _IOC_* decoders. */
#ifndef _LKMSH_LINUX_IOCTL_H
#define _LKMSH_LINUX_IOCTL_H

#include <asm/ioctl.h>

#endif
