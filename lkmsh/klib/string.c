// SPDX-License-Identifier: MIT
/*
 * lib/string.c's hot half: mem* and the str* functions module code calls in
 * loops, run on the emulated CPU instead of a Python round trip per call.
 * Their loads and stores are ordinary ones, so page permissions apply as to
 * the module's own (a memset of kernel text or a strcpy into .rodata faults
 * here, and the Oops names this function). Results follow Linux, which
 * differs from libc in places: strcmp/strncmp return -1/0/1.
 *
 * Built with -fno-tree-loop-distribute-patterns (build.py) so that gcc does
 * not turn these loops back into calls to themselves.
 */
#include "klib.h"

typedef u64 __attribute__((__may_alias__, __aligned__(1))) u64_unaligned;

void *memcpy(void *dest, const void *src, size_t count);
void *memset(void *s, int c, size_t count);

/*
 * memcpy and memset are frameless leaf functions in assembly, as Linux's
 * (arch/x86/lib/memcpy_64.S, arch/arm64/lib/memcpy.S): no stack traffic of
 * their own, 32 bytes a round; memcpy copies 32 to 64 bytes without a loop
 * (the first and the last 32, overlapping). A fault in them leaves the
 * caller's frame intact for the Call Trace.
 */
#if defined(__x86_64__)
asm(".text\n"
    ".globl memcpy\n.type memcpy, @function\n"
    "memcpy:\n"
    "	movq %rdi, %rax\n"
    "	leaq -32(%rdx), %rcx\n"
    "	cmpq $32, %rcx\n"
    "	ja 7f\n"
    /* 32 to 64 bytes: the first 32 and the last 32 (they may overlap), no loop */
    "	movq (%rsi), %r8\n"
    "	movq 8(%rsi), %r9\n"
    "	movq 16(%rsi), %r10\n"
    "	movq 24(%rsi), %r11\n"
    "	movq %r8, (%rdi)\n"
    "	movq %r9, 8(%rdi)\n"
    "	movq %r10, 16(%rdi)\n"
    "	movq %r11, 24(%rdi)\n"
    "	movq -32(%rsi,%rdx), %r8\n"
    "	movq -24(%rsi,%rdx), %r9\n"
    "	movq -16(%rsi,%rdx), %r10\n"
    "	movq -8(%rsi,%rdx), %r11\n"
    "	movq %r8, -32(%rdi,%rdx)\n"
    "	movq %r9, -24(%rdi,%rdx)\n"
    "	movq %r10, -16(%rdi,%rdx)\n"
    "	movq %r11, -8(%rdi,%rdx)\n"
    "	ret\n"
    "7:	movq %rdx, %rcx\n"
    "	shrq $5, %rcx\n"
    "	jz 2f\n"
    "1:	movq (%rsi), %r8\n"
    "	movq 8(%rsi), %r9\n"
    "	movq 16(%rsi), %r10\n"
    "	movq 24(%rsi), %r11\n"
    "	movq %r8, (%rdi)\n"
    "	movq %r9, 8(%rdi)\n"
    "	movq %r10, 16(%rdi)\n"
    "	movq %r11, 24(%rdi)\n"
    "	leaq 32(%rsi), %rsi\n"
    "	leaq 32(%rdi), %rdi\n"
    "	decq %rcx\n"
    "	jnz 1b\n"
    "2:	andl $31, %edx\n"
    "	movl %edx, %ecx\n"
    "	shrl $3, %ecx\n"
    "	jz 4f\n"
    "3:	movq (%rsi), %r8\n"
    "	movq %r8, (%rdi)\n"
    "	leaq 8(%rsi), %rsi\n"
    "	leaq 8(%rdi), %rdi\n"
    "	decl %ecx\n"
    "	jnz 3b\n"
    "4:	andl $7, %edx\n"
    "	jz 6f\n"
    "5:	movb (%rsi), %cl\n"
    "	movb %cl, (%rdi)\n"
    "	incq %rsi\n"
    "	incq %rdi\n"
    "	decl %edx\n"
    "	jnz 5b\n"
    "6:	ret\n"
    ".size memcpy, .-memcpy\n"
    ".globl memset\n.type memset, @function\n"
    "memset:\n"
    "	movq %rdi, %rax\n"
    "	movzbl %sil, %esi\n"
    "	movabsq $0x0101010101010101, %r8\n"
    "	imulq %rsi, %r8\n"
    "	movq %rdx, %rcx\n"
    "	shrq $5, %rcx\n"
    "	jz 2f\n"
    "1:	movq %r8, (%rdi)\n"
    "	movq %r8, 8(%rdi)\n"
    "	movq %r8, 16(%rdi)\n"
    "	movq %r8, 24(%rdi)\n"
    "	leaq 32(%rdi), %rdi\n"
    "	decq %rcx\n"
    "	jnz 1b\n"
    "2:	andl $31, %edx\n"
    "	movl %edx, %ecx\n"
    "	shrl $3, %ecx\n"
    "	jz 4f\n"
    "3:	movq %r8, (%rdi)\n"
    "	leaq 8(%rdi), %rdi\n"
    "	decl %ecx\n"
    "	jnz 3b\n"
    "4:	andl $7, %edx\n"
    "	jz 6f\n"
    "5:	movb %r8b, (%rdi)\n"
    "	incq %rdi\n"
    "	decl %edx\n"
    "	jnz 5b\n"
    "6:	ret\n"
    ".size memset, .-memset\n");
