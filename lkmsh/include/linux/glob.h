/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/glob.h>. */
#ifndef _LKMSH_LINUX_GLOB_H
#define _LKMSH_LINUX_GLOB_H

#include <linux/types.h>

bool __pure glob_match(char const *pat, char const *str);

#endif
