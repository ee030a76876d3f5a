/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/kallsyms.h>'s sizes, as Linux 6.1. */
#ifndef _LKMSH_LINUX_KALLSYMS_H
#define _LKMSH_LINUX_KALLSYMS_H

#include <linux/types.h>
#include <linux/bits.h>

#ifndef MODULE_NAME_LEN
#define MODULE_NAME_LEN 56
#endif
#ifndef BUILD_ID_SIZE_MAX
#define BUILD_ID_SIZE_MAX 20
#endif

#define KSYM_NAME_LEN 512
#define KSYM_SYMBOL_LEN (sizeof("%s+%#lx/%#lx [%s %s]") + \
			(KSYM_NAME_LEN - 1) + \
			2*(BITS_PER_LONG*3/10) + (MODULE_NAME_LEN - 1) + \
			(BUILD_ID_SIZE_MAX * 2) + 1)

/* declared as Linux 6.1 declares it; not exported (kprobes give its address) */
unsigned long kallsyms_lookup_name(const char *name);
/* declared as Linux 6.1 declares it; not exported (built-in code only) */
int kallsyms_lookup_size_offset(unsigned long addr, unsigned long *symbolsize,
				unsigned long *offset);

#endif
