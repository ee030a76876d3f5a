/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/crc-itu-t.h>: CRC-ITU-T (0x1021, MSB first). */
#ifndef _LKMSH_LINUX_CRC_ITU_T_H
#define _LKMSH_LINUX_CRC_ITU_T_H

#include <linux/types.h>

u16 crc_itu_t(u16 crc, const u8 *buffer, size_t len);

#endif
