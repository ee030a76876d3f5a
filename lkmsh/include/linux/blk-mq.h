/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/blk-mq.h>, the multi-queue block API as Linux 6.1 has it
 * for drivers: a tag set with its blk_mq_ops, disks made from it, and
 * requests handed to ->queue_rq one at a time, each with one bio whose
 * segments lie inside a page (rq_for_each_segment walks them). A request is
 * finished with blk_mq_end_request, from ->queue_rq or later (a timer, a
 * work item, an interrupt), as on a board.
 */
#ifndef _LKMSH_LINUX_BLK_MQ_H
#define _LKMSH_LINUX_BLK_MQ_H

#include <linux/blkdev.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>

struct blk_mq_tags;
struct blk_mq_ctx;
struct blk_flush_queue;
struct seq_file;

#define HCTX_MAX_TYPES		3
#define BLK_MQ_MAX_DEPTH	10240

enum {
	BLK_MQ_F_SHOULD_MERGE	= 1 << 0,
	BLK_MQ_F_TAG_QUEUE_SHARED = 1 << 1,
	BLK_MQ_F_STACKING	= 1 << 2,
	BLK_MQ_F_TAG_HCTX_SHARED = 1 << 3,
	BLK_MQ_F_BLOCKING	= 1 << 5,
	BLK_MQ_F_NO_SCHED	= 1 << 6,
	BLK_MQ_F_NO_SCHED_BY_DEFAULT = 1 << 7,
};

enum mq_rq_state {
	MQ_RQ_IDLE		= 0,
	MQ_RQ_IN_FLIGHT		= 1,
	MQ_RQ_COMPLETE		= 2,
};

enum blk_eh_timer_return {
	BLK_EH_DONE,
	BLK_EH_RESET_TIMER,
};

typedef __u32 __bitwise req_flags_t;

struct request {
	struct request_queue *q;
	struct blk_mq_ctx *mq_ctx;
	struct blk_mq_hw_ctx *mq_hctx;
	blk_opf_t cmd_flags;		/* op and common flags */
	req_flags_t rq_flags;
	int tag;
	int internal_tag;
	unsigned int timeout;
	/* the following two fields are internal, NEVER access directly */
	unsigned int __data_len;	/* total data len */
	sector_t __sector;		/* sector cursor */
	struct bio *bio;
	struct bio *biotail;
	struct list_head queuelist;
	struct block_device *part;
	u64 start_time_ns;
	u64 io_start_time_ns;
	unsigned short nr_phys_segments;
	unsigned short ioprio;
	enum mq_rq_state state;
	atomic_t ref;
	unsigned long deadline;
	void *end_io_data;
};

struct blk_mq_queue_map {
	unsigned int *mq_map;
	unsigned int nr_queues;
	unsigned int queue_offset;
};

struct blk_mq_tag_set {
	struct blk_mq_queue_map	map[HCTX_MAX_TYPES];
	unsigned int		nr_maps;
	const struct blk_mq_ops	*ops;
	unsigned int		nr_hw_queues;
	unsigned int		queue_depth;
	unsigned int		reserved_tags;
	unsigned int		cmd_size;
	int			numa_node;
	unsigned int		timeout;
	unsigned int		flags;
	void			*driver_data;
	struct blk_mq_tags	**tags;
	struct blk_mq_tags	*shared_tags;
	struct mutex		tag_list_lock;
	struct list_head	tag_list;
};

struct blk_mq_hw_ctx {
	spinlock_t		lock;
	struct list_head	dispatch;
	unsigned long		state;
	unsigned long		flags;
	void			*sched_data;
	struct request_queue	*queue;
	struct blk_flush_queue	*fq;
	void			*driver_data;
	unsigned int		queue_num;
	int			numa_node;
};

struct blk_mq_queue_data {
	struct request *rq;
	bool last;
};

