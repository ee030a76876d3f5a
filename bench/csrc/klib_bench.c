// SPDX-License-Identifier: GPL-2.0
/* bench: the kernel library from module code; each workload is an exported function. */
#include <linux/crc32.h>
#include <linux/module.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "klib_body.h"

static int *ints;
static char *copy_dst, *copy_src;
static unsigned char *crc_buf;
static size_t copy_len = 64;

unsigned long klib_bench_sort(unsigned long n)
{
	return run_sort(ints, n);
}
EXPORT_SYMBOL(klib_bench_sort);

unsigned long klib_bench_memcpy(unsigned long n)
{
	return run_memcpy(copy_dst, copy_src, n, &copy_len);
}
EXPORT_SYMBOL(klib_bench_memcpy);

unsigned long klib_bench_crc32(unsigned long n)
{
	return run_crc32(crc_buf, n);
}
EXPORT_SYMBOL(klib_bench_crc32);

static int __init klib_bench_init(void)
{
	ints = vmalloc(100000 * sizeof(int));
	copy_dst = vzalloc(64 * 64);
	copy_src = vzalloc(32 * 64);
	crc_buf = vmalloc(4 << 20);
	if (!ints || !copy_dst || !copy_src || !crc_buf)
		return -ENOMEM;
	return 0;
}

static void __exit klib_bench_exit(void)
{
	vfree(ints);
	vfree(copy_dst);
	vfree(copy_src);
	vfree(crc_buf);
}

module_init(klib_bench_init);
module_exit(klib_bench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("bench: the kernel library called from module code");
