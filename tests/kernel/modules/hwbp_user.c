// SPDX-License-Identifier: GPL-2.0
/*
 * hwbp_user: a data breakpoint on a module variable that module code writes
 * (samples/hw_breakpoint's kind, on the module's own data), read-write and
 * execute breakpoints, and what the debug registers refuse.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/err.h>
#include <linux/perf_event.h>
#include <linux/hw_breakpoint.h>

static int watched;
static u64 wide_value __aligned(8);
static u8 bytes[8] __aligned(8);

static noinline void poke(int v)
{
	WRITE_ONCE(watched, v);
}

static noinline int peek(void)
{
	return READ_ONCE(watched);
}

static void (*volatile do_poke)(int) = poke;
static int (*volatile do_peek)(void) = peek;

static unsigned int hits;
static int seen;
static unsigned long hit_ip, hit_addr;
static struct perf_event *hit_bp;

static void on_hit(struct perf_event *bp, struct perf_sample_data *data, struct pt_regs *regs)
{
	hits++;
	seen = READ_ONCE(watched);	/* a data breakpoint fires after the access */
	hit_ip = instruction_pointer(regs);
	hit_addr = data->addr;
	hit_bp = bp;
}

static struct perf_event * __percpu *watch(unsigned long addr, int len, int type)
{
	struct perf_event_attr attr;

	hw_breakpoint_init(&attr);
	attr.bp_addr = addr;
	attr.bp_len = len;
	attr.bp_type = type;
	return register_wide_hw_breakpoint(&attr, on_hit, NULL);
}

static long err_of(struct perf_event * __percpu *wp)
{
	if (IS_ERR((void __force *)wp))
		return PTR_ERR((void __force *)wp);
	unregister_wide_hw_breakpoint(wp);
	return 0;
}

static int __init hwbp_user_init(void)
{
	struct perf_event * __percpu *wp, *more[8];
	struct perf_event_attr attr;
	int i, n;

	wp = watch((unsigned long)&watched, HW_BREAKPOINT_LEN_4, HW_BREAKPOINT_W);
	if (IS_ERR((void __force *)wp))
		return PTR_ERR((void __force *)wp);
	pr_info("write: addr is watched %d, len %lu, type %d\n",
		hw_breakpoint_addr(*this_cpu_ptr(wp)) == (unsigned long)&watched,
		hw_breakpoint_len(*this_cpu_ptr(wp)), hw_breakpoint_type(*this_cpu_ptr(wp)));
	do_poke(5);
	pr_info("write: %u hit, saw %d, in %ps, data addr ok %d, bp ok %d\n", hits, seen,
		(void *)hit_ip, hit_addr == (unsigned long)&watched, hit_bp == *this_cpu_ptr(wp));
	do_peek();
	pr_info("write: after a read %u\n", hits);
	unregister_wide_hw_breakpoint(wp);
	do_poke(6);
	pr_info("write: unregistered %u\n", hits);

	hits = 0;
	wp = watch((unsigned long)&watched, HW_BREAKPOINT_LEN_4, HW_BREAKPOINT_RW);
	do_poke(7);
	do_peek();
	pr_info("read-write: %u hits\n", hits);
	unregister_wide_hw_breakpoint(wp);

	hits = 0;
	wp = watch((unsigned long)poke, sizeof(long), HW_BREAKPOINT_X);
	if (!IS_ERR((void __force *)wp)) {
		do_poke(8);
		pr_info("execute: %u hit at %ps, value then %d\n", hits, (void *)hit_ip, seen);
		unregister_wide_hw_breakpoint(wp);
	}

	pr_info("read only: %ld\n", err_of(watch((unsigned long)&watched, 4, HW_BREAKPOINT_R)));
	pr_info("misaligned: %ld\n",
		err_of(watch((unsigned long)&wide_value + 4, HW_BREAKPOINT_LEN_8, HW_BREAKPOINT_W)));
	pr_info("empty: %ld\n", err_of(watch((unsigned long)&watched, 4, HW_BREAKPOINT_EMPTY)));
	hw_breakpoint_init(&attr);
	attr.type = PERF_TYPE_HARDWARE;
	pr_info("not a breakpoint: %ld\n",
		err_of(register_wide_hw_breakpoint(&attr, on_hit, NULL)));

	/* the debug registers run out */
	for (n = 0; n < 8; n++) {
		more[n] = (void *)watch((unsigned long)&bytes[n], 1, HW_BREAKPOINT_W);
		if (IS_ERR(more[n]))
			break;
	}
	pr_info("registers: %d, then %ld\n", n, n < 8 ? PTR_ERR(more[n]) : 0L);
	for (i = 0; i < n; i++)
		unregister_wide_hw_breakpoint((void __percpu *)more[i]);
	return 0;
}

static void __exit hwbp_user_exit(void)
{
}

module_init(hwbp_user_init);
module_exit(hwbp_user_exit);
MODULE_LICENSE("GPL");
