/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: asynchronous function calls (<linux/async.h>, Linux 6.1): the
 * cookie type and async_synchronize_full(). lkmsh runs no async_schedule()
 * work, so there is never any to wait for.
 */
#ifndef _LKMSH_LINUX_ASYNC_H
#define _LKMSH_LINUX_ASYNC_H

#include <linux/types.h>
#include <linux/list.h>

typedef u64 async_cookie_t;

void async_synchronize_full(void);

#endif /* _LKMSH_LINUX_ASYNC_H */
