// SPDX-License-Identifier: GPL-2.0
/*
 * <linux/parman.h> the way a TCAM driver uses it (mlxsw's ACL regions): the
 * driver's table is an array of rules by priority; parman says where a new
 * rule goes and which rules to move (ops->move) and when to grow or shrink
 * the table (ops->resize).
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/parman.h>
#include <linux/slab.h>

#define MAX_MOVES 32

struct rule {
	struct parman_item item;
	int id;
};

struct table {
	struct rule **slots;
	unsigned long size;
	int resizes;
	bool refuse_resize;
	int moves;
	unsigned long from[MAX_MOVES], to[MAX_MOVES];
};

static int table_resize(void *priv, unsigned long new_count)
{
	struct table *t = priv;
	struct rule **slots;

	if (t->refuse_resize)
		return -ENOMEM;
	slots = krealloc(t->slots, new_count * sizeof(*slots), GFP_KERNEL | __GFP_ZERO);
	if (!slots)
		return -ENOMEM;
	if (new_count > t->size)
		memset(&slots[t->size], 0, (new_count - t->size) * sizeof(*slots));
	t->slots = slots;
	t->size = new_count;
	t->resizes++;
	return 0;
}

static void table_move(void *priv, unsigned long from, unsigned long to, unsigned long count)
{
	struct table *t = priv;

	if (t->moves < MAX_MOVES) {
		t->from[t->moves] = from;
		t->to[t->moves] = to;
	}
	t->moves++;
	memmove(&t->slots[to], &t->slots[from], count * sizeof(*t->slots));
	memset(&t->slots[from], 0, count * sizeof(*t->slots));
}

static const struct parman_ops table_ops = {
	.base_count	= 4,
	.resize_step	= 2,
	.resize		= table_resize,
	.move		= table_move,
	.algo		= PARMAN_ALGO_TYPE_LSORT,
};

struct fixture {
	struct table table;
	struct parman *parman;
	struct parman_prio low, mid, high;
	struct rule rules[8];
};

static int parman_test_init(struct kunit *test)
{
	struct fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_ASSERT_EQ(test, table_resize(&f->table, table_ops.base_count), 0);
	f->table.resizes = 0;
	f->parman = parman_create(&table_ops, &f->table);
	KUNIT_ASSERT_NOT_NULL(test, f->parman);
	/* initialised out of order: parman keeps them by priority */
	parman_prio_init(f->parman, &f->high, 30);
	parman_prio_init(f->parman, &f->low, 10);
	parman_prio_init(f->parman, &f->mid, 20);
	for (i = 0; i < ARRAY_SIZE(f->rules); i++)
		f->rules[i].id = i;
	test->priv = f;
	return 0;
}

static void parman_test_exit(struct kunit *test)
{
	struct fixture *f = test->priv;

	parman_prio_fini(&f->low);
	parman_prio_fini(&f->mid);
	parman_prio_fini(&f->high);
	parman_destroy(f->parman);
	kfree(f->table.slots);
}

static void add(struct kunit *test, struct parman_prio *prio, struct rule *r)
{
	struct fixture *f = test->priv;

	KUNIT_ASSERT_EQ(test, parman_item_add(f->parman, prio, &r->item), 0);
	f->table.slots[r->item.index] = r;
}

static void del(struct kunit *test, struct parman_prio *prio, struct rule *r)
{
	struct fixture *f = test->priv;

	f->table.slots[r->item.index] = NULL;
	parman_item_remove(f->parman, prio, &r->item);
}

