// SPDX-License-Identifier: GPL-2.0
/* The crypto API from a module: shash digests, hmac, crc32c, AES in three modes. */
#include <crypto/hash.h>
#include <crypto/skcipher.h>
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

static void digest_of(struct kunit *test, const char *alg, const void *data, unsigned int len,
		      u8 *out)
{
	struct crypto_shash *tfm = crypto_alloc_shash(alg, 0, 0);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, tfm);
	{
		SHASH_DESC_ON_STACK(desc, tfm);

		desc->tfm = tfm;
		KUNIT_EXPECT_EQ(test, crypto_shash_digest(desc, data, len, out), 0);
	}
	crypto_free_shash(tfm);
}

static void shash_test(struct kunit *test)
{
	static const u8 sha256_abc[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde,
		0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
		0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	static const u8 md5_abc[16] = {
		0x90, 0x01, 0x50, 0x98, 0x3c, 0xd2, 0x4f, 0xb0,
		0xd6, 0x96, 0x3f, 0x7d, 0x28, 0xe1, 0x7f, 0x72,
	};
	static const u8 crc32c_check[4] = { 0x83, 0x92, 0x06, 0xe3 };
	u8 out[HASH_MAX_DIGESTSIZE];
	struct crypto_shash *tfm;

	digest_of(test, "sha256", "abc", 3, out);
	KUNIT_EXPECT_MEMEQ(test, out, sha256_abc, sizeof(sha256_abc));
	digest_of(test, "md5", "abc", 3, out);
	KUNIT_EXPECT_MEMEQ(test, out, md5_abc, sizeof(md5_abc));
	digest_of(test, "crc32c", "123456789", 9, out);
	KUNIT_EXPECT_MEMEQ(test, out, crc32c_check, 4);

	/* init / update / final in pieces gives the same digest */
	tfm = crypto_alloc_shash("sha256", 0, 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, tfm);
	KUNIT_EXPECT_EQ(test, crypto_shash_digestsize(tfm), 32);
	KUNIT_EXPECT_EQ(test, crypto_shash_blocksize(tfm), 64);
	KUNIT_EXPECT_STREQ(test, crypto_shash_driver_name(tfm), "sha256-generic");
	{
		SHASH_DESC_ON_STACK(desc, tfm);

		desc->tfm = tfm;
		KUNIT_EXPECT_EQ(test, crypto_shash_init(desc), 0);
		KUNIT_EXPECT_EQ(test, crypto_shash_update(desc, "a", 1), 0);
		KUNIT_EXPECT_EQ(test, crypto_shash_update(desc, "bc", 2), 0);
		KUNIT_EXPECT_EQ(test, crypto_shash_final(desc, out), 0);
		KUNIT_EXPECT_MEMEQ(test, out, sha256_abc, 32);
	}
	KUNIT_EXPECT_EQ(test, crypto_shash_setkey(tfm, "k", 1), -ENOSYS);
	crypto_free_shash(tfm);
	KUNIT_EXPECT_EQ(test, PTR_ERR(crypto_alloc_shash("sha9", 0, 0)), -ENOENT);
}

static void hmac_test(struct kunit *test)
{
	static const char msg[] = "The quick brown fox jumps over the lazy dog";
	static const u8 expect[32] = {
		0xf7, 0xbc, 0x83, 0xf4, 0x30, 0x53, 0x84, 0x24, 0xb1, 0x32, 0x98, 0xe6,
		0xaa, 0x6f, 0xb1, 0x43, 0xef, 0x4d, 0x59, 0xa1, 0x49, 0x46, 0x17, 0x59,
		0x97, 0x47, 0x9d, 0xbc, 0x2d, 0x1a, 0x3c, 0xd8,
	};
	struct crypto_shash *tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	u8 out[32];

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, tfm);
	KUNIT_EXPECT_EQ(test, crypto_shash_tfm_digest(tfm, msg, sizeof(msg) - 1, out), -ENOKEY);
	KUNIT_ASSERT_EQ(test, crypto_shash_setkey(tfm, "key", 3), 0);
	KUNIT_EXPECT_EQ(test, crypto_shash_tfm_digest(tfm, msg, sizeof(msg) - 1, out), 0);
	KUNIT_EXPECT_MEMEQ(test, out, expect, 32);
	crypto_free_shash(tfm);
}

