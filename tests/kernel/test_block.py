"""Block drivers at the level the module guides use them: a blk-mq RAM disk (the
sample ramdisk.c), a driver that finishes requests later from a timer, a
bio-based disk (blk_alloc_disk + submit_bio), errors, and what a driver forgets."""

from __future__ import annotations

import errno
import os

import pytest
from kernel_helpers import SAMPLES, texts

from lkmsh.errors import KernelError

RAMDISK = (SAMPLES / "ramdisk.c").read_text()


def write_at(kernel, path, pos, data):
    f = kernel.open(path, os.O_WRONLY)
    try:
        kernel.lseek(f, pos)
        return kernel.write(f, data)
    finally:
        kernel.close(f)


def read_at(kernel, path, pos, count):
    f = kernel.open(path, os.O_RDONLY)
    try:
        kernel.lseek(f, pos)
        return kernel.read(f, count)
    finally:
        kernel.close(f)


def test_the_ramdisk_sample_stores_what_is_written_on_both_arches(arch_kernel):
    kernel, build = arch_kernel
    kernel.module_load(build(RAMDISK, "ramdisk"))
    assert kernel.read_file("/sys/block/ramdisk/size") == b"2048\n"
    major = int(kernel.read_file("/sys/block/ramdisk/dev").split(b":")[0])
    assert (
        f"{major:3d} ramdisk\n".encode()
        in kernel.read_file("/proc/devices").split(b"Block devices:\n")[1]
    )
    assert f"{major:4d}        0       1024 ramdisk\n".encode() in kernel.read_file(
        "/proc/partitions"
    )
    assert kernel.stat("/dev/ramdisk").mode & 0o170000 == 0o060000  # a block node
    # a write inside one sector, one across a page, then reading them back
    assert write_at(kernel, "/dev/ramdisk", 100, b"hello") == 5
    blob = bytes(range(256)) * 40
    assert write_at(kernel, "/dev/ramdisk", 4000, blob) == len(blob)
    assert read_at(kernel, "/dev/ramdisk", 98, 9) == b"\0\0hello\0\0"
    assert read_at(kernel, "/dev/ramdisk", 4000, len(blob)) == blob
    whole = kernel.read_file("/dev/ramdisk")
    assert len(whole) == 1 << 20 and whole[100:105] == b"hello"
    kernel.module_unload("ramdisk")
    lines = texts(kernel)
    assert lines[-1].startswith("ramdisk: ") and lines[-1].endswith(" writes")
    assert "/dev/ramdisk" not in kernel.file_paths("/dev")
    assert b"ramdisk" not in kernel.read_file("/proc/partitions")
    assert not kernel.heap.allocations("ramdisk")


def test_the_end_of_the_disk_is_eof_for_reads_and_enospc_for_writes(kernel, build):
    kernel.module_load(build(RAMDISK, "ramdisk"), params="sectors=8")
    assert kernel.read_file("/sys/block/ramdisk/size") == b"8\n"
    f = kernel.open("/dev/ramdisk", os.O_RDWR)
    try:
        assert kernel.lseek(f, 0, os.SEEK_END) == 4096
        assert kernel.read(f, 10) == b""
        with pytest.raises(KernelError) as exc:
            kernel.write(f, b"x")
        assert exc.value.errno == errno.ENOSPC
        kernel.lseek(f, 4090)
        assert kernel.write(f, b"0123456789") == 6  # cut at the end
    finally:
        kernel.close(f)
    assert read_at(kernel, "/dev/ramdisk", 4090, 100) == b"012345"


def test_a_module_with_an_open_disk_is_busy(kernel, build):
    kernel.module_load(build(RAMDISK, "ramdisk"))
    f = kernel.open("/dev/ramdisk")
    with pytest.raises(KernelError) as exc:
        kernel.module_unload("ramdisk")
    assert exc.value.errno == errno.EBUSY
    kernel.close(f)
    kernel.module_unload("ramdisk")
    assert "ramdisk: opened" in texts(kernel) and "ramdisk: released" in texts(kernel)


