/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: loading another module from module code (<linux/kmod.h>), as
 * Linux 6.1: request_module() and request_module_nowait() are macros over
 * __request_module(), which runs lkmsh's modprobe on the kernel's module
 * directory ($LKMSH_MODULE_PATH, else the bundled modules). It returns 0 when
 * modprobe succeeds, a negative errno when it could not be run, and, like
 * Linux's call_usermodehelper() wait status, modprobe's exit status shifted
 * left by 8 when modprobe fails (256 for a module that is not there).
 * lkmsh's modprobe runs to its end even for the _nowait form.
 */
#ifndef _LKMSH_LINUX_KMOD_H
#define _LKMSH_LINUX_KMOD_H

#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/sysctl.h>	/* as Linux's, through <linux/umh.h> */

#define KMOD_PATH_LEN 256

__printf(2, 3) int __request_module(bool wait, const char *name, ...);
#define request_module(mod...) __request_module(true, mod)
#define request_module_nowait(mod...) __request_module(false, mod)
#define try_then_request_module(x, mod...) \
	((x) ?: (__request_module(true, mod), (x)))

#endif
