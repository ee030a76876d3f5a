/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: stage 5, trace_event_get_offsets_<call>(): each dynamic array's
 * offset in the record (low 16 bits) and length (high 16 bits), and the
 * bytes they take after the fixed fields.
 */
#include "undef_fields.h"

#define __entry entry

#define __field(type, item)
#define __field_ext(type, item, filter_type)
#define __field_struct(type, item)
#define __field_struct_ext(type, item, filter_type)
#define __array(type, item, len)

#define __dynamic_array(type, item, len)				\
	__item_length = (len) * sizeof(type);				\
	__data_offsets->item = __data_size +				\
			       offsetof(typeof(*entry), __data);	\
	__data_offsets->item |= __item_length << 16;			\
	__data_size += __item_length;

#define __string(item, src) __dynamic_array(char, item,			\
		    strlen((src) ? (const char *)(src) : "(null)") + 1)

#define __string_len(item, src, len) __dynamic_array(char, item, (len) + 1)

#define __vstring(item, fmt, ap) __dynamic_array(char, item,		\
		      __trace_event_vstr_len(fmt, ap))

#define __rel_dynamic_array(type, item, len)				\
	__item_length = (len) * sizeof(type);				\
	__data_offsets->item = __data_size +				\
			       offsetof(typeof(*entry), __data) -	\
			       offsetof(typeof(*entry), __rel_loc_##item) -	\
			       sizeof(u32);				\
	__data_offsets->item |= __item_length << 16;			\
	__data_size += __item_length;

#define __rel_string(item, src) __rel_dynamic_array(char, item,		\
		    strlen((src) ? (const char *)(src) : "(null)") + 1)

#define __rel_string_len(item, src, len) __rel_dynamic_array(char, item, (len) + 1)

#ifndef __bitmask_size_in_bytes_raw
#define __bitmask_size_in_bytes_raw(nr_bits)	\
	(((nr_bits) + 7) / 8)

#define __bitmask_size_in_longs(nr_bits)			\
	((__bitmask_size_in_bytes_raw(nr_bits) +		\
	  ((BITS_PER_LONG / 8) - 1)) / (BITS_PER_LONG / 8))

#define __bitmask_size_in_bytes(nr_bits)				\
	(__bitmask_size_in_longs(nr_bits) * (BITS_PER_LONG / 8))
#endif

#define __bitmask(item, nr_bits) __dynamic_array(unsigned long, item,	\
					 __bitmask_size_in_longs(nr_bits))

#define __cpumask(item) __bitmask(item, nr_cpumask_bits)

#define __rel_bitmask(item, nr_bits) __rel_dynamic_array(unsigned long, item,	\
					 __bitmask_size_in_longs(nr_bits))

#define __rel_cpumask(item) __rel_bitmask(item, nr_cpumask_bits)

#define __sockaddr(field, len) __dynamic_array(u8, field, len)

#define __rel_sockaddr(field, len) __rel_dynamic_array(u8, field, len)
