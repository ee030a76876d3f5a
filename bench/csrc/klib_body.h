/*
 * bench: the kernel-library workloads, written once for the module
 * (klib_bench.c, lkmsh's kernel library on the emulated CPU) and for the host
 * (klib_native.c, the same lkmsh/klib sources compiled natively).
 */
#ifndef KLIB_BODY_H
#define KLIB_BODY_H

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Sort n pseudo-random ints with a compare function of our own; the sum of a few picks. */
static unsigned long run_sort(int *a, unsigned long n)
{
	unsigned long i, r = 1;

	for (i = 0; i < n; i++) {
		r = (r * 725861) % 6599;
		a[i] = (int)r;
	}
	sort(a, n, sizeof(*a), cmp_int, NULL);
	return (unsigned long)a[0] + a[n / 2] + a[n - 1];
}

/* n copies of 64 bytes, the size not known to the compiler (a call, not inlined moves). */
static unsigned long run_memcpy(char *dst, const char *src, unsigned long n, volatile size_t *len)
{
	unsigned long i, sum = 0;

	for (i = 0; i < n; i++) {
		memcpy(dst + (i & 63) * 64, src + (i & 31) * 64, *len);
		sum += (unsigned char)dst[(i & 63) * 64];
	}
	return sum;
}

static unsigned long run_crc32(unsigned char *buf, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		buf[i] = (unsigned char)(i * 31 + 7);
	return crc32_le(~0U, buf, n) ^ ~0U;
}

#endif
