"""The block API of <linux/blkdev.h> and <linux/blk-mq.h> over block.py."""

from __future__ import annotations

import errno as E
from typing import TYPE_CHECKING

from lkmsh.kernel import block as B
from lkmsh.kernel.callctx import to_signed
from lkmsh.kernel.kapi.common import owner
from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

EINVAL, ENOMEM = -E.EINVAL & (1 << 64) - 1, -E.ENOMEM & (1 << 64) - 1


def _err_ptr(code: int) -> int:
    return -code & (1 << 64) - 1


# -- majors ---------------------------------------------------------------------------


@kapi(
    "__register_blkdev",
    "int __register_blkdev(unsigned int major, const char *name, void (*probe)(dev_t devt))",
)
def register_blkdev(ctx: CallContext) -> int:
    major = ctx.arg(0) & 0xFFFFFFFF
    name = ctx.mem.read_cstr(ctx.arg(1), 64).decode(errors="replace")
    ret, problem = ctx.kernel.block.register_major(major, name, owner(ctx))
    if problem:
        ctx.kernel.log.emit(3 if "greater" in problem else 4, problem)
    return ret & 0xFFFFFFFF


@kapi("unregister_blkdev", "void unregister_blkdev(unsigned int major, const char *name)")
def unregister_blkdev(ctx: CallContext) -> None:
    name = ctx.mem.read_cstr(ctx.arg(1), 64).decode(errors="replace")
    ctx.kernel.block.unregister_major(ctx.arg(0) & 0xFFFFFFFF, name)


# -- tag sets -------------------------------------------------------------------------


@kapi("blk_mq_alloc_tag_set", "int blk_mq_alloc_tag_set(struct blk_mq_tag_set *set)")
def blk_mq_alloc_tag_set(ctx: CallContext) -> int:
    """Linux's checks: a queue_rq, hardware queues, a depth (capped at BLK_MQ_MAX_DEPTH)."""
    tset, mem = ctx.arg(0), ctx.mem
    ops = mem.read_u64(tset + B.TAG_SET.off("ops"))
    nr_hw = mem.read_u32(tset + B.TAG_SET.off("nr_hw_queues"))
    depth = mem.read_u32(tset + B.TAG_SET.off("queue_depth"))
    reserved = mem.read_u32(tset + B.TAG_SET.off("reserved_tags"))
    if not nr_hw or not depth or depth <= reserved:
        return EINVAL
    if not ops or not mem.read_u64(ops + B.MQ_OPS.off("queue_rq")):
        return EINVAL
    if depth > 10240:
        mem.write_u32(tset + B.TAG_SET.off("queue_depth"), 10240)
    if not mem.read_u32(tset + B.TAG_SET.off("nr_maps")):
        mem.write_u32(tset + B.TAG_SET.off("nr_maps"), 1)
    ctx.kernel.block.tag_sets[tset] = owner(ctx)
    return 0


@kapi(
    "blk_mq_alloc_sq_tag_set",
    "int blk_mq_alloc_sq_tag_set(struct blk_mq_tag_set *set, const struct blk_mq_ops *ops,"
    " unsigned int queue_depth, unsigned int set_flags)",
    gpl=True,
)
def blk_mq_alloc_sq_tag_set(ctx: CallContext) -> int:
    tset, mem = ctx.arg(0), ctx.mem
    mem.write(tset, bytes(B.TAG_SET.size))
    mem.write_u64(tset + B.TAG_SET.off("ops"), ctx.arg(1))
    mem.write_u32(tset + B.TAG_SET.off("nr_hw_queues"), 1)
    mem.write_u32(tset + B.TAG_SET.off("nr_maps"), 1)
    mem.write_u32(tset + B.TAG_SET.off("queue_depth"), ctx.arg(2) & 0xFFFFFFFF)
    mem.write_u32(tset + B.TAG_SET.off("numa_node"), 0xFFFFFFFF)
    mem.write_u32(tset + B.TAG_SET.off("flags"), ctx.arg(3) & 0xFFFFFFFF)
    return blk_mq_alloc_tag_set(ctx)


