/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/tracepoint.h>, as Linux 6.1's: DECLARE_TRACE and the
 * TRACE_EVENT family's first reading (trace_NAME(), register_trace_NAME(),
 * trace_NAME_enabled()); with CREATE_TRACE_POINTS, <trace/define_trace.h>
 * defines the struct tracepoint and, through <trace/trace_events.h>, the
 * event. A tracepoint calls its probes in priority order while its key is
 * on; the kernel (tracepoint_probe_register) keeps the probe array. Linux
 * calls through a static call; lkmsh's trace_NAME() walks the array itself,
 * which calls the same probes in the same order.
 *
 *   TRACE_EVENT(my_event, TP_PROTO(int v), TP_ARGS(v), ...);
 *   trace_my_event(42);
 */
#ifndef _LKMSH_LINUX_TRACEPOINT_H
#define _LKMSH_LINUX_TRACEPOINT_H

#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/types.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/stringify.h>
#include <linux/tracepoint-defs.h>
#include <linux/cpumask.h>
#include <linux/smp.h>
#include <linux/export.h>

struct module;
struct trace_eval_map {
	const char		*system;
	const char		*eval_string;
	unsigned long		eval_value;
};

#define TRACEPOINT_DEFAULT_PRIO	10

extern int tracepoint_probe_register(struct tracepoint *tp, void *probe, void *data);
extern int tracepoint_probe_register_prio(struct tracepoint *tp, void *probe, void *data,
					  int prio);
extern int tracepoint_probe_register_prio_may_exist(struct tracepoint *tp, void *probe,
						    void *data, int prio);
extern int tracepoint_probe_unregister(struct tracepoint *tp, void *probe, void *data);
static inline int tracepoint_probe_register_may_exist(struct tracepoint *tp, void *probe,
						      void *data)
{
	return tracepoint_probe_register_prio_may_exist(tp, probe, data,
							TRACEPOINT_DEFAULT_PRIO);
}
extern void for_each_kernel_tracepoint(void (*fct)(struct tracepoint *tp, void *priv),
				       void *priv);

static inline void tracepoint_synchronize_unregister(void)
{
	synchronize_rcu();
}

static inline struct tracepoint *tracepoint_ptr_deref(tracepoint_ptr_t *p)
{
	return *p;
}

#endif /* _LKMSH_LINUX_TRACEPOINT_H */

/*
 * The part below is read again each time a trace header is included
 * (define_trace.h redefines what it needs around it).
 */
#ifndef DECLARE_TRACE

#define TP_PROTO(args...)	args
#define TP_ARGS(args...)	args
#define TP_CONDITION(args...)	args
#define PARAMS(args...)		args

#ifndef __perf_task
#define __perf_count(c)	(c)
#define __perf_task(t)	(t)
#endif

#ifndef __DO_TRACE_CALL_DEFINED
#define __DO_TRACE_CALL_DEFINED
#endif

/* Walk the probe array (the kernel's, NULL-terminated) when the condition holds;
 * proto is the probes' (void *__data first). */
