// SPDX-License-Identifier: GPL-2.0
/*
 * More of the kernel library through KUnit: the classic rbtree insertion
 * (rb_link_node + rb_insert_color), hlist, the spinlocked kfifo calls,
 * div64_*, kvasprintf, memset32/64, kstrtou64/s64, the ERR_PTR family,
 * atomic_andnot, ahash over a scatterlist (sha1, sha512) and the %p
 * extensions that name symbols, pointers and dentries.
 */
#include <crypto/hash.h>
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/hash.h>
#include <linux/kfifo.h>
#include <linux/kstrtox.h>
#include <linux/list.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/rbtree.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

struct item {
	struct rb_node node;
	int key;
};

static void item_insert(struct rb_root *root, struct item *new)
{
	struct rb_node **link = &root->rb_node, *parent = NULL;

	while (*link) {
		struct item *this = rb_entry(*link, struct item, node);

		parent = *link;
		link = new->key < this->key ? &(*link)->rb_left : &(*link)->rb_right;
	}
	rb_link_node(&new->node, parent, link);
	rb_insert_color(&new->node, root);
}

static void rbtree_classic_test(struct kunit *test)
{
	static const int keys[] = { 50, 20, 80, 10, 30, 70, 90, 25, 5, 60 };
	struct item items[ARRAY_SIZE(keys)];
	struct rb_root root = RB_ROOT;
	struct rb_node *n;
	int i, prev = -1, count = 0;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		items[i].key = keys[i];
		item_insert(&root, &items[i]);
	}
	for (n = rb_first(&root); n; n = rb_next(n)) {
		int key = rb_entry(n, struct item, node)->key;

		KUNIT_EXPECT_GT(test, key, prev);
		prev = key;
		count++;
	}
	KUNIT_EXPECT_EQ(test, count, (int)ARRAY_SIZE(keys));
	rb_erase(&items[0].node, &root);
	KUNIT_EXPECT_EQ(test, rb_entry(rb_first(&root), struct item, node)->key, 5);
	KUNIT_EXPECT_EQ(test, rb_entry(rb_last(&root), struct item, node)->key, 90);
}

struct named {
	struct hlist_node link;
	int id;
};

static void hlist_test(struct kunit *test)
{
	HLIST_HEAD(head);
	struct named a = { .id = 1 }, b = { .id = 2 }, c = { .id = 3 };
	struct named *pos;
	struct hlist_node *tmp;
	int order[3], n = 0;

	hlist_add_head(&a.link, &head);
	hlist_add_head(&b.link, &head);
	hlist_add_behind(&c.link, &b.link);
	hlist_for_each_entry(pos, &head, link)
		order[n++] = pos->id;
	KUNIT_ASSERT_EQ(test, n, 3);
	KUNIT_EXPECT_EQ(test, order[0], 2);
	KUNIT_EXPECT_EQ(test, order[1], 3);
	KUNIT_EXPECT_EQ(test, order[2], 1);
	hlist_for_each_entry_safe(pos, tmp, &head, link)
		hlist_del(&pos->link);
	KUNIT_EXPECT_TRUE(test, hlist_empty(&head));
}

static DEFINE_SPINLOCK(fifo_lock);

static void kfifo_spinlocked_test(struct kunit *test)
{
	DECLARE_KFIFO(fifo, unsigned char, 16);
	unsigned char out[8];

	INIT_KFIFO(fifo);
	KUNIT_EXPECT_EQ(test, kfifo_in_spinlocked(&fifo, "abcdef", 6, &fifo_lock), 6U);
	KUNIT_EXPECT_EQ(test, kfifo_out_spinlocked(&fifo, out, 4, &fifo_lock), 4U);
	KUNIT_EXPECT_MEMEQ(test, out, "abcd", 4);
	KUNIT_EXPECT_EQ(test, kfifo_len(&fifo), 2U);
}

