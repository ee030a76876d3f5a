// SPDX-License-Identifier: GPL-2.0
/*
 * Red-black trees as a module uses them: rb_add with a less() callback,
 * rb_find, in-order and post-order walks, erase, the cached leftmost; after
 * each change the tree is checked (no red node has a red child, every path
 * has the same number of black nodes, parents point back).
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/rbtree.h>
#include <linux/slab.h>

struct item {
	struct rb_node node;
	u32 key;
};

#define N 600

static bool item_less(struct rb_node *a, const struct rb_node *b)
{
	return rb_entry(a, struct item, node)->key < rb_entry(b, struct item, node)->key;
}

static int item_cmp(const void *key, const struct rb_node *n)
{
	u32 k = *(const u32 *)key, v = rb_entry(n, struct item, node)->key;

	return k < v ? -1 : k > v;
}

#define is_red(n) ((n) && !((n)->__rb_parent_color & 1))

/* Black height of the subtree, or -1 when it breaks an invariant. */
static int check(struct rb_node *n, struct rb_node *parent)
{
	int l, r;

	if (!n)
		return 1;
	if (rb_parent(n) != parent)
		return -1;
	if (is_red(n) && (is_red(n->rb_left) || is_red(n->rb_right)))
		return -1;
	l = check(n->rb_left, n);
	r = check(n->rb_right, n);
	if (l < 0 || r < 0 || l != r)
		return -1;
	return l + !is_red(n);
}

static void insert_find_erase(struct kunit *test)
{
	struct rb_root root = RB_ROOT;
	struct item *items = kunit_kcalloc(test, N, sizeof(*items), GFP_KERNEL);
	struct rb_node *n;
	struct rnd_state rnd;
	u32 prev = 0;
	int i, count = 0;

	KUNIT_ASSERT_NOT_NULL(test, items);
	prandom_seed_state(&rnd, 3141592653ULL);
	for (i = 0; i < N; i++) {
		items[i].key = prandom_u32_state(&rnd) % 100000;
		rb_add(&items[i].node, &root, item_less);
	}
	KUNIT_ASSERT_GT(test, check(root.rb_node, NULL), 0);
	KUNIT_EXPECT_TRUE(test, !is_red(root.rb_node));
	for (n = rb_first(&root); n; n = rb_next(n)) {
		u32 key = rb_entry(n, struct item, node)->key;

		KUNIT_ASSERT_LE(test, prev, key);
		prev = key;
		count++;
	}
	KUNIT_EXPECT_EQ(test, count, N);
	for (i = 0; i < N; i++)
		KUNIT_ASSERT_NOT_NULL(test, rb_find(&items[i].key, &root, item_cmp));
	for (i = 0; i < N; i += 2) {
		rb_erase(&items[i].node, &root);
		KUNIT_ASSERT_GT_MSG(test, check(root.rb_node, NULL), 0, "after erasing %d", i);
	}
	count = 0;
	for (n = rb_last(&root); n; n = rb_prev(n))
		count++;
	KUNIT_EXPECT_EQ(test, count, N / 2);
	for (i = 1; i < N; i += 2)
		rb_erase(&items[i].node, &root);
	KUNIT_EXPECT_TRUE(test, RB_EMPTY_ROOT(&root));
}

static void cached_and_postorder(struct kunit *test)
{
	struct rb_root_cached root = RB_ROOT_CACHED;
	struct item items[32], *pos, *tmp, replacement;
	int i, visited = 0;

	for (i = 0; i < 32; i++) {
		items[i].key = (i * 7) % 32;
		rb_add_cached(&items[i].node, &root, item_less);
	}
	KUNIT_EXPECT_EQ(test, rb_entry(rb_first_cached(&root), struct item, node)->key, 0);
	rb_erase_cached(rb_first_cached(&root), &root);
	KUNIT_EXPECT_EQ(test, rb_entry(rb_first_cached(&root), struct item, node)->key, 1);
	/* replace the node holding key 1 by another node in the same place */
	replacement.key = 1;
	rb_replace_node_cached(rb_first_cached(&root), &replacement.node, &root);
	KUNIT_EXPECT_PTR_EQ(test, rb_first_cached(&root), &replacement.node);
	KUNIT_EXPECT_GT(test, check(root.rb_root.rb_node, NULL), 0);
	rbtree_postorder_for_each_entry_safe(pos, tmp, &root.rb_root, node)
		visited++;
	KUNIT_EXPECT_EQ(test, visited, 31);
}

static struct kunit_case rbtree_cases[] = {
	KUNIT_CASE(insert_find_erase),
	KUNIT_CASE(cached_and_postorder),
	{}
};

static struct kunit_suite rbtree_suite = {
	.name = "rbtree",
	.test_cases = rbtree_cases,
};
kunit_test_suite(rbtree_suite);
MODULE_LICENSE("GPL");
