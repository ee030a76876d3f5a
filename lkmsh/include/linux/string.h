/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: memory and string functions, as Linux's <linux/string.h>. Each is
 * a kernel function. As Linux on x86-64 once did, memcpy/memset/memmove/
 * memcmp/strlen go through gcc's builtins so small fixed-size cases are
 * inlined; everything else calls the kernel's exported function.
 */
#ifndef _LKMSH_LINUX_STRING_H
#define _LKMSH_LINUX_STRING_H

#include <linux/compiler.h>
#include <linux/types.h>

void *memcpy(void *dest, const void *src, size_t count);
void *memmove(void *dest, const void *src, size_t count);
void *memset(void *s, int c, size_t count);
int memcmp(const void *cs, const void *ct, size_t count);
void *memchr(const void *s, int c, size_t n);

size_t strlen(const char *s);
size_t strnlen(const char *s, size_t count);
char *strcpy(char *dest, const char *src);
char *strncpy(char *dest, const char *src, size_t count);
ssize_t strscpy(char *dest, const char *src, size_t count);
char *strcat(char *dest, const char *src);
char *strncat(char *dest, const char *src, size_t count);
int strcmp(const char *cs, const char *ct);
int strncmp(const char *cs, const char *ct, size_t count);
int strcasecmp(const char *s1, const char *s2);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *s1, const char *s2);

/* Allocating string helpers live in the slab family (<linux/slab.h>). */
#include <linux/gfp.h>
char *kstrdup(const char *s, gfp_t gfp) __malloc;
char *kstrndup(const char *s, size_t max, gfp_t gfp) __malloc;
void *kmemdup(const void *src, size_t len, gfp_t gfp) __malloc;

#define memcpy(d, s, n)		__builtin_memcpy(d, s, n)
#define memmove(d, s, n)	__builtin_memmove(d, s, n)
#define memset(s, c, n)		__builtin_memset(s, c, n)
#define memcmp(a, b, n)		__builtin_memcmp(a, b, n)
#define strlen(s)		__builtin_strlen(s)

#endif
