/* Marsaglia's xorshift64, summed: shifts, xors and adds with a loop-carried dependency. */
static unsigned long xorshift(unsigned long n)
{
	unsigned long x = 88172645463325252UL, acc = 0;

	while (n--) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		acc += x;
	}
	return acc;
}