@kapi("blk_mq_free_tag_set", "void blk_mq_free_tag_set(struct blk_mq_tag_set *set)")
def blk_mq_free_tag_set(ctx: CallContext) -> None:
    ctx.kernel.block.tag_sets.pop(ctx.arg(0), None)


# -- disks ----------------------------------------------------------------------------


def _alloc_disk(ctx: CallContext, tag_set: int, queuedata: int) -> int:
    """A gendisk with its part0 and request queue (and a hardware context for blk-mq)."""
    heap, mem, who = ctx.kernel.heap, ctx.mem, owner(ctx)
    sizes = [B.GENDISK.size, B.BLOCK_DEVICE.size, B.REQUEST_QUEUE.size]
    if tag_set:
        sizes.append(B.HW_CTX.size)
    objs = [heap.alloc(n, who, ctx.caller, zero=True) for n in sizes]
    if not all(objs):
        for a in objs:
            if a:
                heap.free(a)
        return ENOMEM
    disk, part0, q = objs[:3]
    hctx = objs[3] if tag_set else 0
    mem.write_u64(disk + B.GENDISK.off("part0"), part0)
    mem.write_u64(disk + B.GENDISK.off("queue"), q)
    mem.write_u32(disk + B.GENDISK.off("minors"), 1)
    mem.write_u64(part0 + B.BLOCK_DEVICE.off("bd_disk"), disk)
    mem.write_u64(q + B.REQUEST_QUEUE.off("queuedata"), queuedata)
    mem.write_u64(q + B.REQUEST_QUEUE.off("disk"), disk)
    lim = "limits__"
    for name, value in (("logical_block_size", 512), ("physical_block_size", 512), ("io_min", 512),
                        ("max_hw_sectors", 255), ("max_sectors", 255), ("max_segment_size", 65536)):  # fmt: skip
        mem.write_u32(q + B.REQUEST_QUEUE.off(lim + name), value)
    mem.write_u16(q + B.REQUEST_QUEUE.off(lim + "max_segments"), 128)
    d = B.Disk(disk, who, q, part0, hctx, tag_set=tag_set)
    if tag_set:
        ops = mem.read_u64(tag_set + B.TAG_SET.off("ops"))
        mem.write_u64(q + B.REQUEST_QUEUE.off("tag_set"), tag_set)
        mem.write_u64(q + B.REQUEST_QUEUE.off("mq_ops"), ops)
        mem.write_u64(hctx + B.HW_CTX.off("queue"), q)
        mem.write_u32(hctx + B.HW_CTX.off("numa_node"), 0xFFFFFFFF)
        head = hctx + B.HW_CTX.off("dispatch")
        mem.write_u64(head, head)
        mem.write_u64(head + 8, head)
        init = mem.read_u64(ops + B.MQ_OPS.off("init_hctx"))
        if init:
            data = mem.read_u64(tag_set + B.TAG_SET.off("driver_data"))
            ret = to_signed(ctx.kernel.block._call(init, [hctx, data, 0]), 32)
            if ret:
                for a in objs:
                    heap.free(a)
                return _err_ptr(-ret)
    ctx.kernel.block.disks.append(d)
    return disk


@kapi(
    "__blk_mq_alloc_disk",
    "struct gendisk *__blk_mq_alloc_disk(struct blk_mq_tag_set *set, void *queuedata,"
    " struct lock_class_key *lkclass)",
)
def blk_mq_alloc_disk(ctx: CallContext) -> int:
    tset = ctx.arg(0)
    if tset not in ctx.kernel.block.tag_sets:
        return EINVAL  # a tag set blk_mq_alloc_tag_set did not set up
    return _alloc_disk(ctx, tset, ctx.arg(1))


@kapi(
    "__blk_alloc_disk", "struct gendisk *__blk_alloc_disk(int node, struct lock_class_key *lkclass)"
)
def blk_alloc_disk(ctx: CallContext) -> int:
    """A bio-based disk: its fops->submit_bio gets the bios."""
    ret = _alloc_disk(ctx, 0, 0)
    return 0 if ret >= (1 << 64) - 4095 else ret  # NULL on failure, not an ERR_PTR


