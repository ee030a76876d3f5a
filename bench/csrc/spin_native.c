/* bench: spin() compiled for the host; prints the CPU nanoseconds one call took. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "spin_body.h"

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 2000000;
	struct timespec a, b;
	unsigned long r;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	r = spin(n);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	printf("%lld %lx\n",
	       (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec), r);
	return 0;
}
