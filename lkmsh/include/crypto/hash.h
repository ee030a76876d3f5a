/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <crypto/hash.h>: hashes as Linux 6.1's API, synchronous (shash) and
 * over scatterlists (ahash; its requests complete before the call returns).
 * The algorithms are the host's (Python's hashlib and hmac), so digests are
 * exactly the standard ones: md5, sha1, sha224, sha256, sha384, sha512,
 * crc32, crc32c and hmac(<hash>). /proc/crypto lists them.
 */
#ifndef _LKMSH_CRYPTO_HASH_H
#define _LKMSH_CRYPTO_HASH_H

#include <linux/crypto.h>
#include <linux/gfp.h>
#include <linux/scatterlist.h>
#include <linux/types.h>

#define HASH_MAX_DIGESTSIZE	 64
#define HASH_MAX_DESCSIZE	(sizeof(struct shash_desc) + 360)

struct crypto_shash;

struct shash_desc {
	struct crypto_shash *tfm;
	void *__ctx[] __attribute__((__aligned__(CRYPTO_MINALIGN)));
};

#define SHASH_DESC_ON_STACK(shash, ctx)					\
	char __##shash##_desc[sizeof(struct shash_desc) + HASH_MAX_DESCSIZE]	\
		__attribute__((__aligned__(__alignof__(struct shash_desc))));	\
	struct shash_desc *shash = (struct shash_desc *)__##shash##_desc

struct crypto_shash *crypto_alloc_shash(const char *alg_name, u32 type, u32 mask);
void crypto_free_shash(struct crypto_shash *tfm);
int crypto_has_shash(const char *alg_name, u32 type, u32 mask);

unsigned int crypto_shash_digestsize(struct crypto_shash *tfm);
unsigned int crypto_shash_blocksize(struct crypto_shash *tfm);
unsigned int crypto_shash_descsize(struct crypto_shash *tfm);
const char *crypto_shash_alg_name(struct crypto_shash *tfm);
const char *crypto_shash_driver_name(struct crypto_shash *tfm);

int crypto_shash_setkey(struct crypto_shash *tfm, const u8 *key, unsigned int keylen);
int crypto_shash_init(struct shash_desc *desc);
int crypto_shash_update(struct shash_desc *desc, const u8 *data, unsigned int len);
int crypto_shash_final(struct shash_desc *desc, u8 *out);
int crypto_shash_finup(struct shash_desc *desc, const u8 *data, unsigned int len, u8 *out);
int crypto_shash_digest(struct shash_desc *desc, const u8 *data, unsigned int len, u8 *out);
int crypto_shash_tfm_digest(struct crypto_shash *tfm, const u8 *data, unsigned int len, u8 *out);

static inline void shash_desc_zero(struct shash_desc *desc)
{
	memset(desc, 0, sizeof(*desc) + HASH_MAX_DESCSIZE);
}

/* ahash: the same algorithms, fed from a scatterlist through a request */
struct crypto_ahash;

struct ahash_request {
	struct crypto_async_request base;
	unsigned int nbytes;
	struct scatterlist *src;
	u8 *result;
	void *priv;
	void *__ctx[] CRYPTO_MINALIGN_ATTR;
};

#define AHASH_REQUEST_ON_STACK(name, ahash)				\
	char __##name##_desc[sizeof(struct ahash_request) + 64]		\
		__attribute__((__aligned__(CRYPTO_MINALIGN)));		\
	struct ahash_request *name = (void *)__##name##_desc;		\
	ahash_request_set_tfm(name, ahash)

struct crypto_ahash *crypto_alloc_ahash(const char *alg_name, u32 type, u32 mask);
void crypto_free_ahash(struct crypto_ahash *tfm);
int crypto_has_ahash(const char *alg_name, u32 type, u32 mask);
unsigned int crypto_ahash_digestsize(struct crypto_ahash *tfm);
const char *crypto_ahash_alg_name(struct crypto_ahash *tfm);
const char *crypto_ahash_driver_name(struct crypto_ahash *tfm);
int crypto_ahash_setkey(struct crypto_ahash *tfm, const u8 *key, unsigned int keylen);
int crypto_ahash_init(struct ahash_request *req);
int crypto_ahash_update(struct ahash_request *req);
int crypto_ahash_final(struct ahash_request *req);
int crypto_ahash_finup(struct ahash_request *req);
int crypto_ahash_digest(struct ahash_request *req);

struct ahash_request *ahash_request_alloc(struct crypto_ahash *tfm, gfp_t gfp);
void ahash_request_free(struct ahash_request *req);

static inline void ahash_request_set_tfm(struct ahash_request *req, struct crypto_ahash *tfm)
{
	req->base.tfm = (struct crypto_tfm *)tfm;
}

static inline struct crypto_ahash *crypto_ahash_reqtfm(struct ahash_request *req)
{
	return (struct crypto_ahash *)req->base.tfm;
}

static inline void ahash_request_set_callback(struct ahash_request *req, u32 flags,
					      crypto_completion_t compl, void *data)
{
	req->base.complete = compl;
	req->base.data = data;
	req->base.flags = flags;
}

static inline void ahash_request_set_crypt(struct ahash_request *req, struct scatterlist *src,
					   u8 *result, unsigned int nbytes)
{
	req->src = src;
	req->nbytes = nbytes;
	req->result = result;
}

#endif
