// SPDX-License-Identifier: GPL-2.0
/*
 * Interval trees with our own cases: the kernel's own (<linux/interval_tree.h>)
 * and one of our own type written by INTERVAL_TREE_DEFINE, both answering
 * stabbing and range queries as a scan of every interval does, in start order,
 * through random inserts and removes.
 */
#include <kunit/test.h>
#include <linux/interval_tree.h>
#include <linux/interval_tree_generic.h>
#include <linux/module.h>
#include <linux/prandom.h>

#define NODES 80

/* Our own: u64 page ranges, a tree of another layout (the rb_node not first). */
struct extent {
	u64 first_page;
	u64 last_page;
	struct rb_node node;
	u64 subtree_last;
};

#define EXTENT_START(e) ((e)->first_page)
#define EXTENT_LAST(e) ((e)->last_page)

INTERVAL_TREE_DEFINE(struct extent, node, u64, subtree_last, EXTENT_START, EXTENT_LAST,
		     static, extent_tree)

static struct interval_tree_node nodes[NODES];
static struct extent extents[NODES];
static bool in_tree[NODES];

static unsigned int count_scan(unsigned long start, unsigned long last)
{
	unsigned int i, n = 0;

	for (i = 0; i < NODES; i++)
		if (in_tree[i] && nodes[i].start <= last && start <= nodes[i].last)
			n++;
	return n;
}

static void check_query(struct kunit *test, struct rb_root_cached *root,
			unsigned long start, unsigned long last)
{
	struct interval_tree_node *it;
	unsigned long prev_start = 0;
	unsigned int n = 0;

	for (it = interval_tree_iter_first(root, start, last); it;
	     it = interval_tree_iter_next(it, start, last)) {
		KUNIT_EXPECT_LE(test, it->start, last);
		KUNIT_EXPECT_LE(test, start, it->last);
		KUNIT_EXPECT_LE(test, prev_start, it->start);
		prev_start = it->start;
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, count_scan(start, last));
}

static void lib_tree_test(struct kunit *test)
{
	struct rb_root_cached root = RB_ROOT_CACHED;
	struct rnd_state rnd;
	int i, round;

	prandom_seed_state(&rnd, 14);
	for (i = 0; i < NODES; i++) {
		nodes[i].start = prandom_u32_state(&rnd) % 1000;
		nodes[i].last = nodes[i].start + prandom_u32_state(&rnd) % 100;
	}
	KUNIT_EXPECT_NULL(test, interval_tree_iter_first(&root, 0, ULONG_MAX));
	for (round = 0; round < 4; round++) {
		for (i = 0; i < NODES; i++) {
			bool want = prandom_u32_state(&rnd) & 1;

			if (want && !in_tree[i])
				interval_tree_insert(&nodes[i], &root);
			else if (!want && in_tree[i])
				interval_tree_remove(&nodes[i], &root);
			in_tree[i] = want;
		}
		for (i = 0; i < 40; i++) {
			unsigned long a = prandom_u32_state(&rnd) % 1100;

			check_query(test, &root, a, a);
			check_query(test, &root, a, a + prandom_u32_state(&rnd) % 200);
		}
		check_query(test, &root, 0, ULONG_MAX);
	}
	for (i = 0; i < NODES; i++)
		if (in_tree[i])
			interval_tree_remove(&nodes[i], &root);
	KUNIT_EXPECT_TRUE(test, RB_EMPTY_ROOT(&root.rb_root));
}

static void own_tree_test(struct kunit *test)
{
	struct rb_root_cached root = RB_ROOT_CACHED;
	struct extent *e;
	u64 big = 1ULL << 40;
	int i, n = 0;

	for (i = 0; i < NODES; i++) {
		extents[i].first_page = big + 10 * i;
		extents[i].last_page = big + 10 * i + (i % 3 ? 4 : 25);
		extent_tree_insert(&extents[i], &root);
	}
	/* page big+20 is in extent 2 and in extent 0 (i % 3 == 0: 26 pages long) */
	for (e = extent_tree_iter_first(&root, big + 20, big + 20); e;
	     e = extent_tree_iter_next(e, big + 20, big + 20))
		n++;
	KUNIT_EXPECT_EQ(test, n, 2);
	KUNIT_EXPECT_PTR_EQ(test, extent_tree_iter_first(&root, big + 20, big + 20), &extents[0]);
	KUNIT_EXPECT_NULL(test, extent_tree_iter_first(&root, 0, big - 1));
	KUNIT_EXPECT_NULL(test, extent_tree_iter_first(&root, big + 10 * NODES + 30, U64_MAX));
	extent_tree_remove(&extents[0], &root);
	KUNIT_EXPECT_PTR_EQ(test, extent_tree_iter_first(&root, big + 20, big + 20), &extents[2]);
	KUNIT_EXPECT_PTR_EQ(test, rb_entry(root.rb_leftmost, struct extent, node), &extents[1]);
}

static struct kunit_case interval_tree_cases[] = {
	KUNIT_CASE(lib_tree_test),
	KUNIT_CASE(own_tree_test),
	{}
};

static struct kunit_suite interval_tree_suite = {
	.name = "interval_tree",
	.test_cases = interval_tree_cases,
};
kunit_test_suite(interval_tree_suite);

MODULE_LICENSE("GPL");
