/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: copying between the kernel and user memory (<linux/uaccess.h>).
 *
 * A file operation's buffer is user memory: pages mapped below the kernel
 * (below TASK_SIZE_MAX) for the call, holding what the reader gets or the
 * writer gave. copy_to_user and copy_from_user return the number of bytes
 * NOT copied; a pointer that is not a user address (a kernel pointer, NULL
 * + size past the end) copies nothing, an unmapped or read-only user page
 * stops the copy there: drivers then return -EFAULT, as on Linux. get_user
 * and put_user return 0 or -EFAULT. Nothing here Oopses.
 */
#ifndef _LKMSH_LINUX_UACCESS_H
#define _LKMSH_LINUX_UACCESS_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <asm/page.h>

static inline bool __access_ok(const void __user *ptr, unsigned long size)
{
	unsigned long limit = TASK_SIZE_MAX;
	unsigned long addr = (unsigned long)ptr;

	return (size <= limit) && (addr <= (limit - size));
}

#define access_ok(addr, size)	likely(__access_ok(addr, size))

/* mm/maccess.c: a kernel read that returns -EFAULT instead of faulting (-ERANGE for a user address) */
long copy_from_kernel_nofault(void *dst, const void *src, size_t size);
#define get_kernel_nofault(val, ptr) ({				\
	const typeof(val) *__gk_ptr = (ptr);			\
	copy_from_kernel_nofault(&(val), __gk_ptr, sizeof(val));\
})

unsigned long __must_check _copy_from_user(void *to, const void __user *from, unsigned long n);
unsigned long __must_check _copy_to_user(void __user *to, const void *from, unsigned long n);

static __always_inline unsigned long __must_check
copy_from_user(void *to, const void __user *from, unsigned long n)
{
	return _copy_from_user(to, from, n);
}

static __always_inline unsigned long __must_check
copy_to_user(void __user *to, const void *from, unsigned long n)
{
	return _copy_to_user(to, from, n);
}

#define __copy_from_user(to, from, n)	copy_from_user(to, from, n)
#define __copy_to_user(to, from, n)	copy_to_user(to, from, n)

/*
 * get_user(x, ptr) / put_user(x, ptr): one value of ptr's type; 0 or -EFAULT
 * (get_user then sets x to 0, as Linux).
 */
#define get_user(x, ptr)						\
({									\
	unsigned long long __gu_val = 0;				\
	int __gu_err = _copy_from_user(&__gu_val, (ptr),		\
				       sizeof(*(ptr))) ? -EFAULT : 0;	\
	if (__gu_err)							\
		__gu_val = 0;						\
	(x) = (__force __typeof__(*(ptr)))__gu_val;			\
	__gu_err;							\
})

#define put_user(x, ptr)						\
({									\
	__typeof__(*(ptr)) __pu_val = (x);				\
	_copy_to_user((ptr), &__pu_val, sizeof(*(ptr))) ? -EFAULT : 0;	\
})

#define __get_user(x, ptr)	get_user(x, ptr)
#define __put_user(x, ptr)	put_user(x, ptr)

long strncpy_from_user(char *dst, const char __user *src, long count);

/* 1 if the user range is all zero, 0 if a byte is not, -EFAULT (lib/usercopy.c). */
int check_zeroed_user(const void __user *from, size_t size);

/*
 * copy_struct_from_user(): a struct whose user copy may be older (shorter:
 * the rest of @dst is zeroed) or newer (longer: the extra bytes must be zero,
 * else -E2BIG) than the kernel's, as Linux 6.1's inline.
 */
static __always_inline __must_check int
copy_struct_from_user(void *dst, size_t ksize, const void __user *src, size_t usize)
{
	size_t size = ksize < usize ? ksize : usize;
	size_t rest = (ksize > usize ? ksize : usize) - size;

	if (usize < ksize) {
		memset((char *)dst + size, 0, rest);
	} else if (usize > ksize) {
		int ret = check_zeroed_user((const char __user *)src + size, rest);

		if (ret <= 0)
			return ret ? ret : -E2BIG;
	}
	if (copy_from_user(dst, src, size))
		return -EFAULT;
	return 0;
}
long strnlen_user(const char __user *str, long n);
unsigned long __must_check clear_user(void __user *mem, unsigned long len);
#define __clear_user(mem, len)	clear_user(mem, len)

#endif
