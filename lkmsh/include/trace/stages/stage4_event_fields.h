/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: stage 4, the fields as data (struct trace_event_fields[]): the
 * kernel lays them out from sizeof(struct trace_entry) by their alignment,
 * as the struct of stage 1 is laid out, and shows them in the format file.
 */
#include "undef_fields.h"

#define __field_ext(_type, _item, _filter_type) {			\
	.type = #_type, .name = #_item,					\
	.size = sizeof(_type), .align = __alignof__(_type),		\
	.is_signed = is_signed_type(_type), .filter_type = _filter_type },

#define __field_struct_ext(_type, _item, _filter_type) {		\
	.type = #_type, .name = #_item,					\
	.size = sizeof(_type), .align = __alignof__(_type),		\
	0, .filter_type = _filter_type },

#define __field(type, item)	__field_ext(type, item, FILTER_OTHER)

#define __field_struct(type, item) __field_struct_ext(type, item, FILTER_OTHER)

#define __array(_type, _item, _len) {					\
	.type = #_type"["__stringify(_len)"]", .name = #_item,		\
	.size = sizeof(_type[_len]), .align = __alignof__(_type),	\
	.is_signed = is_signed_type(_type), .filter_type = FILTER_OTHER },

#define __dynamic_array(_type, _item, _len) {				\
	.type = "__data_loc " #_type "[]", .name = #_item,		\
	.size = 4, .align = 4,						\
	.is_signed = is_signed_type(_type), .filter_type = FILTER_OTHER },

#define __string(item, src) __dynamic_array(char, item, -1)
#define __string_len(item, src, len) __dynamic_array(char, item, -1)
#define __vstring(item, fmt, ap) __dynamic_array(char, item, -1)
#define __bitmask(item, nr_bits) __dynamic_array(unsigned long, item, -1)

#define __cpumask(item) {						\
	.type = "__data_loc cpumask_t", .name = #item,			\
	.size = 4, .align = 4,						\
	.is_signed = 0, .filter_type = FILTER_OTHER },

#define __sockaddr(field, len) __dynamic_array(u8, field, len)

#define __rel_dynamic_array(_type, _item, _len) {			\
	.type = "__rel_loc " #_type "[]", .name = #_item,		\
	.size = 4, .align = 4,						\
	.is_signed = is_signed_type(_type), .filter_type = FILTER_OTHER },

#define __rel_string(item, src) __rel_dynamic_array(char, item, -1)
#define __rel_string_len(item, src, len) __rel_dynamic_array(char, item, -1)
#define __rel_bitmask(item, nr_bits) __rel_dynamic_array(unsigned long, item, -1)

#define __rel_cpumask(item) {						\
	.type = "__rel_loc cpumask_t", .name = #item,			\
	.size = 4, .align = 4,						\
	.is_signed = 0, .filter_type = FILTER_OTHER },

#define __rel_sockaddr(field, len) __rel_dynamic_array(u8, field, len)
