/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: compiler attributes and helpers with Linux's names
 * (<linux/compiler.h>, <linux/compiler_types.h>, <linux/compiler_attributes.h>).
 * Written for gcc; lkmsh builds modules with the host gcc.
 */
#ifndef _LKMSH_LINUX_COMPILER_H
#define _LKMSH_LINUX_COMPILER_H

#include <linux/stringify.h>

#ifndef __ASSEMBLY__

#define __section(s)		__attribute__((__section__(s)))
#define __used			__attribute__((__used__))
#define __aligned(x)		__attribute__((__aligned__(x)))
#define __packed		__attribute__((__packed__))
#define __always_inline		inline __attribute__((__always_inline__))
#define noinline		__attribute__((__noinline__))
#define __noreturn		__attribute__((__noreturn__))
#define __weak			__attribute__((__weak__))
#define __cold			__attribute__((__cold__))
#define __maybe_unused		__attribute__((__unused__))
#define __always_unused		__attribute__((__unused__))
#define __must_check		__attribute__((__warn_unused_result__))
#if __has_attribute(__externally_visible__)	/* gcc; clang keeps every global visible */
#define __visible		__attribute__((__externally_visible__))
#else
#define __visible
#endif
#define __printf(a, b)		__attribute__((__format__(printf, a, b)))
#define __scanf(a, b)		__attribute__((__format__(scanf, a, b)))
#define __alias(sym)		__attribute__((__alias__(#sym)))
/* A char array that need not be NUL-terminated (strtomem() fills it). */
#if __has_attribute(__nonstring__)
#define __nonstring	__attribute__((__nonstring__))
#else
#define __nonstring
#endif
#if __has_attribute(__copy__)	/* gcc 9+; clang has none (compiler_attributes.h) */
#define __copy(sym)		__attribute__((__copy__(sym)))
#else
#define __copy(sym)
#endif
/* a call that survives optimization fails the build / warns (fortify-string.h) */
#if __has_attribute(__error__)
#define __compiletime_error(msg)	__attribute__((__error__(msg)))
#else
#define __compiletime_error(msg)
#endif
#if __has_attribute(__warning__)
#define __compiletime_warning(msg)	__attribute__((__warning__(msg)))
#else
#define __compiletime_warning(msg)
#endif
#define __gnu_inline		__attribute__((__gnu_inline__))
/* clang's attributes for object sizes seen through inline functions */
#if __has_attribute(__overloadable__)
#define __overloadable		__attribute__((__overloadable__))
#else
#define __overloadable
#endif
#if __has_attribute(__pass_object_size__)
#define __pass_object_size(t)	__attribute__((__pass_object_size__(t)))
#else
#define __pass_object_size(t)
#endif
#if __has_attribute(__diagnose_as_builtin__)
#define __diagnose_as(builtin...)	__attribute__((__diagnose_as_builtin__(builtin)))
#else
#define __diagnose_as(builtin...)
#endif
#define __pure			__attribute__((__pure__))
#define __attribute_const__	__attribute__((__const__))
#define __malloc		__attribute__((__malloc__))
#define __deprecated		__attribute__((__deprecated__))
#define fallthrough		__attribute__((__fallthrough__))
#define notrace
#define asmlinkage
#define __force
#define __user
#define __kernel
#define __iomem
#define __rcu
#define __percpu
#define __must_hold(x)
#define __acquires(x)
#define __acquire(x)		(void)0
#define __release(x)		(void)0
#define __releases(x)

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)

#define barrier()		__asm__ __volatile__("" : : : "memory")
#define unreachable()		__builtin_unreachable()

/* Whether @type is signed (scalars, bool and pointers alike). */
#define is_signed_type(type)	(((type)(-1)) < (type)1)
/*
 * Diagnostics pragmas (compiler_types.h, compiler-gcc.h): __diag_ignore_all()
 * silences one warning option between __diag_push() and __diag_pop().
 */
#define __diag_str1(s)		#s
#define __diag_str(s)		__diag_str1(s)
#define __diag(s)		_Pragma(__diag_str(GCC diagnostic s))
#define __diag_push()		__diag(push)
#define __diag_pop()		__diag(pop)
#define __diag_ignore(compiler, version, option, comment) __diag(ignored option)
#define __diag_ignore_all(option, comment) __diag(ignored option)
#define __same_type(a, b)	__builtin_types_compatible_p(typeof(a), typeof(b))

/* A unique identifier per use, as Linux: __UNIQUE_ID_<prefix><counter>. */
#define __UNIQUE_ID(prefix)	__PASTE(__PASTE(__UNIQUE_ID_, prefix), __COUNTER__)

/* Force the compiler to keep (and take the address of) a symbol. */
#define ___ADDRESSABLE(sym, __attrs)					\
	static void * __used __attrs						\
		__UNIQUE_ID(__PASTE(__addressable_, sym)) = (void *)&sym;
#define __ADDRESSABLE(sym)	___ADDRESSABLE(sym, __section(".discard.addressable"))

#define READ_ONCE(x)		(*(const volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, val)						\
	do { *(volatile typeof(x) *)&(x) = (val); } while (0)

#define OPTIMIZER_HIDE_VAR(var)	__asm__ ("" : "=r" (var) : "0" (var))
/* ptr + off where gcc cannot see which object the result points into */
#define RELOC_HIDE(ptr, off) ({					\
	unsigned long __ptr;					\
	__asm__ ("" : "=r" (__ptr) : "0" (ptr));		\
	(typeof(ptr))(__ptr + (off));				\
})

#endif /* !__ASSEMBLY__ */

#endif
