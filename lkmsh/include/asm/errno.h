/* SPDX-License-Identifier: MIT */
/* lkmsh: <asm/errno.h>: the errno values (<linux/errno.h> holds them all). */
#include <linux/errno.h>
