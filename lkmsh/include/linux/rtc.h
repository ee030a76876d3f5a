/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/rtc.h>: struct rtc_time (uapi/linux/rtc.h, what %ptR prints)
 * and drivers/rtc/lib.c's calendar helpers, with Linux 6.1's prototypes and
 * results. Linux has them out of line; here they are inline (no RTC class
 * devices: lkmsh has no real-time clock driver model).
 */
#ifndef _LKMSH_LINUX_RTC_H
#define _LKMSH_LINUX_RTC_H

#include <linux/types.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/time64.h>

struct rtc_time {
	int tm_sec;
	int tm_min;
	int tm_hour;
	int tm_mday;
	int tm_mon;
	int tm_year;
	int tm_wday;
	int tm_yday;
	int tm_isdst;
};

struct rtc_wkalrm {
	unsigned char enabled;
	unsigned char pending;
	struct rtc_time time;
};

static inline bool is_leap_year(unsigned int year)
{
	return (!(year % 4) && (year % 100)) || !(year % 400);
}

/* The number of days in month @month (0-11) of @year. */
static inline int rtc_month_days(unsigned int month, unsigned int year)
{
	static const unsigned char days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return days[month] + (is_leap_year(year) && month == 1);
}

/* The day of the year (0-365) of @day (1-31) of @month (0-11). */
static inline int rtc_year_days(unsigned int day, unsigned int month, unsigned int year)
{
	static const unsigned short before[2][13] = {
		{ 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365 },
		{ 0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366 },
	};

	return before[is_leap_year(year)][month] + day - 1;
}

/* 0 if @tm is a valid date and time (years from 1970), else -EINVAL. */
static inline int rtc_valid_tm(struct rtc_time *tm)
{
	if (tm->tm_year < 70 || tm->tm_year > (INT_MAX - 1900) ||
	    ((unsigned int)tm->tm_mon) >= 12 || tm->tm_mday < 1 ||
	    tm->tm_mday > rtc_month_days(tm->tm_mon, ((unsigned int)tm->tm_year + 1900)) ||
	    ((unsigned int)tm->tm_hour) >= 24 || ((unsigned int)tm->tm_min) >= 60 ||
	    ((unsigned int)tm->tm_sec) >= 60)
		return -EINVAL;
	return 0;
}

/* Seconds since the epoch of @tm (proleptic Gregorian calendar, UTC). */
static inline time64_t rtc_tm_to_time64(struct rtc_time *tm)
{
	s64 y = (s64)tm->tm_year + 1900, m = tm->tm_mon + 1, era, yoe, doy, doe;

	/* days from civil (Howard Hinnant's algorithm), years starting in March */
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + tm->tm_mday - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return ((era * 146097 + doe - 719468) * 86400LL) + tm->tm_hour * 3600 +
	       tm->tm_min * 60 + tm->tm_sec;
}

/* @time (seconds since the epoch, UTC) as a calendar date and time. */
static inline void rtc_time64_to_tm(time64_t time, struct rtc_time *tm)
{
	s64 days = time / 86400, secs = time % 86400, z, era, doe, yoe, doy, mp, y;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	tm->tm_wday = (int)((days + 4) % 7);
	if (tm->tm_wday < 0)
		tm->tm_wday += 7;
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	y = yoe + era * 400 + (mp >= 10);
	tm->tm_year = (int)(y - 1900);
	tm->tm_mon = (int)(mp < 10 ? mp + 2 : mp - 10);
	tm->tm_mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	tm->tm_yday = rtc_year_days(tm->tm_mday, tm->tm_mon, (unsigned int)y);
	tm->tm_hour = (int)(secs / 3600);
	tm->tm_min = (int)(secs % 3600 / 60);
	tm->tm_sec = (int)(secs % 60);
	tm->tm_isdst = 0;
}

#endif /* _LKMSH_LINUX_RTC_H */
