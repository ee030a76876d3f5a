/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/version.h> of the kernel lkmsh is (6.1.0, the release
 * `uname -r` would show as 6.1.0-lkmsh): modules that branch on the version
 * take the 6.1 branch.
 */
#ifndef _LKMSH_LINUX_VERSION_H
#define _LKMSH_LINUX_VERSION_H

#define LINUX_VERSION_CODE 393472
#define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))
#define LINUX_VERSION_MAJOR 6
#define LINUX_VERSION_PATCHLEVEL 1
#define LINUX_VERSION_SUBLEVEL 0

#endif