#elif defined(__aarch64__)
asm(".text\n"
    ".globl memcpy\n.type memcpy, %function\n"
    "memcpy:\n"
    "	mov x3, x0\n"
    "	sub x4, x2, #32\n"
    "	cmp x4, #32\n"
    "	b.hi 7f\n"
    /* 32 to 64 bytes: the first 32 and the last 32 (they may overlap), no loop */
    "	add x4, x1, x2\n"
    "	add x5, x0, x2\n"
    "	ldp x6, x7, [x1]\n"
    "	ldp x8, x9, [x1, #16]\n"
    "	stp x6, x7, [x0]\n"
    "	stp x8, x9, [x0, #16]\n"
    "	ldp x6, x7, [x4, #-32]\n"
    "	ldp x8, x9, [x4, #-16]\n"
    "	stp x6, x7, [x5, #-32]\n"
    "	stp x8, x9, [x5, #-16]\n"
    "	ret\n"
    "7:	lsr x4, x2, #5\n"
    "	cbz x4, 2f\n"
    "1:	ldp x5, x6, [x1]\n"
    "	ldp x7, x8, [x1, #16]\n"
    "	stp x5, x6, [x3]\n"
    "	stp x7, x8, [x3, #16]\n"
    "	add x1, x1, #32\n"
    "	add x3, x3, #32\n"
    "	subs x4, x4, #1\n"
    "	b.ne 1b\n"
    "2:	and x2, x2, #31\n"
    "	lsr x4, x2, #3\n"
    "	cbz x4, 4f\n"
    "3:	ldr x5, [x1], #8\n"
    "	str x5, [x3], #8\n"
    "	subs x4, x4, #1\n"
    "	b.ne 3b\n"
    "4:	ands x2, x2, #7\n"
    "	b.eq 6f\n"
    "5:	ldrb w5, [x1], #1\n"
    "	strb w5, [x3], #1\n"
    "	subs x2, x2, #1\n"
    "	b.ne 5b\n"
    "6:	ret\n"
    ".size memcpy, .-memcpy\n"
    ".globl memset\n.type memset, %function\n"
    "memset:\n"
    "	mov x3, x0\n"
    "	and x1, x1, #0xff\n"
    "	mov x5, #0x0101010101010101\n"
    "	mul x1, x1, x5\n"
    "	lsr x4, x2, #5\n"
    "	cbz x4, 2f\n"
    "1:	stp x1, x1, [x3]\n"
    "	stp x1, x1, [x3, #16]\n"
    "	add x3, x3, #32\n"
    "	subs x4, x4, #1\n"
    "	b.ne 1b\n"
    "2:	and x2, x2, #31\n"
    "	lsr x4, x2, #3\n"
    "	cbz x4, 4f\n"
    "3:	str x1, [x3], #8\n"
    "	subs x4, x4, #1\n"
    "	b.ne 3b\n"
    "4:	ands x2, x2, #7\n"
    "	b.eq 6f\n"
    "5:	strb w1, [x3], #1\n"
    "	subs x2, x2, #1\n"
    "	b.ne 5b\n"
    "6:	ret\n"
    ".size memset, .-memset\n");
