// SPDX-License-Identifier: GPL-2.0
/*
 * Header-only and allocator families through KUnit: hashtable, llist,
 * min_heap, overflow.h, named slab caches, kvmalloc, taints.
 */
#include <kunit/test.h>
#include <linux/hashtable.h>
#include <linux/llist.h>
#include <linux/min_heap.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/panic.h>
#include <linux/slab.h>

struct entry {
	int key;
	struct hlist_node node;
	struct llist_node lnode;
};

static void hashtable_test(struct kunit *test)
{
	DEFINE_HASHTABLE(table, 4);
	struct entry e[40], *pos;
	struct hlist_node *tmp;
	unsigned int bkt;
	int i, found = 0, total = 0;

	KUNIT_EXPECT_EQ(test, HASH_SIZE(table), 16);
	KUNIT_EXPECT_EQ(test, HASH_BITS(table), 4);
	KUNIT_EXPECT_TRUE(test, hash_empty(table));
	for (i = 0; i < 40; i++) {
		e[i].key = i * 11;
		hash_add(table, &e[i].node, e[i].key);
	}
	hash_for_each_possible(table, pos, node, 22)
		if (pos->key == 22)
			found++;
	KUNIT_EXPECT_EQ(test, found, 1);
	hash_for_each(table, bkt, pos, node)
		total++;
	KUNIT_EXPECT_EQ(test, total, 40);
	hash_for_each_safe(table, bkt, tmp, pos, node)
		hash_del(&pos->node);
	KUNIT_EXPECT_TRUE(test, hash_empty(table));
	KUNIT_EXPECT_EQ(test, hash_32(1, 8), (u32)(0x61C88647u) >> 24);
}

static void llist_test(struct kunit *test)
{
	LLIST_HEAD(head);
	struct entry e[5], *pos;
	struct llist_node *first;
	int i, expect = 0;

	KUNIT_EXPECT_TRUE(test, llist_empty(&head));
	for (i = 0; i < 5; i++) {
		e[i].key = i;
		KUNIT_EXPECT_EQ(test, llist_add(&e[i].lnode, &head), i == 0);
	}
	first = llist_del_first(&head);
	KUNIT_EXPECT_PTR_EQ(test, first, &e[4].lnode);
	first = llist_reverse_order(llist_del_all(&head));
	llist_for_each_entry(pos, first, lnode)
		KUNIT_EXPECT_EQ(test, pos->key, expect++);
	KUNIT_EXPECT_EQ(test, expect, 4);
	KUNIT_EXPECT_TRUE(test, llist_empty(&head));
}

static bool less_int(const void *a, const void *b)
{
	return *(const int *)a < *(const int *)b;
}

static void swap_int(void *a, void *b)
{
	int t = *(int *)a;

	*(int *)a = *(int *)b;
	*(int *)b = t;
}

static void min_heap_test(struct kunit *test)
{
	int values[] = { 9, 3, 7, 1, 8, 2 }, storage[8], i, v;
	struct min_heap heap = { .data = storage, .nr = 0, .size = ARRAY_SIZE(storage) };
	const struct min_heap_callbacks cb = {
		.elem_size = sizeof(int), .less = less_int, .swp = swap_int,
	};

	for (i = 0; i < ARRAY_SIZE(values); i++)
		min_heap_push(&heap, &values[i], &cb);
	for (i = 0, v = 0; heap.nr; i++) {
		KUNIT_EXPECT_GE(test, storage[0], v);
		v = storage[0];
		min_heap_pop(&heap, &cb);
	}
	KUNIT_EXPECT_EQ(test, i, 6);
	KUNIT_EXPECT_EQ(test, v, 9);
}

static void overflow_test(struct kunit *test)
{
	u8 small;
	int r;
	struct flex { int n; u64 items[]; } *f;

	KUNIT_EXPECT_TRUE(test, check_add_overflow((u8)200, (u8)100, &small));
	KUNIT_EXPECT_FALSE(test, check_mul_overflow(1000, 1000, &r));
	KUNIT_EXPECT_EQ(test, r, 1000000);
	KUNIT_EXPECT_EQ(test, array_size(SIZE_MAX / 2, 3), SIZE_MAX);
	KUNIT_EXPECT_EQ(test, struct_size(f, items, 4), sizeof(*f) + 4 * sizeof(u64));
	KUNIT_EXPECT_EQ(test, type_max(s8), 127);
	KUNIT_EXPECT_EQ(test, type_min(s16), -32768);
}

static int ctor_calls;

static void entry_ctor(void *obj)
{
	((struct entry *)obj)->key = 77;
	ctor_calls++;
}

static void slab_cache_test(struct kunit *test)
{
	struct kmem_cache *cache = kmem_cache_create("lkmsh_entry", sizeof(struct entry), 0,
						     SLAB_HWCACHE_ALIGN, entry_ctor);
	struct entry *a, *b;
	void *big;

	KUNIT_ASSERT_NOT_NULL(test, cache);
	KUNIT_EXPECT_EQ(test, kmem_cache_size(cache), sizeof(struct entry));
	a = kmem_cache_alloc(cache, GFP_KERNEL);
	b = kmem_cache_alloc(cache, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_EQ(test, a->key, 77);
	KUNIT_EXPECT_EQ(test, ctor_calls, 2);
	kmem_cache_free(cache, a);
	kmem_cache_free(cache, b);
	kmem_cache_destroy(cache);
	big = kvmalloc(1 << 20, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, big);
	kvfree(big);
	big = kvzalloc(64, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, *(char *)big, 0);
	kvfree(big);
	big = krealloc_array(NULL, SIZE_MAX / 2, 4, GFP_KERNEL);
	KUNIT_EXPECT_NULL(test, big);
	KUNIT_EXPECT_TRUE(test, test_taint(TAINT_TEST));
}

static struct kunit_case structs_cases[] = {
	KUNIT_CASE(hashtable_test),
	KUNIT_CASE(llist_test),
	KUNIT_CASE(min_heap_test),
	KUNIT_CASE(overflow_test),
	KUNIT_CASE(slab_cache_test),
	{}
};

static struct kunit_suite structs_suite = {
	.name = "structs",
	.test_cases = structs_cases,
};
kunit_test_suite(structs_suite);
MODULE_LICENSE("GPL");
