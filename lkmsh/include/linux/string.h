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
#include <linux/stddef.h>
#include <linux/build_bug.h>

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
/* the kernel's own constant strings are kept as they are, anything else copied */
const char *kstrdup_const(const char *s, gfp_t gfp);
void kfree_const(const void *x);
char *kstrndup(const char *s, size_t max, gfp_t gfp) __malloc;
void *kmemdup(const void *src, size_t len, gfp_t gfp) __malloc;

/* lib/string.c and lib/string_helpers.c beyond the basics */
void *memchr_inv(const void *start, int c, size_t bytes);
void *memscan(void *addr, int c, size_t size);
void *memset16(uint16_t *s, uint16_t v, size_t count);
void *memset32(uint32_t *s, uint32_t v, size_t count);
void *memset64(uint64_t *s, uint64_t v, size_t count);
char *strsep(char **s, const char *ct);
char *skip_spaces(const char *str);
char *strim(char *s);
bool sysfs_streq(const char *s1, const char *s2);
int match_string(const char * const *array, size_t n, const char *string);
int __sysfs_match_string(const char * const *array, size_t n, const char *s);
char *strreplace(char *str, char old, char new);
ssize_t strscpy_pad(char *dest, const char *src, size_t count);
size_t strlcpy(char *dest, const char *src, size_t size);
size_t strlcat(char *dest, const char *src, size_t count);
int strncasecmp(const char *s1, const char *s2, size_t n);
char *strnchr(const char *s, size_t count, int c);
char *strchrnul(const char *s, int c);
char *strpbrk(const char *cs, const char *ct);
size_t strspn(const char *s, const char *accept);
size_t strcspn(const char *s, const char *reject);
char *strnstr(const char *s1, const char *s2, size_t len);
char *kmemdup_nul(const char *s, size_t len, gfp_t gfp) __malloc;

/* Concatenate two NULL-terminated pointer arrays into a new kmalloc'd one. */
void **__memcat_p(void **a, void **b);
#define memcat_p(a, b) ({						\
	BUILD_BUG_ON_MSG(!__same_type(*(a), *(b)),			\
			 "type mismatch in memcat_p()");		\
	(typeof(*a) *)__memcat_p((void **)(a), (void **)(b));		\
})

#define sysfs_match_string(_a, _s) __sysfs_match_string(_a, ARRAY_SIZE(_a), _s)

static inline __must_check char *strstrip(char *str)
{
	return strim(str);
}

/* If str starts with prefix, its length, else 0. */
static __always_inline size_t str_has_prefix(const char *str, const char *prefix)
{
	size_t len = __builtin_strlen(prefix);

	return __builtin_strncmp(str, prefix, len) == 0 ? len : 0;
}

static inline bool strstarts(const char *str, const char *prefix)
{
	return __builtin_strncmp(str, prefix, __builtin_strlen(prefix)) == 0;
}

static inline void memcpy_and_pad(void *dest, size_t dest_len, const void *src,
				  size_t count, int pad)
{
	if (dest_len > count) {
		__builtin_memcpy(dest, src, count);
		__builtin_memset((char *)dest + count, pad, dest_len - count);
	} else {
		__builtin_memcpy(dest, src, dest_len);
	}
}

/* Set every byte of *@obj after member @member / from @member on to @v. */
#define memset_after(obj, v, member)					\
({									\
	u8 *__ptr = (u8 *)(obj);					\
	typeof(v) __val = (v);						\
	memset(__ptr + offsetofend(typeof(*(obj)), member), __val,	\
	       sizeof(*(obj)) - offsetofend(typeof(*(obj)), member));	\
})

#define memset_startat(obj, v, member)					\
({									\
	u8 *__ptr = (u8 *)(obj);					\
	typeof(v) __val = (v);						\
	memset(__ptr + offsetof(typeof(*(obj)), member), __val,		\
	       sizeof(*(obj)) - offsetof(typeof(*(obj)), member));	\
})

/*
 * Copy a C string into a fixed-size (__nonstring) character array, without
 * the NUL; strtomem_pad fills the rest with @pad. The destination's size must
 * be known at build time.
 */
#define strtomem_pad(dest, src, pad)	do {				\
	const size_t _dest_len = __builtin_object_size(dest, 1);	\
									\
	BUILD_BUG_ON(!__builtin_constant_p(_dest_len) ||		\
		     _dest_len == (size_t)-1);				\
	memcpy_and_pad(dest, _dest_len, src, strnlen(src, _dest_len), pad); \
} while (0)

#define strtomem(dest, src)	do {					\
	const size_t _dest_len = __builtin_object_size(dest, 1);	\
	size_t _src_len;						\
									\
	BUILD_BUG_ON(!__builtin_constant_p(_dest_len) ||		\
		     _dest_len == (size_t)-1);				\
	_src_len = strnlen(src, _dest_len);				\
	memcpy(dest, src, _dest_len < _src_len ? _dest_len : _src_len); \
} while (0)

/*
 * CONFIG_FORTIFY_SOURCE (Debian's 6.1 sets it): the checked forms, as kbuild
 * builds every optimized module; lib/string.c itself is built __NO_FORTIFY.
 */
#if !defined(__NO_FORTIFY) && defined(__OPTIMIZE__) && defined(CONFIG_FORTIFY_SOURCE)
#include <linux/fortify-string.h>
#else
#define memcpy(d, s, n)		__builtin_memcpy(d, s, n)
#define memmove(d, s, n)	__builtin_memmove(d, s, n)
#define memset(s, c, n)		__builtin_memset(s, c, n)
#define memcmp(a, b, n)		__builtin_memcmp(a, b, n)
#define strlen(s)		__builtin_strlen(s)
#endif

#endif
