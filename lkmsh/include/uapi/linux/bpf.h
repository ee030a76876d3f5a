/* SPDX-License-Identifier: MIT */
/* lkmsh: <uapi/linux/bpf.h>'s instruction ABI (part of <linux/bpf.h> here). */
#include <linux/bpf.h>
