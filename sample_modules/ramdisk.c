/*
 * ramdisk.c - a RAM-backed block device on blk-mq, in the style of the
 * module guides' block driver chapter.
 */
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/module.h>
#include <linux/vmalloc.h>

#define RAMDISK_SECTORS 2048	/* 1 MiB */

static int major;
static unsigned long sectors = RAMDISK_SECTORS;
module_param(sectors, ulong, 0444);

struct ramdisk {
	u8 *data;
	struct blk_mq_tag_set tag_set;
	struct gendisk *disk;
	unsigned long reads, writes;
};

static struct ramdisk *dev;

static blk_status_t ramdisk_queue_rq(struct blk_mq_hw_ctx *hctx,
				     const struct blk_mq_queue_data *bd)
{
	struct request *rq = bd->rq;
	struct ramdisk *rd = hctx->queue->queuedata;
	loff_t pos = blk_rq_pos(rq) << SECTOR_SHIFT;
	loff_t size = (loff_t)get_capacity(rd->disk) << SECTOR_SHIFT;
	struct bio_vec bvec;
	struct req_iterator iter;

	blk_mq_start_request(rq);
	if (pos + blk_rq_bytes(rq) > size) {
		blk_mq_end_request(rq, BLK_STS_IOERR);
		return BLK_STS_OK;
	}
	rq_for_each_segment(bvec, rq, iter) {
		void *buf = page_address(bvec.bv_page) + bvec.bv_offset;

		if (rq_data_dir(rq) == WRITE)
			memcpy(rd->data + pos, buf, bvec.bv_len);
		else
			memcpy(buf, rd->data + pos, bvec.bv_len);
		pos += bvec.bv_len;
	}
	if (rq_data_dir(rq) == WRITE)
		rd->writes++;
	else
		rd->reads++;
	blk_mq_end_request(rq, BLK_STS_OK);
	return BLK_STS_OK;
}

static const struct blk_mq_ops ramdisk_mq_ops = {
	.queue_rq = ramdisk_queue_rq,
};

static int ramdisk_open(struct block_device *bdev, fmode_t mode)
{
	pr_info("ramdisk: opened\n");
	return 0;
}

static void ramdisk_release(struct gendisk *disk, fmode_t mode)
{
	pr_info("ramdisk: released\n");
}

static const struct block_device_operations ramdisk_fops = {
	.owner = THIS_MODULE,
	.open = ramdisk_open,
	.release = ramdisk_release,
};

static int __init ramdisk_init(void)
{
	int ret;

	major = register_blkdev(0, "ramdisk");
	if (major < 0)
		return major;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev) {
		ret = -ENOMEM;
		goto out_unregister;
	}
	dev->data = vzalloc(sectors << SECTOR_SHIFT);
	if (!dev->data) {
		ret = -ENOMEM;
		goto out_free_dev;
	}

	dev->tag_set.ops = &ramdisk_mq_ops;
	dev->tag_set.nr_hw_queues = 1;
	dev->tag_set.queue_depth = 128;
	dev->tag_set.numa_node = NUMA_NO_NODE;
	dev->tag_set.cmd_size = 0;
	dev->tag_set.flags = BLK_MQ_F_SHOULD_MERGE;
	ret = blk_mq_alloc_tag_set(&dev->tag_set);
	if (ret)
		goto out_free_data;

	dev->disk = blk_mq_alloc_disk(&dev->tag_set, dev);
	if (IS_ERR(dev->disk)) {
		ret = PTR_ERR(dev->disk);
		goto out_free_tags;
	}
	dev->disk->major = major;
	dev->disk->first_minor = 0;
	dev->disk->minors = 1;
	dev->disk->fops = &ramdisk_fops;
	dev->disk->private_data = dev;
	snprintf(dev->disk->disk_name, DISK_NAME_LEN, "ramdisk");
	set_capacity(dev->disk, sectors);
	blk_queue_logical_block_size(dev->disk->queue, SECTOR_SIZE);

	ret = add_disk(dev->disk);
	if (ret)
		goto out_put_disk;
	pr_info("ramdisk: %lu sectors on major %d\n", sectors, major);
	return 0;

out_put_disk:
	put_disk(dev->disk);
out_free_tags:
	blk_mq_free_tag_set(&dev->tag_set);
out_free_data:
	vfree(dev->data);
out_free_dev:
	kfree(dev);
out_unregister:
	unregister_blkdev(major, "ramdisk");
	return ret;
}

static void __exit ramdisk_exit(void)
{
	pr_info("ramdisk: %lu reads, %lu writes\n", dev->reads, dev->writes);
	del_gendisk(dev->disk);
	put_disk(dev->disk);
	blk_mq_free_tag_set(&dev->tag_set);
	vfree(dev->data);
	kfree(dev);
	unregister_blkdev(major, "ramdisk");
}

module_init(ramdisk_init);
module_exit(ramdisk_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A RAM disk on blk-mq");
