/* Exactly 5 instructions per iteration: add, imul, xor, dec, jnz. */
static unsigned long spin(unsigned long n)
{
	unsigned long acc = 1, k = 6364136223846793005UL;

	if (!n)
		return acc;
	asm volatile("1:\n\t"
		     "add %[i], %[acc]\n\t"
		     "imul %[k], %[acc]\n\t"
		     "xor %[i], %[acc]\n\t"
		     "dec %[i]\n\t"
		     "jnz 1b"
		     : [acc] "+r"(acc), [i] "+r"(n)
		     : [k] "r"(k)
		     : "cc");
	return acc;
}