static void parman_order_test(struct kunit *test)
{
	struct fixture *f = test->priv;
	struct rule *r = f->rules;

	add(test, &f->high, &r[0]);	/* [0:h] */
	add(test, &f->low, &r[1]);	/* h moves to 1: [1:l 0:h] */
	add(test, &f->mid, &r[2]);	/* h moves to 2: [1:l 2:m 0:h] */
	add(test, &f->low, &r[3]);	/* m and h move down by one */
	KUNIT_EXPECT_EQ(test, r[1].item.index, 0UL);
	KUNIT_EXPECT_EQ(test, r[3].item.index, 1UL);
	KUNIT_EXPECT_EQ(test, r[2].item.index, 2UL);
	KUNIT_EXPECT_EQ(test, r[0].item.index, 3UL);
	/* the first item of each later chunk moves past its chunk's end, last chunk first */
	KUNIT_ASSERT_EQ(test, f->table.moves, 4);
	KUNIT_EXPECT_EQ(test, f->table.from[0], 0UL);
	KUNIT_EXPECT_EQ(test, f->table.to[0], 1UL);
	KUNIT_EXPECT_EQ(test, f->table.from[1], 1UL);
	KUNIT_EXPECT_EQ(test, f->table.to[1], 2UL);
	KUNIT_EXPECT_EQ(test, f->table.from[2], 2UL);
	KUNIT_EXPECT_EQ(test, f->table.to[2], 3UL);
	KUNIT_EXPECT_EQ(test, f->table.from[3], 1UL);
	KUNIT_EXPECT_EQ(test, f->table.to[3], 2UL);
	KUNIT_EXPECT_PTR_EQ(test, f->table.slots[3], &r[0]);

	/* removing the first low rule: the last low one fills the hole, the later
	 * chunks each pull their last item down in front of their first */
	f->table.moves = 0;
	del(test, &f->low, &r[1]);
	KUNIT_EXPECT_EQ(test, r[3].item.index, 0UL);
	KUNIT_EXPECT_EQ(test, r[2].item.index, 1UL);
	KUNIT_EXPECT_EQ(test, r[0].item.index, 2UL);
	KUNIT_EXPECT_EQ(test, f->table.moves, 3);
	del(test, &f->low, &r[3]);
	del(test, &f->mid, &r[2]);
	del(test, &f->high, &r[0]);
	KUNIT_EXPECT_EQ(test, f->table.resizes, 0);
}

static void parman_resize_test(struct kunit *test)
{
	struct fixture *f = test->priv;
	struct rule *r = f->rules;
	int i;

	for (i = 0; i < 4; i++)
		add(test, &f->mid, &r[i]);
	KUNIT_EXPECT_EQ(test, f->table.resizes, 0);
	add(test, &f->mid, &r[4]);	/* the fifth grows the table by one step */
	KUNIT_EXPECT_EQ(test, f->table.resizes, 1);
	KUNIT_EXPECT_EQ(test, f->table.size, 6UL);
	add(test, &f->mid, &r[5]);
	add(test, &f->low, &r[6]);
	KUNIT_EXPECT_EQ(test, f->table.size, 8UL);
	KUNIT_EXPECT_EQ(test, r[6].item.index, 0UL);

	f->table.refuse_resize = true;
	add(test, &f->high, &r[7]);	/* 8 of 8: no resize needed */
	del(test, &f->high, &r[7]);
	KUNIT_EXPECT_EQ(test, parman_item_add(f->parman, &f->high, &r[7].item), 0);
	KUNIT_EXPECT_EQ(test, f->table.size, 8UL);
	f->table.slots[r[7].item.index] = &r[7];
	f->table.refuse_resize = false;
	del(test, &f->high, &r[7]);

	/* shrinks once a whole step is free, never below base_count */
	del(test, &f->low, &r[6]);	/* 6 of 8: two free */
	KUNIT_EXPECT_EQ(test, f->table.size, 6UL);
	del(test, &f->mid, &r[5]);	/* 5 of 6: one free, kept */
	KUNIT_EXPECT_EQ(test, f->table.size, 6UL);
	for (i = 4; i >= 0; i--)
		del(test, &f->mid, &r[i]);
	KUNIT_EXPECT_EQ(test, f->table.size, 4UL);
}

static void parman_resize_fails_test(struct kunit *test)
{
	struct fixture *f = test->priv;
	struct rule *r = f->rules;
	int i;

	for (i = 0; i < 4; i++)
		add(test, &f->low, &r[i]);
	f->table.refuse_resize = true;
	f->table.moves = 0;
	KUNIT_EXPECT_EQ(test, parman_item_add(f->parman, &f->low, &r[4].item), -ENOMEM);
	KUNIT_EXPECT_EQ(test, f->table.moves, 0);
	f->table.refuse_resize = false;
	add(test, &f->low, &r[4]);	/* the failed add left nothing behind */
	KUNIT_EXPECT_EQ(test, r[4].item.index, 4UL);
	for (i = 0; i < 5; i++)
		del(test, &f->low, &r[i]);
}

static struct kunit_case parman_cases[] = {
	KUNIT_CASE(parman_order_test),
	KUNIT_CASE(parman_resize_test),
	KUNIT_CASE(parman_resize_fails_test),
	{}
};

static struct kunit_suite parman_suite = {
	.name = "parman",
	.init = parman_test_init,
	.exit = parman_test_exit,
	.test_cases = parman_cases,
};
kunit_test_suite(parman_suite);

MODULE_LICENSE("GPL");
