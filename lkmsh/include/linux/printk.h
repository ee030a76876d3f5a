/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: printk and the pr_* family, as Linux's <linux/printk.h>.
 *
 * printk() is a kernel function (lkmsh exports "printk"; Linux 6.1 wraps
 * "_printk"). A message starts with a KERN_* level ("\001" "0".."7"), or
 * KERN_CONT to continue the previous line; the kernel decodes the full printf
 * format language (no floating point, as Linux).
 *
 * Define pr_fmt(fmt) before the first #include to prefix every pr_* message,
 * typically:  #define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
 */
#ifndef _LKMSH_LINUX_PRINTK_H
#define _LKMSH_LINUX_PRINTK_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/kern_levels.h>
#include <linux/stdarg.h>
#include <linux/ratelimit_types.h>

asmlinkage __printf(1, 2) __cold int printk(const char *fmt, ...);
asmlinkage __printf(1, 2) __cold int _printk(const char *fmt, ...);	/* Linux 6.1's name */
void dump_stack(void);

/* printk's without a loglevel use this (CONFIG_MESSAGE_LOGLEVEL_DEFAULT) */
#define MESSAGE_LOGLEVEL_DEFAULT 4

/* The console shows the messages more important than console_loglevel. */
#define CONSOLE_LOGLEVEL_SILENT  0 /* Mum's the word */
#define CONSOLE_LOGLEVEL_MIN	 1 /* Minimum loglevel we let people use */
#define CONSOLE_LOGLEVEL_DEBUG	10 /* issue debug messages */
#define CONSOLE_LOGLEVEL_MOTORMOUTH 15	/* You can't shut this one up */
#define CONSOLE_LOGLEVEL_DEFAULT 7 /* CONFIG_CONSOLE_LOGLEVEL_DEFAULT (Debian's) */
#define CONSOLE_LOGLEVEL_QUIET	 4 /* CONFIG_CONSOLE_LOGLEVEL_QUIET */

/*
 * The kernel's four levels (GPL-only export), as /proc/sys/kernel/printk shows them;
 * `dmesg -n` and that file change the same ints a module reads and writes here.
 */
extern int console_printk[];

#define console_loglevel (console_printk[0])
#define default_message_loglevel (console_printk[1])
#define minimum_console_loglevel (console_printk[2])
#define default_console_loglevel (console_printk[3])

static inline void console_silent(void)
{
	console_loglevel = CONSOLE_LOGLEVEL_SILENT;
}

static inline void console_verbose(void)
{
	if (console_loglevel)
		console_loglevel = CONSOLE_LOGLEVEL_MOTORMOUTH;
}

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif

/* Checks the format and arguments, prints nothing. */
#define no_printk(fmt, ...)				\
({							\
	if (0)						\
		printk(fmt, ##__VA_ARGS__);		\
	0;						\
})

#define pr_emerg(fmt, ...)	printk(KERN_EMERG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_alert(fmt, ...)	printk(KERN_ALERT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_crit(fmt, ...)	printk(KERN_CRIT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...)	printk(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...)	printk(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warning		pr_warn
#define pr_notice(fmt, ...)	printk(KERN_NOTICE pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...)	printk(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
#define pr_cont(fmt, ...)	printk(KERN_CONT fmt, ##__VA_ARGS__)

/*
 * CONFIG_DYNAMIC_DEBUG (Debian's): each pr_debug() is a dynamic debug site, on from
 * the start when DEBUG is defined, else off until /proc/dynamic_debug/control or
 * dyndbg= turns it on (<linux/dynamic_debug.h>). pr_devel() prints only with DEBUG.
 */
#include <linux/dynamic_debug.h>
#define pr_debug(fmt, ...)	dynamic_pr_debug(fmt, ##__VA_ARGS__)
#ifdef DEBUG
#define pr_devel(fmt, ...)	printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__)
#else
#define pr_devel(fmt, ...)	no_printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__)
#endif

/* Print once per module load (a static flag per call site). */
#define printk_once(fmt, ...)					\
({								\
	static bool __print_once __section(".data.once");	\
	bool __ret_print_once = !__print_once;			\
	if (!__print_once) {					\
		__print_once = true;				\
		printk(fmt, ##__VA_ARGS__);			\
	}							\
	unlikely(__ret_print_once);				\
})

#define pr_emerg_once(fmt, ...)	printk_once(KERN_EMERG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err_once(fmt, ...)	printk_once(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn_once(fmt, ...)	printk_once(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_notice_once(fmt, ...) printk_once(KERN_NOTICE pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info_once(fmt, ...)	printk_once(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)

/*
 * Rate-limited printing, as Linux: each call site has its own state, at most
 * DEFAULT_RATELIMIT_BURST messages each DEFAULT_RATELIMIT_INTERVAL (5 s of
 * jiffies, which move as module code runs); printk_ratelimit() shares one.
 */
int __printk_ratelimit(const char *func);
#define printk_ratelimit() __printk_ratelimit(__func__)

#define printk_ratelimited(fmt, ...)					\
({									\
	static DEFINE_RATELIMIT_STATE(_rs,				\
				      DEFAULT_RATELIMIT_INTERVAL,	\
				      DEFAULT_RATELIMIT_BURST);		\
									\
	if (__ratelimit(&_rs))						\
		printk(fmt, ##__VA_ARGS__);				\
})
#define pr_emerg_ratelimited(fmt, ...)	printk_ratelimited(KERN_EMERG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_alert_ratelimited(fmt, ...)	printk_ratelimited(KERN_ALERT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_crit_ratelimited(fmt, ...)	printk_ratelimited(KERN_CRIT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err_ratelimited(fmt, ...)	printk_ratelimited(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn_ratelimited(fmt, ...)	printk_ratelimited(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_notice_ratelimited(fmt, ...)	printk_ratelimited(KERN_NOTICE pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info_ratelimited(fmt, ...)	printk_ratelimited(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)

/* lib/hexdump.c */
enum {
	DUMP_PREFIX_NONE,
	DUMP_PREFIX_ADDRESS,
	DUMP_PREFIX_OFFSET
};

int hex_dump_to_buffer(const void *buf, size_t len, int rowsize, int groupsize,
		       char *linebuf, size_t linebuflen, bool ascii);
void print_hex_dump(const char *level, const char *prefix_str, int prefix_type,
		    int rowsize, int groupsize, const void *buf, size_t len, bool ascii);

#define print_hex_dump_bytes(prefix_str, prefix_type, buf, len)	\
	print_hex_dump(KERN_DEBUG, prefix_str, prefix_type, 16, 1, buf, len, true)

#define print_hex_dump_debug(prefix_str, prefix_type, rowsize, groupsize, buf, len, ascii) \
	print_hex_dump(KERN_DEBUG, prefix_str, prefix_type, rowsize, groupsize, buf, len, ascii)

/* What %pV prints: a format and the va_list of its arguments. */
struct va_format {
	const char *fmt;
	va_list *va;
};

#endif
