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
	return __atomic_compare_exchange_n(&v->counter, old, n, false,	\
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
__LKMSH_ATOMIC_OPS(atomic_long, atomic_long_t, s64)

#undef __LKMSH_ATOMIC_OPS

/* One CPU, fully ordered operations: the ordering variants are the plain ones. */
#define atomic_read_acquire(v)			atomic_read(v)
#define atomic_set_release(v, i)		atomic_set(v, i)
#define atomic_inc_return_relaxed(v)		atomic_inc_return(v)
#define atomic_dec_return_relaxed(v)		atomic_dec_return(v)
#define atomic_add_return_relaxed(i, v)		atomic_add_return(i, v)
#define atomic_cmpxchg_relaxed(v, o, n)		atomic_cmpxchg(v, o, n)
#define atomic_cmpxchg_acquire(v, o, n)		atomic_cmpxchg(v, o, n)
#define atomic_cmpxchg_release(v, o, n)		atomic_cmpxchg(v, o, n)
#define atomic_xchg_relaxed(v, n)		atomic_xchg(v, n)
#define atomic_fetch_add_relaxed(i, v)		atomic_fetch_add(i, v)

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
