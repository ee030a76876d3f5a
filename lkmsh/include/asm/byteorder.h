/* SPDX-License-Identifier: GPL-2.0 */
/* lkmsh: <asm/byteorder.h>: x86-64 and arm64 are little-endian. */
#ifndef _LKMSH_ASM_BYTEORDER_H
#define _LKMSH_ASM_BYTEORDER_H

#include <linux/byteorder/little_endian.h>

#endif /* _LKMSH_ASM_BYTEORDER_H */
