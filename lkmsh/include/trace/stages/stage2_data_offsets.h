/* SPDX-License-Identifier: MIT */
/* lkmsh: stage 2, struct trace_event_data_offsets_<call>: where each dynamic array goes. */
#include "undef_fields.h"

#define __field(type, item)
#define __field_ext(type, item, filter_type)
#define __field_struct(type, item)
#define __field_struct_ext(type, item, filter_type)
#define __array(type, item, len)
#define __dynamic_array(type, item, len)	u32 item;
#define __string(item, src) __dynamic_array(char, item, -1)
#define __string_len(item, src, len) __dynamic_array(char, item, -1)
#define __vstring(item, fmt, ap) __dynamic_array(char, item, -1)
#define __bitmask(item, nr_bits) __dynamic_array(unsigned long, item, -1)
#define __cpumask(item) __dynamic_array(unsigned long, item, -1)
#define __sockaddr(field, len) __dynamic_array(u8, field, len)
#define __rel_dynamic_array(type, item, len)	u32 item;
#define __rel_string(item, src) __rel_dynamic_array(char, item, -1)
#define __rel_string_len(item, src, len) __rel_dynamic_array(char, item, -1)
#define __rel_bitmask(item, nr_bits) __rel_dynamic_array(unsigned long, item, -1)
#define __rel_cpumask(item) __rel_dynamic_array(unsigned long, item, -1)
#define __rel_sockaddr(field, len) __rel_dynamic_array(u8, field, len)