#define __DO_TRACE(name, proto, args, cond)				\
	do {								\
		struct tracepoint_func *__it;				\
		if (!(cond))						\
			return;						\
		preempt_disable_notrace();				\
		__it = READ_ONCE(__tracepoint_##name.funcs);		\
		if (__it) {						\
			do {						\
				void (*__f)(proto) = __it->func;	\
				__f(__it->data, args);			\
			} while ((++__it)->func);			\
		}							\
		preempt_enable_notrace();				\
	} while (0)

#define __DECLARE_TRACE(name, proto, args, cond, data_proto)		\
	extern struct tracepoint __tracepoint_##name;			\
	static inline void trace_##name(proto)				\
	{								\
		if (static_key_false(&__tracepoint_##name.key))		\
			__DO_TRACE(name, PARAMS(data_proto), PARAMS(args), \
				   TP_CONDITION(cond));			\
	}								\
	static inline void trace_##name##_rcuidle(proto)		\
	{								\
		trace_##name(args);					\
	}								\
	static inline int						\
	register_trace_##name(void (*probe)(data_proto), void *data)	\
	{								\
		return tracepoint_probe_register(&__tracepoint_##name,	\
						(void *)probe, data);	\
	}								\
	static inline int						\
	register_trace_prio_##name(void (*probe)(data_proto), void *data,\
				   int prio)				\
	{								\
		return tracepoint_probe_register_prio(&__tracepoint_##name, \
					      (void *)probe, data, prio); \
	}								\
	static inline int						\
	unregister_trace_##name(void (*probe)(data_proto), void *data)	\
	{								\
		return tracepoint_probe_unregister(&__tracepoint_##name,\
						(void *)probe, data);	\
	}								\
	static inline void						\
	check_trace_callback_type_##name(void (*cb)(data_proto))	\
	{								\
	}								\
	static inline bool						\
	trace_##name##_enabled(void)					\
	{								\
		return static_key_false(&__tracepoint_##name.key);	\
	}

/*
 * The tracepoint itself (CREATE_TRACE_POINTS, through define_trace.h): its
 * name, its struct in __tracepoints and a pointer to it in __tracepoints_ptrs,
 * which the kernel reads when the module comes.
 */
#define DEFINE_TRACE_FN(_name, _reg, _unreg, proto, args)		\
	static const char __tpstrtab_##_name[]				\
	__section("__tracepoints_strings") = #_name;			\
	struct tracepoint __tracepoint_##_name	__used			\
	__section("__tracepoints") = {					\
		.name = __tpstrtab_##_name,				\
		.key = STATIC_KEY_INIT_FALSE,				\
		.regfunc = _reg,					\
		.unregfunc = _unreg,					\
		.funcs = NULL };					\
	static struct tracepoint * const __tracepoint_ptr_##_name __used \
	__section("__tracepoints_ptrs") = &__tracepoint_##_name;

#define DEFINE_TRACE(name, proto, args)					\
	DEFINE_TRACE_FN(name, NULL, NULL, PARAMS(proto), PARAMS(args));

#define EXPORT_TRACEPOINT_SYMBOL_GPL(name)				\
	EXPORT_SYMBOL_GPL(__tracepoint_##name)
#define EXPORT_TRACEPOINT_SYMBOL(name)					\
	EXPORT_SYMBOL(__tracepoint_##name)

#define DECLARE_TRACE(name, proto, args)				\
	__DECLARE_TRACE(name, PARAMS(proto), PARAMS(args),		\
			cpu_online(raw_smp_processor_id()),		\
			PARAMS(void *__data, proto))

#define DECLARE_TRACE_CONDITION(name, proto, args, cond)		\
	__DECLARE_TRACE(name, PARAMS(proto), PARAMS(args),		\
			cpu_online(raw_smp_processor_id()) && (PARAMS(cond)), \
			PARAMS(void *__data, proto))

#define TRACE_DEFINE_ENUM(x)
#define TRACE_DEFINE_SIZEOF(x)

#endif /* DECLARE_TRACE */

#ifndef TRACE_EVENT
/*
 * The first reading of a trace header: each event is its tracepoint's
 * declaration. define_trace.h reads the header again for the rest.
 */
#define DECLARE_EVENT_CLASS(name, proto, args, tstruct, assign, print)
#define DEFINE_EVENT(template, name, proto, args)		\
	DECLARE_TRACE(name, PARAMS(proto), PARAMS(args))
#define DEFINE_EVENT_FN(template, name, proto, args, reg, unreg)\
	DECLARE_TRACE(name, PARAMS(proto), PARAMS(args))
#define DEFINE_EVENT_PRINT(template, name, proto, args, print)	\
	DECLARE_TRACE(name, PARAMS(proto), PARAMS(args))
#define DEFINE_EVENT_CONDITION(template, name, proto,		\
			       args, cond)			\
	DECLARE_TRACE_CONDITION(name, PARAMS(proto),		\
				PARAMS(args), PARAMS(cond))

#define TRACE_EVENT(name, proto, args, struct, assign, print)	\
	DECLARE_TRACE(name, PARAMS(proto), PARAMS(args))
#define TRACE_EVENT_FN(name, proto, args, struct,		\
		assign, print, reg, unreg)			\
	DECLARE_TRACE(name, PARAMS(proto), PARAMS(args))
#define TRACE_EVENT_FN_COND(name, proto, args, cond, struct,	\
		assign, print, reg, unreg)			\
	DECLARE_TRACE_CONDITION(name, PARAMS(proto),		\
			PARAMS(args), PARAMS(cond))
#define TRACE_EVENT_CONDITION(name, proto, args, cond,		\
			      struct, assign, print)		\
	DECLARE_TRACE_CONDITION(name, PARAMS(proto),		\
				PARAMS(args), PARAMS(cond))

#define TRACE_EVENT_FLAGS(event, flag)

#define TRACE_EVENT_PERF_PERM(event, expr...)

#define DECLARE_EVENT_NOP(name, proto, args)				\
	static inline void trace_##name(proto)				\
	{ }								\
	static inline bool trace_##name##_enabled(void)			\
	{								\
		return false;						\
	}

#define TRACE_EVENT_NOP(name, proto, args, struct, assign, print)	\
	DECLARE_EVENT_NOP(name, PARAMS(proto), PARAMS(args))

#define DECLARE_EVENT_CLASS_NOP(name, proto, args, tstruct, assign, print)
#define DEFINE_EVENT_NOP(template, name, proto, args)			\
	DECLARE_EVENT_NOP(name, PARAMS(proto), PARAMS(args))

#endif /* ifdef TRACE_EVENT (see note above) */
