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

/* DMA into an int fifo (entries in bytes, counts in elements) and a record fifo */
static void dma_test(struct kunit *test)
{
	DEFINE_KFIFO(ints, int, 8);
	STRUCT_KFIFO_REC_1(64) recs;
	struct scatterlist sg[4];
	unsigned int n;
	int i, v;

	for (i = 0; i < 6; i++)
		kfifo_put(&ints, i);
	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_TRUE(test, kfifo_get(&ints, &v));
	/* in = 6, out = 5: 2 free slots at the end, 5 at the start */
	sg_init_table(sg, ARRAY_SIZE(sg));
	n = kfifo_dma_in_prepare(&ints, sg, ARRAY_SIZE(sg), 100);
	KUNIT_ASSERT_EQ(test, n, 2);
	KUNIT_EXPECT_PTR_EQ(test, sg_virt(&sg[0]), (void *)&ints.buf[6]);
	KUNIT_EXPECT_EQ(test, sg[0].length, 2 * sizeof(int));
	KUNIT_EXPECT_PTR_EQ(test, sg_virt(&sg[1]), (void *)&ints.buf[0]);
	KUNIT_EXPECT_EQ(test, sg[1].length, 5 * sizeof(int));
	KUNIT_EXPECT_TRUE(test, sg_is_last(&sg[3]));	/* the entries after are untouched */
	ints.buf[6] = 60;
	ints.buf[7] = 70;
	ints.buf[0] = 80;
	kfifo_dma_in_finish(&ints, 3 * sizeof(int));
	KUNIT_EXPECT_EQ(test, kfifo_len(&ints), 4);
	n = kfifo_dma_out_prepare(&ints, sg, 1, 4);
	KUNIT_EXPECT_EQ(test, n, 1);	/* one entry allowed: only the part before the wrap */
	KUNIT_EXPECT_EQ(test, sg[0].length, 3 * sizeof(int));
	kfifo_dma_out_finish(&ints, sg[0].length);
	KUNIT_EXPECT_TRUE(test, kfifo_get(&ints, &v));
	KUNIT_EXPECT_EQ(test, v, 80);

	INIT_KFIFO(recs);
	KUNIT_EXPECT_EQ(test, kfifo_dma_out_prepare(&recs, sg, 2, 10), 0);	/* nothing to send */
	n = kfifo_dma_in_prepare(&recs, sg, 2, 5);
	KUNIT_ASSERT_EQ(test, n, 1);
	KUNIT_EXPECT_EQ(test, sg[0].length, 5);
	memcpy(sg_virt(&sg[0]), "hello", 5);
	kfifo_dma_in_finish(&recs, 5);
	KUNIT_EXPECT_EQ(test, kfifo_peek_len(&recs), 5);
	/* as Linux: more than what is queued gives no entry; ask for the record's length */
	KUNIT_EXPECT_EQ(test, kfifo_dma_out_prepare(&recs, sg, 2, 64), 0);
	n = kfifo_dma_out_prepare(&recs, sg, 2, kfifo_peek_len(&recs));
	KUNIT_ASSERT_EQ(test, n, 1);
	KUNIT_EXPECT_EQ(test, sg[0].length, 5);
	KUNIT_EXPECT_EQ(test, memcmp(sg_virt(&sg[0]), "hello", 5), 0);
	kfifo_dma_out_finish(&recs, 5);
	KUNIT_EXPECT_TRUE(test, kfifo_is_empty(&recs));
	/* a record must fit whole, its length byte included: 63 bytes of 64 do */
	KUNIT_EXPECT_EQ(test, kfifo_dma_in_prepare(&recs, sg, 2, 64), 0);
	KUNIT_EXPECT_EQ(test, kfifo_dma_in_prepare(&recs, sg, 2, 63), 2);
	KUNIT_EXPECT_EQ(test, sg[0].length + sg[1].length, 63);
	KUNIT_EXPECT_PTR_EQ(test, sg_virt(&sg[1]), (void *)recs.buf);
}

static struct kunit_case kfifo_cases[] = {
	KUNIT_CASE(bytestream_test),
	KUNIT_CASE(inttype_test),
	KUNIT_CASE(record_test),
	KUNIT_CASE(dma_test),
	{}
};

static struct kunit_suite kfifo_suite = {
	.name = "kfifo",
	.test_cases = kfifo_cases,
};
kunit_test_suite(kfifo_suite);
MODULE_LICENSE("GPL");