#: requests finished later by a timer, a PDU per request, one BLK_STS_RESOURCE, an error
SLOWDISK = r"""
#include <linux/blk-mq.h>
#include <linux/module.h>
#include <linux/timer.h>

struct slow_cmd {
	int magic;
};

static struct blk_mq_tag_set set;
static struct gendisk *disk;
static struct timer_list done_timer;
static struct request *pending;
static u8 store[8 * SECTOR_SIZE];
static int busy_once = 1, inits, completions;

static void finish(struct timer_list *t)
{
	struct request *rq = pending;
	struct slow_cmd *cmd = blk_mq_rq_to_pdu(rq);
	struct req_iterator iter;
	struct bio_vec bvec;
	loff_t pos = blk_rq_pos(rq) << SECTOR_SHIFT;

	pending = NULL;
	if (cmd->magic != 0x5a5a || blk_rq_pos(rq) == 7) {
		blk_mq_end_request(rq, BLK_STS_IOERR);
		return;
	}
	rq_for_each_segment(bvec, rq, iter) {
		char *buf = bvec_kmap_local(&bvec);

		if (rq_data_dir(rq) == WRITE)
			memcpy(store + pos, buf, bvec.bv_len);
		else
			memcpy(buf, store + pos, bvec.bv_len);
		kunmap_local(buf);
		pos += bvec.bv_len;
	}
	completions++;
	blk_mq_end_request(rq, BLK_STS_OK);
}

static blk_status_t slow_queue_rq(struct blk_mq_hw_ctx *hctx, const struct blk_mq_queue_data *bd)
{
	if (busy_once) {
		busy_once = 0;
		return BLK_STS_RESOURCE;
	}
	blk_mq_start_request(bd->rq);
	pending = bd->rq;
	mod_timer(&done_timer, jiffies + msecs_to_jiffies(20));
	return BLK_STS_OK;
}

static int slow_init_request(struct blk_mq_tag_set *set, struct request *rq,
			unsigned int hctx_idx, unsigned int numa_node)
{
	struct slow_cmd *cmd = blk_mq_rq_to_pdu(rq);

	cmd->magic = 0x5a5a;
	inits++;
	return 0;
}

static const struct blk_mq_ops slow_ops = {
	.queue_rq = slow_queue_rq,
	.init_request = slow_init_request,
};

static const struct block_device_operations slow_fops = {
	.owner = THIS_MODULE,
};

static int __init slow_init(void)
{
	int ret;

	timer_setup(&done_timer, finish, 0);
	ret = blk_mq_alloc_sq_tag_set(&set, &slow_ops, 4, BLK_MQ_F_SHOULD_MERGE);
	if (ret)
		return ret;
	set.cmd_size = sizeof(struct slow_cmd);
	disk = blk_mq_alloc_disk(&set, NULL);
	if (IS_ERR(disk)) {
		blk_mq_free_tag_set(&set);
		return PTR_ERR(disk);
	}
	disk->fops = &slow_fops;
	strscpy(disk->disk_name, "slow0", DISK_NAME_LEN);
	set_capacity(disk, 8);
	ret = add_disk(disk);
	if (ret) {
		put_disk(disk);
		blk_mq_free_tag_set(&set);
	}
	return ret;
}

static void __exit slow_exit(void)
{
	del_gendisk(disk);
	put_disk(disk);
	blk_mq_free_tag_set(&set);
	del_timer_sync(&done_timer);
	pr_info("slow0: %d inits, %d completions\n", inits, completions);
}

module_init(slow_init);
module_exit(slow_exit);
MODULE_LICENSE("GPL");
"""


def test_requests_finished_later_from_a_timer_wait_in_virtual_time(kernel, build):
    kernel.module_load(build(SLOWDISK, "slowdisk"))
    before = kernel.clock.ns()
    assert write_at(kernel, "/dev/slow0", 512, b"A" * 512) == 512
    after = kernel.clock.ns()
    assert after - before >= 3_000_000 + 20_000_000  # requeued once (3 ms), then the timer
    assert read_at(kernel, "/dev/slow0", 512, 4) == b"AAAA"
    # sector 7 fails: the write fails with EIO, logged as blk_update_request logs it
    with pytest.raises(KernelError) as exc:
        write_at(kernel, "/dev/slow0", 7 * 512, b"B" * 512)
    assert exc.value.errno == errno.EIO
    assert (
        "I/O error, dev slow0, sector 7 op 0x1:(WRITE) flags 0x0 phys_seg 1 prio class 0"
        in texts(kernel)
    )
    kernel.module_unload("slowdisk")
    assert texts(kernel)[-1] == "slow0: 1 inits, 2 completions"


