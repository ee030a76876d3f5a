/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/crypto.h>, the request core every crypto API shares (as Linux
 * 6.1): struct crypto_async_request, completions and crypto_wait. lkmsh's
 * requests complete synchronously: they return 0 (or -errno), never
 * -EINPROGRESS, so crypto_wait_req() returns at once.
 */
#ifndef _LKMSH_LINUX_CRYPTO_H
#define _LKMSH_LINUX_CRYPTO_H

#include <linux/errno.h>
#include <linux/list.h>
#include <linux/types.h>

#define CRYPTO_MINALIGN 8
#define CRYPTO_MINALIGN_ATTR __attribute__((__aligned__(CRYPTO_MINALIGN)))

#define CRYPTO_ALG_TYPE_MASK		0x0000000f
#define CRYPTO_ALG_TYPE_SHASH		0x0000000e
#define CRYPTO_ALG_TYPE_AHASH		0x0000000f
#define CRYPTO_ALG_TYPE_SKCIPHER	0x00000005
#define CRYPTO_ALG_ASYNC		0x00000080

#define CRYPTO_TFM_REQ_MAY_BACKLOG	0x00000400
#define CRYPTO_TFM_REQ_MAY_SLEEP	0x00000200

struct crypto_tfm;
struct crypto_async_request;

typedef void (*crypto_completion_t)(struct crypto_async_request *req, int err);

struct crypto_async_request {
	struct list_head list;
	crypto_completion_t complete;
	void *data;
	struct crypto_tfm *tfm;
	u32 flags;
};

/* Waiting for an asynchronous request: lkmsh's requests are done when the call returns. */
struct crypto_wait {
	unsigned int done;
	int err;
};

#define DECLARE_CRYPTO_WAIT(_wait) struct crypto_wait _wait = { 0, 0 }

void crypto_req_done(struct crypto_async_request *req, int err);

static inline void crypto_init_wait(struct crypto_wait *wait)
{
	wait->done = 0;
	wait->err = 0;
}

static inline int crypto_wait_req(int err, struct crypto_wait *wait)
{
	if (err == -EINPROGRESS || err == -EBUSY)
		err = wait->err;
	return err;
}

#endif
