/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/blkdev.h>, what block drivers use, as Linux 6.1: struct
 * gendisk (Linux's leading fields, in its order), struct block_device,
 * struct request_queue with its limits, block_device_operations,
 * register_blkdev, the disk's life (add_disk, del_gendisk, put_disk) and its
 * capacity in 512-byte sectors. lkmsh's own layout where Linux's is private
 * to the block layer (the queue's internals).
 */
#ifndef _LKMSH_LINUX_BLKDEV_H
#define _LKMSH_LINUX_BLKDEV_H

#include <linux/types.h>
#include <linux/blk_types.h>
#include <linux/bio.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/module.h>
#include <linux/list.h>

struct module;
struct request_queue;
struct hd_geometry;
struct blk_mq_tag_set;
struct attribute_group;
struct device;
struct lock_class_key;
struct pr_ops;
struct io_comp_batch;
struct blk_zone;

#define DISK_NAME_LEN		32
#define SECTOR_SHIFT		9
#define SECTOR_SIZE		(1 << SECTOR_SHIFT)
#define BLKDEV_MAJOR_MAX	512
#define NUMA_NO_NODE		(-1)

/* gendisk flags */
#define GENHD_FL_REMOVABLE	(1 << 0)
#define GENHD_FL_HIDDEN		(1 << 1)
#define GENHD_FL_NO_PART	(1 << 2)

struct block_device {
	sector_t		bd_start_sect;
	sector_t		bd_nr_sectors;
	void			*bd_stats;
	unsigned long		bd_stamp;
	bool			bd_read_only;
	dev_t			bd_dev;
	atomic_t		bd_openers;
	struct inode		*bd_inode;
	void			*bd_holder;
	int			bd_holders;
	u8			bd_partno;
	struct gendisk		*bd_disk;
};

struct gendisk {
	int major;			/* major number of driver */
	int first_minor;
	int minors;			/* maximum number of minors, =1 for disks that can't be partitioned. */
	char disk_name[DISK_NAME_LEN];	/* name of major driver */
	unsigned short events;
	unsigned short event_flags;
	struct block_device *part0;
	const struct block_device_operations *fops;
	struct request_queue *queue;
	void *private_data;
	int flags;
	unsigned long state;
};

struct queue_limits {
	unsigned int		logical_block_size;
	unsigned int		physical_block_size;
	unsigned int		io_min;
	unsigned int		max_hw_sectors;
	unsigned int		max_sectors;
	unsigned int		max_segment_size;
	unsigned short		max_segments;
};

struct request_queue {
	void			*queuedata;
	struct gendisk		*disk;
	struct blk_mq_tag_set	*tag_set;
	const struct blk_mq_ops	*mq_ops;
	unsigned long		queue_flags;
	struct queue_limits	limits;
};

#define QUEUE_FLAG_STOPPED	0
#define QUEUE_FLAG_DYING	1
#define QUEUE_FLAG_NOMERGES	3
#define QUEUE_FLAG_SAME_COMP	4
#define QUEUE_FLAG_FAIL_IO	5
#define QUEUE_FLAG_NONROT	6
#define QUEUE_FLAG_VIRT		QUEUE_FLAG_NONROT
#define QUEUE_FLAG_IO_STAT	7
#define QUEUE_FLAG_DISCARD	8
#define QUEUE_FLAG_ADD_RANDOM	10
#define QUEUE_FLAG_SYNCHRONOUS	11

static inline void blk_queue_flag_set(unsigned int flag, struct request_queue *q)
{
	q->queue_flags |= 1UL << flag;
}

static inline void blk_queue_flag_clear(unsigned int flag, struct request_queue *q)
{
	q->queue_flags &= ~(1UL << flag);
}

static inline void blk_queue_logical_block_size(struct request_queue *q, unsigned int size)
{
	q->limits.logical_block_size = size;
	if (q->limits.physical_block_size < size)
		q->limits.physical_block_size = size;
	if (q->limits.io_min < q->limits.physical_block_size)
		q->limits.io_min = q->limits.physical_block_size;
}

static inline void blk_queue_physical_block_size(struct request_queue *q, unsigned int size)
{
	q->limits.physical_block_size = size;
	if (q->limits.io_min < size)
		q->limits.io_min = size;
}

static inline void blk_queue_max_hw_sectors(struct request_queue *q, unsigned int max)
{
	q->limits.max_hw_sectors = max;
	q->limits.max_sectors = max;
}

static inline void blk_queue_max_segments(struct request_queue *q, unsigned short max)
{
	q->limits.max_segments = max ? max : 1;
}

static inline void blk_queue_max_segment_size(struct request_queue *q, unsigned int max)
{
	q->limits.max_segment_size = max;
}

static inline unsigned int queue_logical_block_size(const struct request_queue *q)
{
	return q->limits.logical_block_size;
}

struct block_device_operations {
	void (*submit_bio)(struct bio *bio);
	int (*poll_bio)(struct bio *bio, struct io_comp_batch *iob, unsigned int flags);
	int (*open) (struct block_device *, fmode_t);
	void (*release) (struct gendisk *, fmode_t);
	int (*rw_page)(struct block_device *, sector_t, struct page *, enum req_op);
	int (*ioctl) (struct block_device *, fmode_t, unsigned, unsigned long);
	int (*compat_ioctl) (struct block_device *, fmode_t, unsigned, unsigned long);
	unsigned int (*check_events) (struct gendisk *disk, unsigned int clearing);
	void (*unlock_native_capacity) (struct gendisk *);
	int (*getgeo)(struct block_device *, struct hd_geometry *);
	int (*set_read_only)(struct block_device *bdev, bool ro);
	void (*free_disk)(struct gendisk *disk);
	void (*swap_slot_free_notify) (struct block_device *, unsigned long);
	int (*report_zones)(struct gendisk *, sector_t sector, unsigned int nr_zones,
			    int (*cb)(struct blk_zone *, unsigned int, void *), void *data);
	char *(*devnode)(struct gendisk *disk, umode_t *mode);
	int (*get_unique_id)(struct gendisk *disk, u8 id[16], int type);
	struct module *owner;
	const struct pr_ops *pr_ops;
	int (*alternative_gpt_sector)(struct gendisk *disk, sector_t *sector);
};

int __register_blkdev(unsigned int major, const char *name, void (*probe)(dev_t devt));
#define register_blkdev(major, name) __register_blkdev(major, name, NULL)
void unregister_blkdev(unsigned int major, const char *name);

void set_capacity(struct gendisk *disk, sector_t size);
bool set_capacity_and_notify(struct gendisk *disk, sector_t size);

static inline sector_t get_capacity(struct gendisk *disk)
{
	return disk->part0->bd_nr_sectors;
}

static inline sector_t bdev_nr_sectors(struct block_device *bdev)
{
	return bdev->bd_nr_sectors;
}

int device_add_disk(struct device *parent, struct gendisk *disk,
		    const struct attribute_group **groups);
static inline int __must_check add_disk(struct gendisk *disk)
{
	return device_add_disk(NULL, disk, NULL);
}
void del_gendisk(struct gendisk *gp);
void put_disk(struct gendisk *disk);
void set_disk_ro(struct gendisk *disk, bool read_only);

static inline int get_disk_ro(struct gendisk *disk)
{
	return disk->part0->bd_read_only;
}

struct gendisk *__blk_alloc_disk(int node, struct lock_class_key *lkclass);
#define blk_alloc_disk(node_id)	__blk_alloc_disk(node_id, NULL)

static inline dev_t disk_devt(struct gendisk *disk)
{
	return disk->part0->bd_dev;
}

void submit_bio_noacct(struct bio *bio);

#endif
