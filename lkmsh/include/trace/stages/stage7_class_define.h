/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: stage 7, the event itself: print fmt (TP_printk as text, the
 * record as REC, the helpers' names kept as userspace reads them), the
 * class and the call, and a pointer to the call in _ftrace_events.
 */
#include "undef_fields.h"

#define __entry REC

#undef __print_flags
#undef __print_symbolic
#undef __print_hex
#undef __print_hex_str
#undef __get_dynamic_array
#undef __get_dynamic_array_len
#undef __get_str
#undef __get_bitmask
#undef __get_cpumask
#undef __get_sockaddr
#undef __get_rel_dynamic_array
#undef __get_rel_dynamic_array_len
#undef __get_rel_str
#undef __get_rel_bitmask
#undef __get_rel_cpumask
#undef __get_rel_sockaddr
#undef __print_array
#undef __print_hex_dump

/* Not run in the kernel: what the print fmt shows for userspace to parse. */
#undef __print_ns_to_secs
#define __print_ns_to_secs(val) (val) / 1000000000UL

#undef __print_ns_without_secs
#define __print_ns_without_secs(val) (val) % 1000000000UL

#define TP_printk(fmt, args...) "\"" fmt "\", "  __stringify(args)
