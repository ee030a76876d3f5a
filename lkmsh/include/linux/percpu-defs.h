/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/percpu-defs.h> for a uniprocessor kernel (CONFIG_SMP unset):
 * a per-CPU variable is one ordinary variable, the one CPU's copy, so
 * per_cpu_ptr(), this_cpu_ptr() and raw_cpu_ptr() are the pointer itself,
 * and the raw_cpu_*()/__this_cpu_*() operations are plain C on it. The
 * this_cpu_*() forms are the same with interrupts off around them, as
 * Linux's generic ones. A subtracted value is cast to the variable's type
 * first, as Linux does (-(typeof(pcp))(val)).
 */
#ifndef _LKMSH_LINUX_PERCPU_DEFS_H
#define _LKMSH_LINUX_PERCPU_DEFS_H

#include <linux/compiler.h>
#include <linux/export.h>
#include <linux/irqflags.h>

#define DECLARE_PER_CPU_SECTION(type, name, sec)	extern __percpu __typeof__(type) name
#define DEFINE_PER_CPU_SECTION(type, name, sec)		__percpu __typeof__(type) name

#define DECLARE_PER_CPU(type, name)		DECLARE_PER_CPU_SECTION(type, name, "")
#define DEFINE_PER_CPU(type, name)		DEFINE_PER_CPU_SECTION(type, name, "")
#define DECLARE_PER_CPU_READ_MOSTLY(type, name)	DECLARE_PER_CPU(type, name)
#define DEFINE_PER_CPU_READ_MOSTLY(type, name)	DEFINE_PER_CPU(type, name)
#define DECLARE_PER_CPU_ALIGNED(type, name)	DECLARE_PER_CPU(type, name)
#define DEFINE_PER_CPU_ALIGNED(type, name)	DEFINE_PER_CPU(type, name) __aligned(64)
#define DECLARE_PER_CPU_SHARED_ALIGNED(type, name)	DECLARE_PER_CPU(type, name)
#define DEFINE_PER_CPU_SHARED_ALIGNED(type, name)	DEFINE_PER_CPU(type, name) __aligned(64)
#define DECLARE_PER_CPU_FIRST(type, name)	DECLARE_PER_CPU(type, name)
#define DEFINE_PER_CPU_FIRST(type, name)	DEFINE_PER_CPU(type, name)

#define EXPORT_PER_CPU_SYMBOL(var)	EXPORT_SYMBOL(var)
#define EXPORT_PER_CPU_SYMBOL_GPL(var)	EXPORT_SYMBOL_GPL(var)

/*
 * One CPU: its offset is 0. The address still goes through RELOC_HIDE, as
 * Linux's, so gcc treats per-CPU data as reached through a pointer it cannot
 * follow: a store to a per-CPU variable is kept (kmemleak scans it) even when
 * the module never reads it back.
 */
#define SHIFT_PERCPU_PTR(__p, __offset)	RELOC_HIDE((typeof(*(__p)) *)(__p), (__offset))
#define per_cpu_ptr(ptr, cpu)	({ (void)(cpu); SHIFT_PERCPU_PTR((ptr), 0); })
#define raw_cpu_ptr(ptr)	SHIFT_PERCPU_PTR((ptr), 0)
#define this_cpu_ptr(ptr)	raw_cpu_ptr(ptr)
#define per_cpu(var, cpu)	(*per_cpu_ptr(&(var), cpu))
#define get_cpu_ptr(var)	({ preempt_disable(); this_cpu_ptr(var); })
#define put_cpu_ptr(var)	do { (void)(var); preempt_enable(); } while (0)
#define get_cpu_var(var)	(*({ preempt_disable(); this_cpu_ptr(&var); }))
#define put_cpu_var(var)	do { (void)&(var); preempt_enable(); } while (0)

