/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: atomic_t and atomic64_t operations, as Linux's <linux/atomic.h>,
 * inline over gcc's __atomic builtins (lock-prefixed instructions on x86-64).
 * The *_return and fetch operations are fully ordered, as Linux.
 */
#ifndef _LKMSH_LINUX_ATOMIC_H
#define _LKMSH_LINUX_ATOMIC_H

#include <linux/compiler.h>
#include <linux/types.h>

#define ATOMIC_INIT(i)		{ (i) }
#define ATOMIC64_INIT(i)	{ (i) }
#define ATOMIC_LONG_INIT(i)	ATOMIC64_INIT(i)

#define __LKMSH_ATOMIC_OPS(pfx, atype, ctype)				\
static __always_inline ctype pfx##_read(const atype *v)		\
{ return __atomic_load_n(&v->counter, __ATOMIC_RELAXED); }		\
static __always_inline void pfx##_set(atype *v, ctype i)		\
{ __atomic_store_n(&v->counter, i, __ATOMIC_RELAXED); }			\
static __always_inline void pfx##_add(ctype i, atype *v)		\
{ __atomic_fetch_add(&v->counter, i, __ATOMIC_RELAXED); }		\
static __always_inline void pfx##_sub(ctype i, atype *v)		\
{ __atomic_fetch_sub(&v->counter, i, __ATOMIC_RELAXED); }		\
static __always_inline void pfx##_inc(atype *v) { pfx##_add(1, v); }	\
static __always_inline void pfx##_dec(atype *v) { pfx##_sub(1, v); }	\
static __always_inline ctype pfx##_add_return(ctype i, atype *v)	\
{ return __atomic_add_fetch(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static __always_inline ctype pfx##_sub_return(ctype i, atype *v)	\
{ return __atomic_sub_fetch(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static __always_inline ctype pfx##_fetch_add(ctype i, atype *v)		\
{ return __atomic_fetch_add(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static __always_inline ctype pfx##_fetch_sub(ctype i, atype *v)		\
{ return __atomic_fetch_sub(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static __always_inline ctype pfx##_fetch_and(ctype i, atype *v)		\
{ return __atomic_fetch_and(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static __always_inline ctype pfx##_fetch_or(ctype i, atype *v)		\
{ return __atomic_fetch_or(&v->counter, i, __ATOMIC_SEQ_CST); }		\
static __always_inline void pfx##_and(ctype i, atype *v)		\
{ __atomic_fetch_and(&v->counter, i, __ATOMIC_RELAXED); }		\
static __always_inline void pfx##_or(ctype i, atype *v)		\
{ __atomic_fetch_or(&v->counter, i, __ATOMIC_RELAXED); }		\
static __always_inline ctype pfx##_fetch_xor(ctype i, atype *v)		\
{ return __atomic_fetch_xor(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static __always_inline ctype pfx##_fetch_andnot(ctype i, atype *v)	\
{ return __atomic_fetch_and(&v->counter, ~i, __ATOMIC_SEQ_CST); }	\
static __always_inline void pfx##_andnot(ctype i, atype *v)		\
{ __atomic_fetch_and(&v->counter, ~i, __ATOMIC_RELAXED); }		\
static __always_inline ctype pfx##_fetch_inc(atype *v)			\
{ return pfx##_fetch_add(1, v); }					\
static __always_inline ctype pfx##_fetch_dec(atype *v)			\
{ return pfx##_fetch_sub(1, v); }					\
static __always_inline bool pfx##_add_negative(ctype i, atype *v)	\
{ return pfx##_add_return(i, v) < 0; }					\
static __always_inline void pfx##_xor(ctype i, atype *v)		\
{ __atomic_fetch_xor(&v->counter, i, __ATOMIC_RELAXED); }		\
static __always_inline ctype pfx##_inc_return(atype *v)		\
{ return pfx##_add_return(1, v); }					\
static __always_inline ctype pfx##_dec_return(atype *v)		\
{ return pfx##_sub_return(1, v); }					\
static __always_inline bool pfx##_inc_and_test(atype *v)		\
{ return pfx##_add_return(1, v) == 0; }					\
static __always_inline bool pfx##_dec_and_test(atype *v)		\
{ return pfx##_sub_return(1, v) == 0; }					\
static __always_inline bool pfx##_sub_and_test(ctype i, atype *v)	\
{ return pfx##_sub_return(i, v) == 0; }					\
static __always_inline ctype pfx##_xchg(atype *v, ctype n)		\
{ return __atomic_exchange_n(&v->counter, n, __ATOMIC_SEQ_CST); }	\
static __always_inline ctype pfx##_cmpxchg(atype *v, ctype old, ctype n) \
{									\
	__atomic_compare_exchange_n(&v->counter, &old, n, false,	\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);\
	return old;							\
}									\
static __always_inline bool pfx##_try_cmpxchg(atype *v, ctype *old, ctype n) \
{									\
	return __atomic_compare_exchange_n((ctype *)&v->counter, old, n, false, \
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
}									\
static __always_inline bool pfx##_add_unless(atype *v, ctype a, ctype u) \
{									\
	ctype c = pfx##_read(v);					\
	do {								\
		if (c == u)						\
			return false;					\
	} while (!pfx##_try_cmpxchg(v, &c, c + a));			\
	return true;							\
}									\
static __always_inline bool pfx##_inc_not_zero(atype *v)		\
{ return pfx##_add_unless(v, 1, 0); }					\
static __always_inline ctype pfx##_fetch_add_unless(atype *v, ctype a, ctype u) \
{									\
	ctype c = pfx##_read(v);					\
	do {								\
		if (c == u)						\
			break;						\
	} while (!pfx##_try_cmpxchg(v, &c, c + a));			\
	return c;							\
}									\
static __always_inline ctype pfx##_dec_if_positive(atype *v)		\
{									\
	ctype c = pfx##_read(v);					\
	do {								\
		if (c <= 0)						\
			return c - 1;					\
	} while (!pfx##_try_cmpxchg(v, &c, c - 1));			\
	return c - 1;							\
}

__LKMSH_ATOMIC_OPS(atomic, atomic_t, int)
__LKMSH_ATOMIC_OPS(atomic64, atomic64_t, s64)
/* atomic_long_t is atomic64_t, its operations in long (<linux/atomic/atomic-long.h>) */
__LKMSH_ATOMIC_OPS(atomic_long, atomic_long_t, long)

#undef __LKMSH_ATOMIC_OPS

/*
 * The _acquire, _release and _relaxed forms of every value-returning
 * operation (Linux's atomic-arch-fallback.h names), each with its own order.
 */
#define __LKMSH_ATOMIC_ORDERED(pfx, atype, ctype, sfx, order, fail)		\
static __always_inline ctype pfx##_add_return##sfx(ctype i, atype *v)		\
{ return __atomic_add_fetch(&v->counter, i, order); }				\
static __always_inline ctype pfx##_sub_return##sfx(ctype i, atype *v)		\
{ return __atomic_sub_fetch(&v->counter, i, order); }				\
static __always_inline ctype pfx##_inc_return##sfx(atype *v)			\
{ return __atomic_add_fetch(&v->counter, 1, order); }				\
static __always_inline ctype pfx##_dec_return##sfx(atype *v)			\
{ return __atomic_sub_fetch(&v->counter, 1, order); }				\
static __always_inline ctype pfx##_fetch_add##sfx(ctype i, atype *v)		\
{ return __atomic_fetch_add(&v->counter, i, order); }				\
static __always_inline ctype pfx##_fetch_sub##sfx(ctype i, atype *v)		\
{ return __atomic_fetch_sub(&v->counter, i, order); }				\
static __always_inline ctype pfx##_fetch_inc##sfx(atype *v)			\
{ return __atomic_fetch_add(&v->counter, 1, order); }				\
static __always_inline ctype pfx##_fetch_dec##sfx(atype *v)			\
{ return __atomic_fetch_sub(&v->counter, 1, order); }				\
static __always_inline ctype pfx##_fetch_and##sfx(ctype i, atype *v)		\
{ return __atomic_fetch_and(&v->counter, i, order); }				\
static __always_inline ctype pfx##_fetch_andnot##sfx(ctype i, atype *v)	\
{ return __atomic_fetch_and(&v->counter, ~i, order); }				\
static __always_inline ctype pfx##_fetch_or##sfx(ctype i, atype *v)		\
{ return __atomic_fetch_or(&v->counter, i, order); }				\
static __always_inline ctype pfx##_fetch_xor##sfx(ctype i, atype *v)		\
{ return __atomic_fetch_xor(&v->counter, i, order); }				\
static __always_inline ctype pfx##_xchg##sfx(atype *v, ctype n)		\
{ return __atomic_exchange_n(&v->counter, n, order); }				\
static __always_inline ctype pfx##_cmpxchg##sfx(atype *v, ctype old, ctype n)	\
{										\
	__atomic_compare_exchange_n(&v->counter, &old, n, false, order, fail);	\
	return old;								\
}										\
static __always_inline bool pfx##_try_cmpxchg##sfx(atype *v, ctype *old, ctype n) \
{ return __atomic_compare_exchange_n((ctype *)&v->counter, old, n, false, order, fail); }

#define __LKMSH_ATOMIC_ORDERINGS(pfx, atype, ctype)					\
__LKMSH_ATOMIC_ORDERED(pfx, atype, ctype, _acquire, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)	\
__LKMSH_ATOMIC_ORDERED(pfx, atype, ctype, _release, __ATOMIC_RELEASE, __ATOMIC_RELAXED)	\
__LKMSH_ATOMIC_ORDERED(pfx, atype, ctype, _relaxed, __ATOMIC_RELAXED, __ATOMIC_RELAXED)	\
static __always_inline ctype pfx##_read_acquire(const atype *v)			\
{ return __atomic_load_n(&v->counter, __ATOMIC_ACQUIRE); }				\
static __always_inline void pfx##_set_release(atype *v, ctype i)			\
{ __atomic_store_n(&v->counter, i, __ATOMIC_RELEASE); }

__LKMSH_ATOMIC_ORDERINGS(atomic, atomic_t, int)
__LKMSH_ATOMIC_ORDERINGS(atomic64, atomic64_t, s64)
__LKMSH_ATOMIC_ORDERINGS(atomic_long, atomic_long_t, long)

#undef __LKMSH_ATOMIC_ORDERINGS
#undef __LKMSH_ATOMIC_ORDERED

#define mb()		__sync_synchronize()
#define rmb()		__sync_synchronize()
#define wmb()		__sync_synchronize()
#define smp_mb()	__sync_synchronize()
#define smp_rmb()	__sync_synchronize()
#define smp_wmb()	__sync_synchronize()
#define smp_mb__before_atomic()	__sync_synchronize()
#define smp_mb__after_atomic()	__sync_synchronize()
#define smp_store_mb(var, value)	do { WRITE_ONCE(var, value); smp_mb(); } while (0)
#define smp_store_release(p, v)	__atomic_store_n(p, v, __ATOMIC_RELEASE)
#define smp_load_acquire(p)	__atomic_load_n(p, __ATOMIC_ACQUIRE)

#endif
