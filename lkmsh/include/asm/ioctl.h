/* SPDX-License-Identifier: MIT */
/* lkmsh: <asm/ioctl.h>: both architectures use the generic encoding. */
#include <asm-generic/ioctl.h>