@kapi("set_capacity", "void set_capacity(struct gendisk *disk, sector_t size)")
def set_capacity(ctx: CallContext) -> None:
    part0 = ctx.mem.read_u64(ctx.arg(0) + B.GENDISK.off("part0"))
    ctx.mem.write_u64(part0 + B.BLOCK_DEVICE.off("bd_nr_sectors"), ctx.arg(1))


@kapi(
    "set_capacity_and_notify",
    "bool set_capacity_and_notify(struct gendisk *disk, sector_t size)",
    gpl=True,
)
def set_capacity_and_notify(ctx: CallContext) -> int:
    disk = ctx.kernel.block.disk_by_addr(ctx.arg(0))
    part0 = ctx.mem.read_u64(ctx.arg(0) + B.GENDISK.off("part0"))
    old = ctx.mem.read_u64(part0 + B.BLOCK_DEVICE.off("bd_nr_sectors"))
    set_capacity(ctx)
    if disk is None or not disk.added or old == ctx.arg(1):
        return 0
    ctx.kernel.log.emit(6, f"{disk.name}: detected capacity change from {old} to {ctx.arg(1)}")
    return 1


@kapi("set_disk_ro", "void set_disk_ro(struct gendisk *disk, bool read_only)")
def set_disk_ro(ctx: CallContext) -> None:
    part0 = ctx.mem.read_u64(ctx.arg(0) + B.GENDISK.off("part0"))
    ctx.mem.write_u8(part0 + B.BLOCK_DEVICE.off("bd_read_only"), 1 if ctx.arg(1) & 0xFF else 0)


@kapi(
    "device_add_disk",
    "int device_add_disk(struct device *parent, struct gendisk *disk,"
    " const struct attribute_group **groups)",
)
def device_add_disk(ctx: CallContext) -> int:
    layer = ctx.kernel.block
    disk = layer.disk_by_addr(ctx.arg(1))
    if disk is None or disk.added:
        return EINVAL
    major = ctx.mem.read_u32(disk.addr + B.GENDISK.off("major"))
    if major and not any(m.major == major for m in layer.majors):
        # Linux 6.1 still adds it (the major is only a number); lkmsh says what is odd
        ctx.kernel.log.emit(
            4, f"block: disk with major {major} nobody registered (register_blkdev)"
        )
    problem = layer.add(disk)
    if problem:
        ctx.kernel.log.emit(3, f"device_add_disk: {problem}")
        return _err_ptr(E.EEXIST if "exists" in problem else E.EINVAL)
    return 0


@kapi("del_gendisk", "void del_gendisk(struct gendisk *gp)")
def del_gendisk(ctx: CallContext) -> None:
    disk = ctx.kernel.block.disk_by_addr(ctx.arg(0))
    if disk is not None:
        ctx.kernel.block.delete(disk)


@kapi("put_disk", "void put_disk(struct gendisk *disk)")
def put_disk(ctx: CallContext) -> None:
    layer, heap = ctx.kernel.block, ctx.kernel.heap
    disk = layer.disk_by_addr(ctx.arg(0))
    if disk is None:
        return
    if disk.added:  # put_disk of a live disk: Linux keeps it until del_gendisk; lkmsh too
        return
    layer.release_disk(disk)
    if disk.hctx and disk.tag_set:
        ops = ctx.mem.read_u64(disk.tag_set + B.TAG_SET.off("ops"))
        fn = ctx.mem.read_u64(ops + B.MQ_OPS.off("exit_hctx")) if ops else 0
        if fn:
            layer._call(fn, [disk.hctx, 0])
    fops = ctx.mem.read_u64(disk.addr + B.GENDISK.off("fops"))
    free_disk = ctx.mem.read_u64(fops + B.BLOCK_DEVICE_OPERATIONS.off("free_disk")) if fops else 0
    if free_disk:
        layer._call(free_disk, [disk.addr])
    for a in (disk.hctx, disk.queue, disk.part0, disk.addr):
        if a and heap.lookup(a) is not None:
            heap.free(a)


