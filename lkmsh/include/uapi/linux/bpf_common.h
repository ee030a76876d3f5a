/* SPDX-License-Identifier: MIT */
#include <linux/bpf_common.h>
