/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/instruction_pointer.h> as Linux 6.1's: the caller's and this code's address. */
#ifndef _LKMSH_LINUX_INSTRUCTION_POINTER_H
#define _LKMSH_LINUX_INSTRUCTION_POINTER_H

#define _RET_IP_		(unsigned long)__builtin_return_address(0)
#define _THIS_IP_  ({ __label__ __here; __here: (unsigned long)&&__here; })

#endif
