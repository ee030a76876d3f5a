/* SPDX-License-Identifier: GPL-2.0 */
/* lkmsh: <linux/const.h> as Linux 6.1's: typed constants and __is_constexpr(). */
#ifndef _LKMSH_LINUX_CONST_H
#define _LKMSH_LINUX_CONST_H

#ifdef __ASSEMBLY__
#define _AC(X, Y)	X
#define _AT(T, X)	X
#else
#define __AC(X, Y)	(X##Y)
#define _AC(X, Y)	__AC(X, Y)
#define _AT(T, X)	((T)(X))
#endif

#define _UL(x)		(_AC(x, UL))
#define _ULL(x)		(_AC(x, ULL))
#define _BITUL(x)	(_UL(1) << (x))
#define _BITULL(x)	(_ULL(1) << (x))
#define __KERNEL_DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define UL(x)		(_UL(x))
#define ULL(x)		(_ULL(x))

/*
 * 1 if @x is an integer constant expression, 0 if not, without evaluating it:
 * a null pointer constant only when (long)(x) * 0l is one.
 */
#define __is_constexpr(x) \
	(sizeof(int) == sizeof(*(8 ? ((void *)((long)(x) * 0l)) : (int *)8)))

#endif /* _LKMSH_LINUX_CONST_H */
