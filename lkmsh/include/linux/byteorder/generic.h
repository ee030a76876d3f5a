/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/byteorder/generic.h>: the conversions live in <asm/byteorder.h>. */
#ifndef _LKMSH_LINUX_BYTEORDER_GENERIC_H
#define _LKMSH_LINUX_BYTEORDER_GENERIC_H
#include <asm/byteorder.h>
#endif