static void div64_test(struct kunit *test)
{
	u64 big = 10000000000000000000ULL;
	u32 rem;

	KUNIT_EXPECT_EQ(test, div64_u64(big, 3000000000ULL), 3333333333ULL);
	KUNIT_EXPECT_EQ(test, div64_s64(-9000000000LL, 4000000000LL), -2LL);
	KUNIT_EXPECT_EQ(test, div_u64_rem(big, 7, &rem), 1428571428571428571ULL);
	KUNIT_EXPECT_EQ(test, rem, 3U);
	KUNIT_EXPECT_EQ(test, mul_u64_u64_div_u64(big, 3, 6), 5000000000000000000ULL);
}

static __printf(2, 3) char *format_it(gfp_t gfp, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = kvasprintf(gfp, fmt, ap);
	va_end(ap);
	return s;
}

static void kvasprintf_memset_kstrto_test(struct kunit *test)
{
	char *s = format_it(GFP_KERNEL, "%s-%d-%03x", "id", 42, 0xa);
	u32 words[5] = { 0 };
	u64 quads[3] = { 0 }, u;
	s64 v;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	KUNIT_EXPECT_STREQ(test, s, "id-42-00a");
	kfree(s);
	memset32(words + 1, 0xdeadbeef, 3);
	KUNIT_EXPECT_EQ(test, words[0], 0U);
	KUNIT_EXPECT_EQ(test, words[3], 0xdeadbeefU);
	KUNIT_EXPECT_EQ(test, words[4], 0U);
	memset64(quads, 0x0123456789abcdefULL, 2);
	KUNIT_EXPECT_EQ(test, quads[1], 0x0123456789abcdefULL);
	KUNIT_EXPECT_EQ(test, quads[2], 0ULL);
	KUNIT_EXPECT_EQ(test, kstrtou64("18446744073709551615", 10, &u), 0);
	KUNIT_EXPECT_EQ(test, u, ~0ULL);
	KUNIT_EXPECT_EQ(test, kstrtou64("18446744073709551616", 10, &u), -ERANGE);
	KUNIT_EXPECT_EQ(test, kstrtos64("-0x10", 0, &v), 0);
	KUNIT_EXPECT_EQ(test, v, -16LL);
}

static void err_ptr_atomic_test(struct kunit *test)
{
	void *e = ERR_PTR(-ENOENT);
	int *as_int = ERR_CAST(e);
	atomic_t flags = ATOMIC_INIT(0xff);

	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(e), -ENOENT);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(test), 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(as_int), -ENOENT);
	KUNIT_EXPECT_TRUE(test, IS_ERR_OR_NULL(NULL));
	atomic_andnot(0x0f, &flags);
	KUNIT_EXPECT_EQ(test, atomic_read(&flags), 0xf0);
	KUNIT_EXPECT_EQ(test, atomic_fetch_andnot(0x30, &flags), 0xf0);
	KUNIT_EXPECT_EQ(test, atomic_read(&flags), 0xc0);
}

/* "abc" hashed over two scatterlist entries ("a", "bc"), through the ahash API */
static void ahash_digest(struct kunit *test, const char *alg, u8 *out, unsigned int size)
{
	static const char part1[] = "a", part2[] = "bc";
	struct crypto_ahash *tfm = crypto_alloc_ahash(alg, 0, 0);
	struct ahash_request *req;
	struct scatterlist sg[2];
	DECLARE_CRYPTO_WAIT(wait);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, tfm);
	KUNIT_EXPECT_EQ(test, crypto_ahash_digestsize(tfm), size);
	req = ahash_request_alloc(tfm, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, req);
	sg_init_table(sg, 2);
	sg_set_buf(&sg[0], part1, 1);
	sg_set_buf(&sg[1], part2, 2);
	ahash_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG, crypto_req_done, &wait);
	ahash_request_set_crypt(req, sg, out, 3);
	KUNIT_EXPECT_EQ(test, crypto_wait_req(crypto_ahash_digest(req), &wait), 0);
	ahash_request_free(req);
	crypto_free_ahash(tfm);
}