struct blk_mq_ops {
	blk_status_t (*queue_rq)(struct blk_mq_hw_ctx *, const struct blk_mq_queue_data *);
	void (*commit_rqs)(struct blk_mq_hw_ctx *);
	void (*queue_rqs)(struct request **rqlist);
	int (*get_budget)(struct request_queue *);
	void (*put_budget)(struct request_queue *, int);
	void (*set_rq_budget_token)(struct request *, int);
	int (*get_rq_budget_token)(struct request *);
	enum blk_eh_timer_return (*timeout)(struct request *);
	int (*poll)(struct blk_mq_hw_ctx *, struct io_comp_batch *);
	void (*complete)(struct request *);
	int (*init_hctx)(struct blk_mq_hw_ctx *, void *, unsigned int);
	void (*exit_hctx)(struct blk_mq_hw_ctx *, unsigned int);
	int (*init_request)(struct blk_mq_tag_set *set, struct request *, unsigned int, unsigned int);
	void (*exit_request)(struct blk_mq_tag_set *set, struct request *, unsigned int);
	void (*cleanup_rq)(struct request *);
	bool (*busy)(struct request_queue *);
	void (*map_queues)(struct blk_mq_tag_set *set);
	void (*show_rq)(struct seq_file *m, struct request *rq);
};

int blk_mq_alloc_tag_set(struct blk_mq_tag_set *set);
int blk_mq_alloc_sq_tag_set(struct blk_mq_tag_set *set, const struct blk_mq_ops *ops,
			    unsigned int queue_depth, unsigned int set_flags);
void blk_mq_free_tag_set(struct blk_mq_tag_set *set);

struct gendisk *__blk_mq_alloc_disk(struct blk_mq_tag_set *set, void *queuedata,
				    struct lock_class_key *lkclass);
#define blk_mq_alloc_disk(set, queuedata) __blk_mq_alloc_disk(set, queuedata, NULL)

void blk_mq_start_request(struct request *rq);
void blk_mq_end_request(struct request *rq, blk_status_t error);
void __blk_mq_end_request(struct request *rq, blk_status_t error);
void blk_mq_complete_request(struct request *rq);
void blk_mq_stop_hw_queues(struct request_queue *q);
void blk_mq_start_stopped_hw_queues(struct request_queue *q, bool async);

static inline enum req_op req_op(const struct request *req)
{
	return (enum req_op)(req->cmd_flags & REQ_OP_MASK);
}

static inline int rq_data_dir(const struct request *rq)
{
	return op_is_write(req_op(rq)) ? WRITE : READ;
}

static inline sector_t blk_rq_pos(const struct request *rq)
{
	return rq->__sector;
}

static inline unsigned int blk_rq_bytes(const struct request *rq)
{
	return rq->__data_len;
}

static inline unsigned int blk_rq_sectors(const struct request *rq)
{
	return blk_rq_bytes(rq) >> SECTOR_SHIFT;
}

static inline unsigned int blk_rq_cur_bytes(const struct request *rq)
{
	return rq->bio ? rq->bio->bi_io_vec[rq->bio->bi_iter.bi_idx].bv_len : 0;
}

static inline unsigned short blk_rq_nr_phys_segments(struct request *rq)
{
	return rq->nr_phys_segments;
}

static inline enum mq_rq_state blk_mq_rq_state(struct request *rq)
{
	return rq->state;
}

static inline void *blk_mq_rq_to_pdu(struct request *rq)
{
	return rq + 1;
}

static inline struct request *blk_mq_rq_from_pdu(void *pdu)
{
	return (struct request *)pdu - 1;
}

static inline bool blk_rq_is_passthrough(struct request *rq)
{
	return req_op(rq) >= REQ_OP_DRV_IN;
}

struct req_iterator {
	struct bvec_iter iter;
	struct bio *bio;
};

#define __rq_for_each_bio(_bio, rq)	\
	if ((rq->bio))			\
		for (_bio = (rq)->bio; _bio; _bio = _bio->bi_next)

#define rq_for_each_segment(bvl, _rq, _iter)			\
	__rq_for_each_bio(_iter.bio, _rq)			\
		bio_for_each_segment(bvl, _iter.bio, _iter.iter)

#define rq_for_each_bvec(bvl, _rq, _iter)			\
	__rq_for_each_bio(_iter.bio, _rq)			\
		bio_for_each_bvec(bvl, _iter.bio, _iter.iter)

#define rq_iter_last(bvec, _iter)				\
		(_iter.bio->bi_next == NULL &&			\
		 bio_iter_last(bvec, _iter.iter))

#endif
