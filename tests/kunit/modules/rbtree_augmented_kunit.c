// SPDX-License-Identifier: GPL-2.0
/*
 * Augmented red-black trees (<linux/rbtree_augmented.h>) with our own cases:
 * each node keeps the largest value in its subtree (RB_DECLARE_CALLBACKS_MAX)
 * through random inserts and erases, checked against a recomputation along
 * with the red-black rules; the cached variants; get_cycles() never goes back.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/rbtree_augmented.h>
#include <asm/timex.h>

#define NODES 64

struct item {
	struct rb_node rb;
	u32 key;
	u32 value;
	u32 subtree_max;
};

static u32 item_value(struct item *it)
{
	return it->value;
}

RB_DECLARE_CALLBACKS_MAX(static, item_callbacks, struct item, rb, u32, subtree_max, item_value);

static struct item items[NODES];

static void insert(struct item *it, struct rb_root_cached *root)
{
	struct rb_node **link = &root->rb_root.rb_node, *parent = NULL;
	bool leftmost = true;

	while (*link) {
		struct item *p = rb_entry(*link, struct item, rb);

		parent = *link;
		if (p->subtree_max < it->value)
			p->subtree_max = it->value;
		if (it->key < p->key) {
			link = &parent->rb_left;
		} else {
			link = &parent->rb_right;
			leftmost = false;
		}
	}
	it->subtree_max = it->value;
	rb_link_node(&it->rb, parent, link);
	rb_insert_augmented_cached(&it->rb, root, leftmost, &item_callbacks);
}

/* The subtree's largest value, checking every node's on the way; its black height. */
static int check(struct kunit *test, struct rb_node *rb, u32 *max)
{
	struct item *it;
	u32 lmax = 0, rmax = 0;
	int lh, rh;

	if (!rb) {
		*max = 0;
		return 1;
	}
	it = rb_entry(rb, struct item, rb);
	if (rb_is_red(rb))
		KUNIT_EXPECT_TRUE(test, rb_parent(rb) && rb_is_black(rb_parent(rb)));
	lh = check(test, rb->rb_left, &lmax);
	rh = check(test, rb->rb_right, &rmax);
	KUNIT_EXPECT_EQ(test, lh, rh);
	*max = max3(it->value, lmax, rmax);
	KUNIT_EXPECT_EQ(test, it->subtree_max, *max);
	return lh + rb_is_black(rb);
}

static void augmented_test(struct kunit *test)
{
	struct rb_root_cached root = RB_ROOT_CACHED;
	struct rnd_state rnd;
	u32 max, lowest;
	int i, j;

	prandom_seed_state(&rnd, 42);
	for (i = 0; i < NODES; i++) {
		items[i].key = prandom_u32_state(&rnd) % 1000;
		items[i].value = prandom_u32_state(&rnd);
		insert(&items[i], &root);
		check(test, root.rb_root.rb_node, &max);
	}
	KUNIT_EXPECT_TRUE(test, rb_is_black(root.rb_root.rb_node));
	for (i = 0, lowest = ~0u; i < NODES; i++)
		lowest = min(lowest, items[i].key);
	KUNIT_EXPECT_EQ(test, rb_entry(rb_first_cached(&root), struct item, rb)->key, lowest);
	/* erase in a scrambled order: every 7th, wrapping */
	for (i = 0, j = 0; i < NODES; i++, j = (j + 7) % NODES) {
		rb_erase_augmented_cached(&items[j].rb, &root, &item_callbacks);
		check(test, root.rb_root.rb_node, &max);
		if (root.rb_root.rb_node)
			KUNIT_EXPECT_PTR_EQ(test, rb_first_cached(&root), rb_first(&root.rb_root));
	}
	KUNIT_EXPECT_TRUE(test, RB_EMPTY_ROOT(&root.rb_root));
	KUNIT_EXPECT_NULL(test, rb_first_cached(&root));
}

static void cycles_test(struct kunit *test)
{
	cycles_t a = get_cycles(), b = get_cycles();

	KUNIT_EXPECT_GE(test, b, a);
}

static struct kunit_case rbtree_augmented_cases[] = {
	KUNIT_CASE(augmented_test),
	KUNIT_CASE(cycles_test),
	{}
};

static struct kunit_suite rbtree_augmented_suite = {
	.name = "rbtree_augmented",
	.test_cases = rbtree_augmented_cases,
};
kunit_test_suite(rbtree_augmented_suite);

MODULE_LICENSE("GPL");