static void ahash_sg_test(struct kunit *test)
{
	static const u8 sha1_abc[20] = {
		0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e,
		0x25, 0x71, 0x78, 0x50, 0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d,
	};
	static const u8 sha512_abc_head[8] = { 0xdd, 0xaf, 0x35, 0xa1, 0x93, 0x61, 0x7a, 0xba };
	u8 out[64];

	ahash_digest(test, "sha1", out, 20);
	KUNIT_EXPECT_MEMEQ(test, out, sha1_abc, 20);
	ahash_digest(test, "sha512", out, 64);
	KUNIT_EXPECT_MEMEQ(test, out, sha512_abc_head, 8);
	KUNIT_EXPECT_EQ(test, out[63], 0x9f);
}

#define CHECK(test, expect, fmt, ...) do {					\
	char __buf[160];							\
	snprintf(__buf, sizeof(__buf), fmt, ##__VA_ARGS__);			\
	KUNIT_EXPECT_STREQ_MSG(test, __buf, expect, "format %s", fmt);	\
} while (0)

static noinline int named_function(int x)
{
	return x + 1;
}

static bool str_has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static void symbol_and_pointer_formats(struct kunit *test)
{
	char expect[64], buf[64];
	void *p = (void *)0xffff888000123450UL;

	snprintf(buf, sizeof(buf), "%pS", named_function);
	KUNIT_EXPECT_TRUE_MSG(test, strstarts(buf, "named_function+0x0/0x"), "%s", buf);
	KUNIT_EXPECT_TRUE_MSG(test, str_has_suffix(buf, " [" KBUILD_MODNAME "]"), "%s", buf);
	snprintf(buf, sizeof(buf), "%pS", (char *)named_function + 1);
	KUNIT_EXPECT_TRUE_MSG(test, strstarts(buf, "named_function+0x1/0x"), "%s", buf);
	CHECK(test, "named_function [" KBUILD_MODNAME "]", "%ps", named_function);
	snprintf(expect, sizeof(expect), "%016lx", (unsigned long)p);
	CHECK(test, expect, "%px", p);
	snprintf(buf, sizeof(buf), "%pK", p);	/* kptr_restrict 0: hashed, as %p */
	snprintf(expect, sizeof(expect), "%p", p);
	KUNIT_EXPECT_STREQ(test, buf, expect);
	CHECK(test, "2c-ab-00", "%*phD", 3, "\x2c\xab\x00");
	CHECK(test, "(null)", "%pd", NULL);
	CHECK(test, "(efault)", "%pd", (void *)16);
}

static void dentry_formats(struct kunit *test)
{
	struct dentry *dir = debugfs_create_dir("lk_more", NULL);
	struct dentry *file = debugfs_create_file("knob", 0444, dir, NULL, NULL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	CHECK(test, "knob", "%pd", file);
	CHECK(test, "lk_more/knob", "%pd2", file);
	CHECK(test, "/lk_more/knob", "%pd3", file);	/* up to debugfs's root */
	CHECK(test, "/lk_more", "%pd2", dir);
	CHECK(test, "[  knob]", "[%6pd]", file);
	debugfs_remove_recursive(dir);
}

static struct kunit_case lib_more_cases[] = {
	KUNIT_CASE(rbtree_classic_test),
	KUNIT_CASE(hlist_test),
	KUNIT_CASE(kfifo_spinlocked_test),
	KUNIT_CASE(div64_test),
	KUNIT_CASE(kvasprintf_memset_kstrto_test),
	KUNIT_CASE(err_ptr_atomic_test),
	KUNIT_CASE(ahash_sg_test),
	KUNIT_CASE(symbol_and_pointer_formats),
	KUNIT_CASE(dentry_formats),
	{}
};

static struct kunit_suite lib_more_suite = {
	.name = "lib_more",
	.test_cases = lib_more_cases,
};
kunit_test_suite(lib_more_suite);

MODULE_LICENSE("GPL");
