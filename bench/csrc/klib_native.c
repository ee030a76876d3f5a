/*
 * bench: klib_body.h on the host, linked with lkmsh/klib's own sort.c, crc.c
 * and string.c (its memcpy renamed klib_memcpy, see fixtures.py) compiled
 * natively; prints the CPU nanoseconds of one run of a workload.
 * usage: klib_native sort|memcpy|crc32 N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void sort(void *base, size_t num, size_t size, int (*cmp)(const void *, const void *),
	  void (*swap)(void *, void *, int));
unsigned int crc32_le(unsigned int crc, const unsigned char *p, size_t len);
void *klib_memcpy(void *dest, const void *src, size_t count);
#define memcpy klib_memcpy

#include "klib_body.h"

int main(int argc, char **argv)
{
	unsigned long n = strtoul(argv[2], NULL, 0), r = 0;
	static int ints[100000];
	static char dst[64 * 64], src[32 * 64];
	static unsigned char buf[4 << 20];
	volatile size_t len = 64;
	struct timespec a, b;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	if (!strcmp(argv[1], "sort"))
		r = run_sort(ints, n);
	else if (!strcmp(argv[1], "memcpy"))
		r = run_memcpy(dst, src, n, &len);
	else
		r = run_crc32(buf, n);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	printf("%lld %lx\n",
	       (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec), r);
	return 0;
}
