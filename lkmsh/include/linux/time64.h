/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/time64.h> as Linux 6.1's: struct timespec64 and its
 * arithmetic. Linux has set_normalized_timespec64() and ns_to_timespec64()
 * out of line (kernel/time/time.c); here they are inline, same prototypes.
 */
#ifndef _LKMSH_LINUX_TIME64_H
#define _LKMSH_LINUX_TIME64_H

#include <linux/types.h>
#include <linux/math64.h>

struct timespec64 {
	time64_t	tv_sec;
	long		tv_nsec;
};

struct itimerspec64 {
	struct timespec64 it_interval;
	struct timespec64 it_value;
};

#define MSEC_PER_SEC	1000L
#define USEC_PER_MSEC	1000L
#define NSEC_PER_USEC	1000L
#define NSEC_PER_MSEC	1000000L
#define USEC_PER_SEC	1000000L
#define NSEC_PER_SEC	1000000000L
#define FSEC_PER_SEC	1000000000000000LL

#define TIME64_MAX	((s64)~((u64)1 << 63))
#define TIME64_MIN	(-TIME64_MAX - 1)
#define KTIME_MAX	((s64)~((u64)1 << 63))
#define KTIME_SEC_MAX	(KTIME_MAX / NSEC_PER_SEC)

static inline int timespec64_equal(const struct timespec64 *a, const struct timespec64 *b)
{
	return (a->tv_sec == b->tv_sec) && (a->tv_nsec == b->tv_nsec);
}

/* <0, 0 or >0 as @lhs is before, at or after @rhs. */
static inline int timespec64_compare(const struct timespec64 *lhs, const struct timespec64 *rhs)
{
	if (lhs->tv_sec < rhs->tv_sec)
		return -1;
	if (lhs->tv_sec > rhs->tv_sec)
		return 1;
	return lhs->tv_nsec - rhs->tv_nsec;
}

/* @ts = @sec seconds + @nsec nanoseconds, with 0 <= tv_nsec < NSEC_PER_SEC. */
static inline void set_normalized_timespec64(struct timespec64 *ts, const time64_t sec, s64 nsec)
{
	time64_t s = sec;

	while (nsec >= NSEC_PER_SEC) {
		nsec -= NSEC_PER_SEC;
		++s;
	}
	while (nsec < 0) {
		nsec += NSEC_PER_SEC;
		--s;
	}
	ts->tv_sec = s;
	ts->tv_nsec = nsec;
}

static inline struct timespec64 timespec64_add(struct timespec64 lhs, struct timespec64 rhs)
{
	struct timespec64 ts_delta;

	set_normalized_timespec64(&ts_delta, lhs.tv_sec + rhs.tv_sec, lhs.tv_nsec + rhs.tv_nsec);
	return ts_delta;
}

/* lhs - rhs */
static inline struct timespec64 timespec64_sub(struct timespec64 lhs, struct timespec64 rhs)
{
	struct timespec64 ts_delta;

	set_normalized_timespec64(&ts_delta, lhs.tv_sec - rhs.tv_sec, lhs.tv_nsec - rhs.tv_nsec);
	return ts_delta;
}

static inline bool timespec64_valid(const struct timespec64 *ts)
{
	if (ts->tv_sec < 0)
		return false;
	if ((unsigned long)ts->tv_nsec >= NSEC_PER_SEC)
		return false;
	return true;
}

static inline s64 timespec64_to_ns(const struct timespec64 *ts)
{
	/* Saturate rather than overflow, as Linux does */
	if (ts->tv_sec >= KTIME_SEC_MAX)
		return KTIME_MAX;
	if (ts->tv_sec <= -KTIME_SEC_MAX)
		return -KTIME_MAX;
	return ((s64)ts->tv_sec * NSEC_PER_SEC) + ts->tv_nsec;
}

static inline struct timespec64 ns_to_timespec64(s64 nsec)
{
	struct timespec64 ts = { 0, 0 };
	s32 rem;

	if (likely(nsec > 0)) {
		ts.tv_sec = div_u64_rem(nsec, NSEC_PER_SEC, (u32 *)&rem);
		ts.tv_nsec = rem;
	} else if (nsec < 0) {
		/* the remainder of a negative time is added to the second before */
		ts.tv_sec = -div_u64_rem(-nsec - 1, NSEC_PER_SEC, (u32 *)&rem) - 1;
		ts.tv_nsec = NSEC_PER_SEC - rem - 1;
	}
	return ts;
}

static inline void timespec64_add_ns(struct timespec64 *a, u64 ns)
{
	u32 rem;

	a->tv_sec += div_u64_rem(a->tv_nsec + ns, NSEC_PER_SEC, &rem);
	a->tv_nsec = rem;
}

#endif
