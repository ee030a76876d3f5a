/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <crypto/skcipher.h>: symmetric ciphers as Linux 6.1's API, over the
 * host's AES (the cryptography package): ecb(aes), cbc(aes), ctr(aes).
 * Requests complete synchronously: encrypt/decrypt return 0 (or -errno) and
 * never -EINPROGRESS, so crypto_wait_req() returns at once.
 */
#ifndef _LKMSH_CRYPTO_SKCIPHER_H
#define _LKMSH_CRYPTO_SKCIPHER_H

#include <crypto/hash.h>
#include <linux/crypto.h>
#include <linux/gfp.h>
#include <linux/types.h>

struct crypto_skcipher;

struct skcipher_request {
	unsigned int cryptlen;
	u8 *iv;
	struct scatterlist *src;
	struct scatterlist *dst;
	struct crypto_async_request base;
	void *__ctx[] CRYPTO_MINALIGN_ATTR;
};

struct crypto_skcipher *crypto_alloc_skcipher(const char *alg_name, u32 type, u32 mask);
void crypto_free_skcipher(struct crypto_skcipher *tfm);
int crypto_has_skcipher(const char *alg_name, u32 type, u32 mask);
int crypto_skcipher_setkey(struct crypto_skcipher *tfm, const u8 *key, unsigned int keylen);
unsigned int crypto_skcipher_ivsize(struct crypto_skcipher *tfm);
unsigned int crypto_skcipher_blocksize(struct crypto_skcipher *tfm);
const char *crypto_skcipher_alg_name(struct crypto_skcipher *tfm);
int crypto_skcipher_encrypt(struct skcipher_request *req);
int crypto_skcipher_decrypt(struct skcipher_request *req);

struct skcipher_request *skcipher_request_alloc(struct crypto_skcipher *tfm, gfp_t gfp);
void skcipher_request_free(struct skcipher_request *req);

static inline void skcipher_request_set_tfm(struct skcipher_request *req,
					    struct crypto_skcipher *tfm)
{
	req->base.tfm = (struct crypto_tfm *)tfm;
}

static inline struct crypto_skcipher *crypto_skcipher_reqtfm(struct skcipher_request *req)
{
	return (struct crypto_skcipher *)req->base.tfm;
}

static inline void skcipher_request_set_callback(struct skcipher_request *req, u32 flags,
						 crypto_completion_t compl, void *data)
{
	req->base.complete = compl;
	req->base.data = data;
	req->base.flags = flags;
}

static inline void skcipher_request_set_crypt(struct skcipher_request *req,
					      struct scatterlist *src, struct scatterlist *dst,
					      unsigned int cryptlen, void *iv)
{
	req->src = src;
	req->dst = dst;
	req->cryptlen = cryptlen;
	req->iv = iv;
}

#endif
