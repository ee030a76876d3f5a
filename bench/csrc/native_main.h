/* main() of a native baseline: BENCH_FN(n) once; prints the CPU nanoseconds it took and its result. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : BENCH_DEFAULT;
	struct timespec a, b;
	unsigned long r;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	r = BENCH_FN(n);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	printf("%lld %lx\n",
	       (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec), r);
	return 0;
}