static int run_cipher(struct kunit *test, const char *alg, const u8 *key, u8 *iv, u8 *buf,
		      unsigned int len, bool encrypt)
{
	struct crypto_skcipher *tfm = crypto_alloc_skcipher(alg, 0, 0);
	struct skcipher_request *req;
	struct scatterlist sg;
	DECLARE_CRYPTO_WAIT(wait);
	int err;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, tfm);
	KUNIT_ASSERT_EQ(test, crypto_skcipher_setkey(tfm, key, 16), 0);
	req = skcipher_request_alloc(tfm, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, req);
	sg_init_one(&sg, buf, len);
	skcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG | CRYPTO_TFM_REQ_MAY_SLEEP,
				      crypto_req_done, &wait);
	skcipher_request_set_crypt(req, &sg, &sg, len, iv);
	err = crypto_wait_req(encrypt ? crypto_skcipher_encrypt(req) :
				       crypto_skcipher_decrypt(req), &wait);
	skcipher_request_free(req);
	crypto_free_skcipher(tfm);
	return err;
}

static void aes_test(struct kunit *test)
{
	static const u8 key[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	static const u8 plain[16] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
		0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
	};
	static const u8 fips197[16] = {
		0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
		0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a,
	};
	u8 buf[48], iv[16] = { 0 }, iv2[16] = { 0 };

	memcpy(buf, plain, 16);
	KUNIT_EXPECT_EQ(test, run_cipher(test, "ecb(aes)", key, NULL, buf, 16, true), 0);
	KUNIT_EXPECT_MEMEQ(test, buf, fips197, 16);
	KUNIT_EXPECT_EQ(test, run_cipher(test, "ecb(aes)", key, NULL, buf, 16, false), 0);
	KUNIT_EXPECT_MEMEQ(test, buf, plain, 16);

	memset(buf, 'x', sizeof(buf));
	KUNIT_EXPECT_EQ(test, run_cipher(test, "cbc(aes)", key, iv, buf, 48, true), 0);
	KUNIT_EXPECT_MEMEQ(test, iv, buf + 32, 16);	/* the IV a next request chains on */
	KUNIT_EXPECT_EQ(test, run_cipher(test, "cbc(aes)", key, iv2, buf, 48, false), 0);
	KUNIT_EXPECT_PTR_EQ(test, memchr_inv(buf, 'x', sizeof(buf)), NULL);
	KUNIT_EXPECT_EQ(test, run_cipher(test, "cbc(aes)", key, iv2, buf, 10, true), -EINVAL);

	memset(iv, 0, 16);
	memset(iv2, 0, 16);
	memcpy(buf, "counter mode, any length", 24);
	KUNIT_EXPECT_EQ(test, run_cipher(test, "ctr(aes)", key, iv, buf, 24, true), 0);
	KUNIT_EXPECT_EQ(test, iv[15], 2);
	KUNIT_EXPECT_EQ(test, run_cipher(test, "ctr(aes)", key, iv2, buf, 24, false), 0);
	KUNIT_EXPECT_MEMEQ(test, buf, "counter mode, any length", 24);
}

static struct kunit_case crypto_cases[] = {
	KUNIT_CASE(shash_test),
	KUNIT_CASE(hmac_test),
	KUNIT_CASE(aes_test),
	{}
};

static struct kunit_suite crypto_suite = {
	.name = "crypto_api",
	.test_cases = crypto_cases,
};
kunit_test_suite(crypto_suite);
MODULE_LICENSE("GPL");
