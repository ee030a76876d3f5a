/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/genhd.h>, merged into <linux/blkdev.h> since Linux 5.18; kept for older drivers. */
#ifndef _LKMSH_LINUX_GENHD_H
#define _LKMSH_LINUX_GENHD_H
#include <linux/blkdev.h>
#endif