#else
#error "klib/string.c: no memcpy for this architecture"
#endif

void *memmove(void *dest, const void *src, size_t count)
{
	u8 *d = dest;
	const u8 *s = src;

	if (d == s || d + count <= s || d >= s + count)
		return memcpy(dest, src, count);	/* disjoint: memcpy's order does not matter */
	if (d < s) {	/* forward: every store lands on bytes already read */
		for (; count >= 8; count -= 8, d += 8, s += 8)
			*(u64_unaligned *)d = *(const u64_unaligned *)s;
		for (; count; count--)
			*d++ = *s++;
		return dest;
	}
	d += count;
	s += count;
	for (; count >= 8; count -= 8) {
		d -= 8;
		s -= 8;
		*(u64_unaligned *)d = *(const u64_unaligned *)s;
	}
	while (count--)
		*--d = *--s;
	return dest;
}

int memcmp(const void *cs, const void *ct, size_t count)
{
	const u8 *a = cs, *b = ct;

	for (; count >= 8; count -= 8, a += 8, b += 8)
		if (*(const u64_unaligned *)a != *(const u64_unaligned *)b)
			break;
	for (; count; count--, a++, b++)
		if (*a != *b)
			return *a - *b;
	return 0;
}

int bcmp(const void *a, const void *b, size_t len)
{
	return memcmp(a, b, len);
}

void *memchr(const void *s, int c, size_t n)
{
	const u8 *p = s;

	for (; n; n--, p++)
		if (*p == (u8)c)
			return (void *)p;
	return NULL;
}

/* The first byte of [start, start + bytes) that is not @c, or NULL; 8 bytes a round. */
void *memchr_inv(const void *start, int c, size_t bytes)
{
	const u8 *p = start;
	u8 value = c;
	u64 pattern = 0x0101010101010101ULL * value;

	for (; bytes && ((unsigned long)p & 7); bytes--, p++)
		if (*p != value)
			return (void *)p;
	for (; bytes >= 8 && *(const u64 *)p == pattern; bytes -= 8)
		p += 8;
	for (; bytes; bytes--, p++)
		if (*p != value)
			return (void *)p;
	return NULL;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return p - s;
}

size_t strnlen(const char *s, size_t count)
{
	const char *p = s;

	while (count-- && *p)
		p++;
	return p - s;
}

int strcmp(const char *cs, const char *ct)
{
	u8 a, b;

	do {
		a = *cs++;
		b = *ct++;
		if (a != b)
			return a < b ? -1 : 1;
	} while (a);
	return 0;
}

int strncmp(const char *cs, const char *ct, size_t count)
{
	u8 a, b;

	while (count--) {
		a = *cs++;
		b = *ct++;
		if (a != b)
			return a < b ? -1 : 1;
		if (!a)
			break;
	}
	return 0;
}

char *strcpy(char *dest, const char *src)
{
	char *d = dest;

	while ((*d++ = *src++) != '\0')
		;
	return dest;
}

char *strchr(const char *s, int c)
{
	for (; *s != (char)c; s++)
		if (*s == '\0')
			return NULL;
	return (char *)s;
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	do {
		if (*s == (char)c)
			last = s;
	} while (*s++);
	return (char *)last;
}