# -- requests and bios -------------------------------------------------------------------


@kapi("blk_mq_start_request", "void blk_mq_start_request(struct request *rq)")
def blk_mq_start_request(ctx: CallContext) -> None:
    rq = ctx.arg(0)
    ctx.mem.write_u64(rq + B.REQUEST.off("io_start_time_ns"), ctx.kernel.clock.ns())
    ctx.mem.write_u32(rq + B.REQUEST.off("state"), B.MQ_RQ_IN_FLIGHT)


def _end(ctx: CallContext, rq: int, status: int) -> None:
    ctx.mem.write_u32(rq + B.REQUEST.off("state"), B.MQ_RQ_COMPLETE)
    if not ctx.kernel.block.end(rq, status):
        from lkmsh.kernel.kapi.bug import warn

        warn(ctx, ["blk_mq_end_request of a request not in flight"])


@kapi("blk_mq_end_request", "void blk_mq_end_request(struct request *rq, blk_status_t error)")
def blk_mq_end_request(ctx: CallContext) -> None:
    _end(ctx, ctx.arg(0), ctx.arg(1) & 0xFF)


@kapi("__blk_mq_end_request", "void __blk_mq_end_request(struct request *rq, blk_status_t error)")
def blk_mq_end_request_nostat(ctx: CallContext) -> None:
    _end(ctx, ctx.arg(0), ctx.arg(1) & 0xFF)


@kapi("blk_mq_complete_request", "void blk_mq_complete_request(struct request *rq)")
def blk_mq_complete_request(ctx: CallContext) -> None:
    """Runs the queue's ->complete (which ends the request), as the completion softirq."""
    rq, mem = ctx.arg(0), ctx.mem
    q = mem.read_u64(rq + B.REQUEST.off("q"))
    ops = mem.read_u64(q + B.REQUEST_QUEUE.off("mq_ops"))
    fn = mem.read_u64(ops + B.MQ_OPS.off("complete")) if ops else 0
    if fn:
        ctx.kernel.block._call(fn, [rq])
    else:
        _end(ctx, rq, 0)


@kapi("blk_mq_stop_hw_queues", "void blk_mq_stop_hw_queues(struct request_queue *q)")
def blk_mq_stop_hw_queues(ctx: CallContext) -> None:
    at = ctx.arg(0) + B.REQUEST_QUEUE.off("queue_flags")
    ctx.mem.write_u64(at, ctx.mem.read_u64(at) | 1)


@kapi(
    "blk_mq_start_stopped_hw_queues",
    "void blk_mq_start_stopped_hw_queues(struct request_queue *q, bool async)",
)
def blk_mq_start_stopped_hw_queues(ctx: CallContext) -> None:
    at = ctx.arg(0) + B.REQUEST_QUEUE.off("queue_flags")
    ctx.mem.write_u64(at, ctx.mem.read_u64(at) & ~1)


@kapi("bio_endio", "void bio_endio(struct bio *bio)")
def bio_endio(ctx: CallContext) -> None:
    bio = ctx.arg(0)
    status = ctx.mem.read_u8(bio + B.BIO.off("bi_status"))
    if not ctx.kernel.block.end(bio, status):
        end_io = ctx.mem.read_u64(bio + B.BIO.off("bi_end_io"))
        if end_io:  # a bio the driver made itself
            ctx.kernel.block._call(end_io, [bio])


@kapi("submit_bio_noacct", "void submit_bio_noacct(struct bio *bio)")
def submit_bio_noacct(ctx: CallContext) -> None:
    """lkmsh stacks no block devices: a bio handed on fails (BLK_STS_NOTSUPP)."""
    bio = ctx.arg(0)
    ctx.mem.write_u8(bio + B.BIO.off("bi_status"), 1)
    bio_endio(ctx)
