/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: block layer types, as Linux 6.1's <linux/blk_types.h>: struct bio
 * (the fields in Linux's order; cgroup and crypt parts left out), the
 * operations and their flags, blk_status_t.
 */
#ifndef _LKMSH_LINUX_BLK_TYPES_H
#define _LKMSH_LINUX_BLK_TYPES_H

#include <linux/types.h>
#include <linux/bvec.h>
#include <linux/compiler.h>

#ifndef __bitwise
#define __bitwise
#endif

struct bio;
struct bio_set;
struct block_device;
struct gendisk;
typedef void (bio_end_io_t) (struct bio *);

typedef u8 __bitwise blk_status_t;
typedef u16 blk_short_t;
typedef unsigned int blk_qc_t;
typedef u32 __bitwise blk_opf_t;

#define	BLK_STS_OK 0
#define BLK_STS_NOTSUPP		((blk_status_t)1)
#define BLK_STS_TIMEOUT		((blk_status_t)2)
#define BLK_STS_NOSPC		((blk_status_t)3)
#define BLK_STS_TRANSPORT	((blk_status_t)4)
#define BLK_STS_TARGET		((blk_status_t)5)
#define BLK_STS_NEXUS		((blk_status_t)6)
#define BLK_STS_MEDIUM		((blk_status_t)7)
#define BLK_STS_PROTECTION	((blk_status_t)8)
#define BLK_STS_RESOURCE	((blk_status_t)9)
#define BLK_STS_IOERR		((blk_status_t)10)
#define BLK_STS_DM_REQUEUE	((blk_status_t)11)
#define BLK_STS_AGAIN		((blk_status_t)12)
#define BLK_STS_DEV_RESOURCE	((blk_status_t)13)
#define BLK_STS_ZONE_RESOURCE	((blk_status_t)14)
#define BLK_STS_ZONE_OPEN_RESOURCE	((blk_status_t)15)
#define BLK_STS_ZONE_ACTIVE_RESOURCE	((blk_status_t)16)
#define BLK_STS_OFFLINE		((blk_status_t)17)

struct bio {
	struct bio		*bi_next;	/* request queue link */
	struct block_device	*bi_bdev;
	blk_opf_t		bi_opf;
	unsigned short		bi_flags;
	unsigned short		bi_ioprio;
	blk_status_t		bi_status;
	atomic_t		__bi_remaining;
	struct bvec_iter	bi_iter;
	blk_qc_t		bi_cookie;
	bio_end_io_t		*bi_end_io;
	void			*bi_private;
	unsigned short		bi_vcnt;	/* how many bio_vec's */
	unsigned short		bi_max_vecs;	/* max bvl_vecs we can hold */
	atomic_t		__bi_cnt;	/* pin count */
	struct bio_vec		*bi_io_vec;	/* the actual vec list */
	struct bio_set		*bi_pool;
	struct bio_vec		bi_inline_vecs[];
};

#define REQ_OP_BITS	8
#define REQ_OP_MASK	((1 << REQ_OP_BITS) - 1)
#define REQ_FLAG_BITS	24

enum req_op {
	REQ_OP_READ		= 0,
	REQ_OP_WRITE		= 1,
	REQ_OP_FLUSH		= 2,
	REQ_OP_DISCARD		= 3,
	REQ_OP_SECURE_ERASE	= 5,
	REQ_OP_WRITE_ZEROES	= 9,
	REQ_OP_ZONE_OPEN	= 10,
	REQ_OP_ZONE_CLOSE	= 11,
	REQ_OP_ZONE_FINISH	= 12,
	REQ_OP_ZONE_APPEND	= 13,
	REQ_OP_ZONE_RESET	= 15,
	REQ_OP_ZONE_RESET_ALL	= 17,
	REQ_OP_DRV_IN		= 34,
	REQ_OP_DRV_OUT		= 35,
	REQ_OP_LAST,
};

enum req_flag_bits {
	__REQ_FAILFAST_DEV = REQ_OP_BITS,
	__REQ_FAILFAST_TRANSPORT,
	__REQ_FAILFAST_DRIVER,
	__REQ_SYNC,
	__REQ_META,
	__REQ_PRIO,
	__REQ_NOMERGE,
	__REQ_IDLE,
	__REQ_INTEGRITY,
	__REQ_FUA,
	__REQ_PREFLUSH,
	__REQ_RAHEAD,
	__REQ_BACKGROUND,
	__REQ_NOWAIT,
	__REQ_CGROUP_PUNT,
	__REQ_POLLED,
	__REQ_ALLOC_CACHE,
	__REQ_SWAP,
	__REQ_DRV,
	__REQ_NOUNMAP,
	__REQ_NR_BITS,
};

#define REQ_SYNC		(1U << __REQ_SYNC)
#define REQ_META		(1U << __REQ_META)
#define REQ_FUA			(1U << __REQ_FUA)
#define REQ_PREFLUSH		(1U << __REQ_PREFLUSH)
#define REQ_RAHEAD		(1U << __REQ_RAHEAD)

/* the old names, as Linux still has them */
#define READ			REQ_OP_READ
#define WRITE			REQ_OP_WRITE

static inline enum req_op bio_op(const struct bio *bio)
{
	return (enum req_op)(bio->bi_opf & REQ_OP_MASK);
}

static inline bool op_is_write(blk_opf_t op)
{
	return !!(op & (__force blk_opf_t)1);
}

#endif
