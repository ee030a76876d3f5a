// SPDX-License-Identifier: GPL-2.0
/*
 * kfifo in the three styles of the kernel's samples/kfifo: a byte stream,
 * a FIFO of ints, and variable-length records.
 */
#include <kunit/test.h>
#include <linux/kfifo.h>
#include <linux/module.h>
#include <linux/string.h>

#define FIFO_SIZE 32

static void bytestream_test(struct kunit *test)
{
	struct kfifo fifo;
	unsigned char buf[16];
	unsigned char c;
	unsigned int i, n;

	KUNIT_ASSERT_EQ(test, kfifo_alloc(&fifo, FIFO_SIZE, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, kfifo_size(&fifo), FIFO_SIZE);
	kfifo_in(&fifo, "hello", 5);
	for (i = 0; i != 10; i++)
		kfifo_put(&fifo, i);
	KUNIT_EXPECT_EQ(test, kfifo_len(&fifo), 15);
	n = kfifo_out(&fifo, buf, 5);
	KUNIT_EXPECT_EQ(test, n, 5);
	KUNIT_EXPECT_MEMEQ(test, buf, "hello", 5);
	n = kfifo_out(&fifo, buf, 2);
	KUNIT_EXPECT_EQ(test, n, 2);
	KUNIT_EXPECT_EQ(test, kfifo_out_peek(&fifo, buf, 1), 1);
	KUNIT_EXPECT_EQ(test, buf[0], 2);
	kfifo_in(&fifo, buf, 1);	/* put it back at the end */
	i = 0;
	while (kfifo_get(&fifo, &c))
		i++;
	KUNIT_EXPECT_EQ(test, i, 9);
	/* wrap around: the ring keeps going past its end */
	for (i = 0; i < 100; i++) {
		kfifo_in(&fifo, "0123456789", 10);
		KUNIT_ASSERT_EQ(test, kfifo_out(&fifo, buf, 10), 10);
		KUNIT_ASSERT_MEMEQ(test, buf, "0123456789", 10);
	}
	KUNIT_EXPECT_EQ(test, kfifo_in(&fifo, "0123456789012345678901234567890123456789", 40),
			FIFO_SIZE);
	KUNIT_EXPECT_TRUE(test, kfifo_is_full(&fifo));
	kfifo_free(&fifo);
}

static DEFINE_KFIFO(ints, int, FIFO_SIZE);

static void inttype_test(struct kunit *test)
{
	int i, val, sum = 0;

	KUNIT_EXPECT_EQ(test, kfifo_size(&ints), FIFO_SIZE);
	KUNIT_EXPECT_EQ(test, kfifo_esize(&ints), sizeof(int));
	for (i = 0; i != FIFO_SIZE + 5; i++)
		kfifo_put(&ints, i * 10);
	KUNIT_EXPECT_EQ(test, kfifo_len(&ints), FIFO_SIZE);
	KUNIT_EXPECT_TRUE(test, kfifo_peek(&ints, &val));
	KUNIT_EXPECT_EQ(test, val, 0);
	kfifo_skip(&ints);
	while (kfifo_get(&ints, &val))
		sum += val;
	KUNIT_EXPECT_EQ(test, sum, 10 * (FIFO_SIZE * (FIFO_SIZE - 1) / 2));
	KUNIT_EXPECT_TRUE(test, kfifo_is_empty(&ints));
}

typedef STRUCT_KFIFO_REC_1(128) mytest;

static void record_test(struct kunit *test)
{
	static mytest fifo;
	char buf[100];
	unsigned int i, n;

	INIT_KFIFO(fifo);
	KUNIT_EXPECT_EQ(test, kfifo_recsize(&fifo), 1);
	for (i = 0; i < 5; i++) {
		memset(buf, 'a' + i, i + 1);
		KUNIT_EXPECT_EQ(test, kfifo_in(&fifo, buf, i + 1), i + 1);
	}
	KUNIT_EXPECT_EQ(test, kfifo_peek_len(&fifo), 1);
	KUNIT_EXPECT_EQ(test, kfifo_len(&fifo), 5 + 15);	/* 5 length bytes + data */
	kfifo_skip(&fifo);
	n = kfifo_out(&fifo, buf, sizeof(buf));
	KUNIT_EXPECT_EQ(test, n, 2);
	KUNIT_EXPECT_MEMEQ(test, buf, "bb", 2);
	n = kfifo_out(&fifo, buf, 2);	/* a short read drops the rest of the record */
	KUNIT_EXPECT_EQ(test, n, 2);
	KUNIT_EXPECT_EQ(test, kfifo_peek_len(&fifo), 4);
	KUNIT_EXPECT_GT(test, kfifo_avail(&fifo), 0);
	kfifo_reset(&fifo);
	KUNIT_EXPECT_TRUE(test, kfifo_is_empty(&fifo));
}

static struct kunit_case kfifo_cases[] = {
	KUNIT_CASE(bytestream_test),
	KUNIT_CASE(inttype_test),
	KUNIT_CASE(record_test),
	{}
};

static struct kunit_suite kfifo_suite = {
	.name = "kfifo",
	.test_cases = kfifo_cases,
};
kunit_test_suite(kfifo_suite);
MODULE_LICENSE("GPL");
