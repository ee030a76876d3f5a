/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <crypto/hash.h>: synchronous hashes (shash) as Linux 6.1's API.
 * The algorithms are the host's (Python's hashlib and hmac), so digests are
 * exactly the standard ones: md5, sha1, sha224, sha256, sha384, sha512,
 * crc32, crc32c and hmac(<hash>). /proc/crypto lists them.
 */
#ifndef _LKMSH_CRYPTO_HASH_H
#define _LKMSH_CRYPTO_HASH_H

#include <linux/types.h>
#include <linux/scatterlist.h>

#define CRYPTO_MINALIGN 8
#define CRYPTO_MINALIGN_ATTR __attribute__((__aligned__(CRYPTO_MINALIGN)))

#define CRYPTO_ALG_TYPE_MASK		0x0000000f
#define CRYPTO_ALG_TYPE_SHASH		0x0000000e
#define CRYPTO_ALG_TYPE_AHASH		0x0000000f
#define CRYPTO_ALG_TYPE_SKCIPHER	0x00000005
#define CRYPTO_ALG_ASYNC		0x00000080

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

#endif