#: a bio-based disk as brd.c: blk_alloc_disk, ->submit_bio, bio_for_each_segment, bio_endio
BIODISK = r"""
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/module.h>

static struct gendisk *disk;
static u8 store[16 * SECTOR_SIZE];
static int major;

static void biodisk_submit_bio(struct bio *bio)
{
	sector_t sector = bio->bi_iter.bi_sector;
	struct bio_vec bvec;
	struct bvec_iter iter;

	if (bio_end_sector(bio) > get_capacity(bio->bi_bdev->bd_disk)) {
		bio_io_error(bio);
		return;
	}
	bio_for_each_segment(bvec, bio, iter) {
		void *mem = page_address(bvec.bv_page) + bvec.bv_offset;

		if (bio_data_dir(bio) == WRITE)
			memcpy(store + (sector << SECTOR_SHIFT), mem, bvec.bv_len);
		else
			memcpy(mem, store + (sector << SECTOR_SHIFT), bvec.bv_len);
		sector += bvec.bv_len >> SECTOR_SHIFT;
	}
	bio_endio(bio);
}

static const struct block_device_operations biodisk_fops = {
	.owner = THIS_MODULE,
	.submit_bio = biodisk_submit_bio,
};

static int __init biodisk_init(void)
{
	int err;

	major = register_blkdev(0, "biodisk");
	if (major < 0)
		return major;
	disk = blk_alloc_disk(NUMA_NO_NODE);
	if (!disk) {
		err = -ENOMEM;
		goto out_unregister;
	}
	disk->major = major;
	disk->first_minor = 0;
	disk->minors = 1;
	disk->fops = &biodisk_fops;
	disk->flags |= GENHD_FL_NO_PART;
	sprintf(disk->disk_name, "bio%d", 0);
	set_capacity(disk, 16);
	err = add_disk(disk);
	if (err)
		goto out_put;
	return 0;
out_put:
	put_disk(disk);
out_unregister:
	unregister_blkdev(major, "biodisk");
	return err;
}

static void __exit biodisk_exit(void)
{
	del_gendisk(disk);
	put_disk(disk);
	unregister_blkdev(major, "biodisk");
}

module_init(biodisk_init);
module_exit(biodisk_exit);
MODULE_LICENSE("GPL");
"""


def test_a_bio_based_disk_gets_its_bios(kernel, build):
    kernel.module_load(build(BIODISK, "biodisk"))
    assert write_at(kernel, "/dev/bio0", 1000, b"across two sectors") == 18
    assert read_at(kernel, "/dev/bio0", 1000, 18) == b"across two sectors"
    assert kernel.read_file("/sys/block/bio0/size") == b"16\n"
    kernel.module_unload("biodisk")
    assert not kernel.heap.allocations("biodisk")


def test_a_fixed_major_taken_twice_is_refused_as_linux_says(kernel, build):
    src = r"""
#include <linux/blkdev.h>
#include <linux/module.h>
static int __init two_init(void)
{
	int first = register_blkdev(240, "first");
	int again = register_blkdev(240, "second");

	pr_info("first %d again %d\n", first, again);
	unregister_blkdev(240, "first");
	return 0;
}
module_init(two_init);
MODULE_LICENSE("GPL");
"""
    kernel.module_load(build(src, "twomajors"))
    assert texts(kernel)[-2:] == [
        "register_blkdev: cannot get major 240 for second",
        "first 0 again -16",
    ]


def test_what_a_driver_forgets_is_removed_and_reported_at_unload(kernel, build):
    forgetful = RAMDISK.replace("\tdel_gendisk(dev->disk);\n\tput_disk(dev->disk);\n", "").replace(
        '\tunregister_blkdev(major, "ramdisk");\n}', "}"
    )
    kernel.module_load(build(forgetful, "forgetful"))
    kernel.module_unload("forgetful")
    lines = texts(kernel)
    assert "forgetful: removing disk ramdisk it did not del_gendisk" in lines
    assert any(ln.startswith("forgetful: unregistering block major ") for ln in lines)
    assert b"ramdisk" not in kernel.read_file("/proc/partitions")
    assert b"ramdisk" not in kernel.read_file("/proc/devices")
    assert "/dev/ramdisk" not in kernel.file_paths("/dev")
    assert "/sys/block/ramdisk/" not in kernel.file_paths("/sys/block")


def test_disks_and_their_data_survive_the_state_file(kernel, build):
    from lkmsh.kernel.kernel import Kernel

    kernel.module_load(build(RAMDISK, "ramdisk"))
    write_at(kernel, "/dev/ramdisk", 0, b"persistent")
    again = Kernel.from_state(kernel.export_state())
    assert read_at(again, "/dev/ramdisk", 0, 10) == b"persistent"
    assert again.read_file("/sys/block/ramdisk/size") == b"2048\n"
    again.module_unload("ramdisk")
    assert not again.heap.allocations("ramdisk")
