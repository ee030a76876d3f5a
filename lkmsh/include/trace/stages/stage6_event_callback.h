/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: stage 6, the probe trace_event_raw_event_<call>(): it reserves the
 * record, stores the dynamic arrays' locations, runs TP_fast_assign and
 * commits. __assign_str() copies the length __string()/__string_len()
 * reserved, then a NUL (6.1 stable's __assign_str, which serves both).
 */
#include "undef_fields.h"

#define __entry entry

#define __field(type, item)
#define __field_ext(type, item, filter_type)
#define __field_struct(type, item)
#define __field_struct_ext(type, item, filter_type)
#define __array(type, item, len)

#define __dynamic_array(type, item, len)				\
	__entry->__data_loc_##item = __data_offsets.item;

#define __string(item, src) __dynamic_array(char, item, -1)
#define __string_len(item, src, len) __dynamic_array(char, item, -1)
#define __vstring(item, fmt, ap) __dynamic_array(char, item, -1)

#undef __assign_str
#define __assign_str(dst, src)						\
	do {								\
		char *__str__ = __get_str(dst);				\
		int __len__ = __get_dynamic_array_len(dst) - 1;		\
		memcpy(__str__, (src) ? (const char *)(src) : "(null)",	\
		       __len__);					\
		__str__[__len__] = '\0';				\
	} while (0)

#undef __assign_str_len
#define __assign_str_len(dst, src, len)					\
	do {								\
		memcpy(__get_str(dst), (src), (len));			\
		__get_str(dst)[len] = '\0';				\
	} while (0)

#undef __assign_vstr
#define __assign_vstr(dst, fmt, va)					\
	do {								\
		va_list __cp_va;					\
		va_copy(__cp_va, *(va));				\
		vsnprintf(__get_str(dst), TRACE_EVENT_STR_MAX, fmt, __cp_va); \
		va_end(__cp_va);					\
	} while (0)

#define __bitmask(item, nr_bits) __dynamic_array(unsigned long, item, -1)
#define __cpumask(item) __dynamic_array(unsigned long, item, -1)

#undef __get_bitmask
#define __get_bitmask(field) (char *)__get_dynamic_array(field)

#undef __get_cpumask
#define __get_cpumask(field) (char *)__get_dynamic_array(field)

#undef __assign_bitmask
#define __assign_bitmask(dst, src, nr_bits)				\
	memcpy(__get_bitmask(dst), (src), __bitmask_size_in_bytes(nr_bits))

#undef __assign_cpumask
#define __assign_cpumask(dst, src)					\
	memcpy(__get_cpumask(dst), (src), __bitmask_size_in_bytes(nr_cpumask_bits))

#define __sockaddr(field, len) __dynamic_array(u8, field, len)

#undef __assign_sockaddr
#define __assign_sockaddr(dest, src, len)				\
	memcpy(__get_dynamic_array(dest), src, len)

#define __rel_dynamic_array(type, item, len)				\
	__entry->__rel_loc_##item = __data_offsets.item;

#define __rel_string(item, src) __rel_dynamic_array(char, item, -1)
#define __rel_string_len(item, src, len) __rel_dynamic_array(char, item, -1)

#undef __assign_rel_str
#define __assign_rel_str(dst, src)					\
	do {								\
		char *__str__ = __get_rel_str(dst);			\
		int __len__ = __get_rel_dynamic_array_len(dst) - 1;	\
		memcpy(__str__, (src) ? (const char *)(src) : "(null)",	\
		       __len__);					\
		__str__[__len__] = '\0';				\
	} while (0)

#undef __assign_rel_str_len
#define __assign_rel_str_len(dst, src, len)				\
	do {								\
		memcpy(__get_rel_str(dst), (src), (len));		\
		__get_rel_str(dst)[len] = '\0';				\
	} while (0)

#define __rel_bitmask(item, nr_bits) __rel_dynamic_array(unsigned long, item, -1)
#define __rel_cpumask(item) __rel_dynamic_array(unsigned long, item, -1)

#undef __get_rel_bitmask
#define __get_rel_bitmask(field) (char *)__get_rel_dynamic_array(field)

#undef __get_rel_cpumask
#define __get_rel_cpumask(field) __get_rel_bitmask(field)

#undef __assign_rel_bitmask
#define __assign_rel_bitmask(dst, src, nr_bits)				\
	memcpy(__get_rel_bitmask(dst), (src), __bitmask_size_in_bytes(nr_bits))

#undef __assign_rel_cpumask
#define __assign_rel_cpumask(dst, src)					\
	memcpy(__get_rel_cpumask(dst), (src), __bitmask_size_in_bytes(nr_cpumask_bits))

#define __rel_sockaddr(field, len) __rel_dynamic_array(u8, field, len)

#define TP_fast_assign(args...) args

#undef __perf_count
#define __perf_count(c)	(c)

#undef __perf_task
#define __perf_task(t)	(t)