#define raw_cpu_read(pcp)		(*raw_cpu_ptr(&(pcp)))
#define raw_cpu_write(pcp, val)		do { *raw_cpu_ptr(&(pcp)) = (val); } while (0)
#define raw_cpu_add(pcp, val)		do { *raw_cpu_ptr(&(pcp)) += (val); } while (0)
#define raw_cpu_and(pcp, val)		do { *raw_cpu_ptr(&(pcp)) &= (val); } while (0)
#define raw_cpu_or(pcp, val)		do { *raw_cpu_ptr(&(pcp)) |= (val); } while (0)
#define raw_cpu_sub(pcp, val)		raw_cpu_add(pcp, -(typeof(pcp))(val))
#define raw_cpu_inc(pcp)		raw_cpu_add(pcp, 1)
#define raw_cpu_dec(pcp)		raw_cpu_sub(pcp, 1)
#define raw_cpu_add_return(pcp, val)	({ *raw_cpu_ptr(&(pcp)) += (val); })
#define raw_cpu_sub_return(pcp, val)	raw_cpu_add_return(pcp, -(typeof(pcp))(val))
#define raw_cpu_inc_return(pcp)		raw_cpu_add_return(pcp, 1)
#define raw_cpu_dec_return(pcp)		raw_cpu_add_return(pcp, -1)
#define raw_cpu_xchg(pcp, nval)						\
({									\
	typeof(pcp) *__p = raw_cpu_ptr(&(pcp));				\
	typeof(pcp) __old = *__p;					\
	*__p = (nval);							\
	__old;								\
})
#define raw_cpu_cmpxchg(pcp, oval, nval)				\
({									\
	typeof(pcp) *__p = raw_cpu_ptr(&(pcp));				\
	typeof(pcp) __old = *__p;					\
	if (__old == (oval))						\
		*__p = (nval);						\
	__old;								\
})

#define __this_cpu_read(pcp)			raw_cpu_read(pcp)
#define __this_cpu_write(pcp, val)		raw_cpu_write(pcp, val)
#define __this_cpu_add(pcp, val)		raw_cpu_add(pcp, val)
#define __this_cpu_sub(pcp, val)		raw_cpu_sub(pcp, val)
#define __this_cpu_and(pcp, val)		raw_cpu_and(pcp, val)
#define __this_cpu_or(pcp, val)			raw_cpu_or(pcp, val)
#define __this_cpu_inc(pcp)			raw_cpu_inc(pcp)
#define __this_cpu_dec(pcp)			raw_cpu_dec(pcp)
#define __this_cpu_add_return(pcp, val)		raw_cpu_add_return(pcp, val)
#define __this_cpu_sub_return(pcp, val)		raw_cpu_sub_return(pcp, val)
#define __this_cpu_inc_return(pcp)		raw_cpu_inc_return(pcp)
#define __this_cpu_dec_return(pcp)		raw_cpu_dec_return(pcp)
#define __this_cpu_xchg(pcp, nval)		raw_cpu_xchg(pcp, nval)
#define __this_cpu_cmpxchg(pcp, oval, nval)	raw_cpu_cmpxchg(pcp, oval, nval)

/* The interrupt-safe forms: one operation with interrupts off */
#define __lkmsh_this_cpu_irqsafe(expr)					\
({									\
	unsigned long __flags;						\
	typeof(expr) __ret;						\
	raw_local_irq_save(__flags);					\
	__ret = (expr);							\
	raw_local_irq_restore(__flags);					\
	__ret;								\
})
#define __lkmsh_this_cpu_irqsafe_void(stmt)				\
do {									\
	unsigned long __flags;						\
	raw_local_irq_save(__flags);					\
	stmt;								\
	raw_local_irq_restore(__flags);					\
} while (0)

#define this_cpu_read(pcp)		READ_ONCE(*raw_cpu_ptr(&(pcp)))
#define this_cpu_write(pcp, val)	__lkmsh_this_cpu_irqsafe_void(raw_cpu_write(pcp, val))
#define this_cpu_add(pcp, val)		__lkmsh_this_cpu_irqsafe_void(raw_cpu_add(pcp, val))
#define this_cpu_sub(pcp, val)		__lkmsh_this_cpu_irqsafe_void(raw_cpu_sub(pcp, val))
#define this_cpu_and(pcp, val)		__lkmsh_this_cpu_irqsafe_void(raw_cpu_and(pcp, val))
#define this_cpu_or(pcp, val)		__lkmsh_this_cpu_irqsafe_void(raw_cpu_or(pcp, val))
#define this_cpu_inc(pcp)		this_cpu_add(pcp, 1)
#define this_cpu_dec(pcp)		this_cpu_sub(pcp, 1)
#define this_cpu_add_return(pcp, val)	__lkmsh_this_cpu_irqsafe(raw_cpu_add_return(pcp, val))
#define this_cpu_sub_return(pcp, val)	this_cpu_add_return(pcp, -(typeof(pcp))(val))
#define this_cpu_inc_return(pcp)	this_cpu_add_return(pcp, 1)
#define this_cpu_dec_return(pcp)	this_cpu_add_return(pcp, -1)
#define this_cpu_xchg(pcp, nval)	__lkmsh_this_cpu_irqsafe(raw_cpu_xchg(pcp, nval))
#define this_cpu_cmpxchg(pcp, oval, nval) \
	__lkmsh_this_cpu_irqsafe(raw_cpu_cmpxchg(pcp, oval, nval))

#endif
