/* SPDX-License-Identifier: MIT */
/* lkmsh: loading another module from module code (<linux/kmod.h>). */
#ifndef _LKMSH_LINUX_KMOD_H
#define _LKMSH_LINUX_KMOD_H

#include <linux/compiler.h>

/* Loads the module named by the formatted string (as modprobe would); 0 or -errno. */
__printf(1, 2) int request_module(const char *fmt, ...);

#endif
