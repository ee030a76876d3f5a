/* SPDX-License-Identifier: MIT */
/* lkmsh: struct timespec64 (<linux/time64.h>). */
#ifndef _LKMSH_LINUX_TIME64_H
#define _LKMSH_LINUX_TIME64_H

#include <linux/types.h>

struct timespec64 {
	time64_t	tv_sec;
	long		tv_nsec;
};

#define __LKMSH_NSEC_PER_SEC	1000000000L
#define TIME64_MAX		((s64)~((u64)1 << 63))
#define KTIME_SEC_MAX		(TIME64_MAX / __LKMSH_NSEC_PER_SEC)

/* tv_nsec brought into [0, NSEC_PER_SEC), the seconds carrying the rest */
static inline void set_normalized_timespec64(struct timespec64 *ts, time64_t sec, s64 nsec)
{
	sec += nsec / __LKMSH_NSEC_PER_SEC;
	nsec %= __LKMSH_NSEC_PER_SEC;
	if (nsec < 0) {
		nsec += __LKMSH_NSEC_PER_SEC;
		sec--;
	}
	ts->tv_sec = sec;
	ts->tv_nsec = nsec;
}

static inline struct timespec64 timespec64_add(struct timespec64 lhs, struct timespec64 rhs)
{
	struct timespec64 ts;

	set_normalized_timespec64(&ts, lhs.tv_sec + rhs.tv_sec, lhs.tv_nsec + rhs.tv_nsec);
	return ts;
}

static inline struct timespec64 timespec64_sub(struct timespec64 lhs, struct timespec64 rhs)
{
	struct timespec64 ts;

	set_normalized_timespec64(&ts, lhs.tv_sec - rhs.tv_sec, lhs.tv_nsec - rhs.tv_nsec);
	return ts;
}

static inline int timespec64_equal(const struct timespec64 *a, const struct timespec64 *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static inline int timespec64_compare(const struct timespec64 *a, const struct timespec64 *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	return a->tv_nsec < b->tv_nsec ? -1 : a->tv_nsec > b->tv_nsec;
}

static inline bool timespec64_valid(const struct timespec64 *ts)
{
	return ts->tv_sec >= 0 && (unsigned long)ts->tv_nsec < __LKMSH_NSEC_PER_SEC;
}

static inline s64 timespec64_to_ns(const struct timespec64 *ts)
{
	if (ts->tv_sec >= KTIME_SEC_MAX)
		return TIME64_MAX;	/* saturate, as Linux */
	return ts->tv_sec * __LKMSH_NSEC_PER_SEC + ts->tv_nsec;
}

static inline struct timespec64 ns_to_timespec64(s64 nsec)
{
	struct timespec64 ts;

	set_normalized_timespec64(&ts, 0, nsec);
	return ts;
}

#endif
