"""The block layer: block majors, disks, and I/O through a driver's queue.

As Linux 6.1 for what drivers see. ``register_blkdev`` takes a block major
(/proc/devices' "Block devices:"); a disk comes from ``blk_mq_alloc_disk``
(a tag set's queue: requests go to ``->queue_rq``) or ``blk_alloc_disk``
(bio-based: bios go to ``fops->submit_bio``); ``add_disk`` makes ``/dev/NAME``
(a block node, major:first_minor), ``/sys/block/NAME/{size,dev,ro,removable}``
and its queue's limits, and lists it in /proc/partitions.

Reading or writing ``/dev/NAME`` is what the page cache does for a block
device, without the cache: the range is rounded out to logical blocks (a
partial write reads the blocks first), cut into requests of at most
MAX_IO_BYTES, each with one bio whose segments lie inside a page of a kernel
buffer. A request (or bio) is finished by the driver with
``blk_mq_end_request`` (``bio_endio``), in ``->queue_rq`` or later (a timer, a
work item): the reading task waits for it while the scheduler runs the rest.
``BLK_STS_RESOURCE`` makes the queue run again after 3 ms, as
blk_mq_delay_run_hw_queue; any other error fails the read or write with its
errno, logged as blk_update_request logs it.
"""

from __future__ import annotations

import errno as E
import os
import stat as S
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.cstructs import cstruct
from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.snapshot import typed
from lkmsh.kernel.vfs import File, FileError, FileOps, TextFile, default_llseek

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel

BLOCK_DEVICE = cstruct(
    "struct block_device", "linux/blkdev.h", 80,
    bd_start_sect=(0, 8), bd_nr_sectors=(8, 8), bd_read_only=(32, 1), bd_dev=(36, 4),
    bd_openers=(40, 4), bd_partno=(68, 1), bd_disk=(72, 8),
)  # fmt: skip
GENDISK = cstruct(
    "struct gendisk", "linux/blkdev.h", 96,
    major=(0, 4), first_minor=(4, 4), minors=(8, 4), disk_name=(12, 32), part0=(48, 8),
    fops=(56, 8), queue=(64, 8), private_data=(72, 8), flags=(80, 4),
)  # fmt: skip
REQUEST_QUEUE = cstruct(
    "struct request_queue", "linux/blkdev.h", 72,
    queuedata=(0, 8), disk=(8, 8), tag_set=(16, 8), mq_ops=(24, 8), queue_flags=(32, 8),
    limits__logical_block_size=(40, 4), limits__physical_block_size=(44, 4),
    limits__io_min=(48, 4), limits__max_hw_sectors=(52, 4), limits__max_sectors=(56, 4),
    limits__max_segment_size=(60, 4), limits__max_segments=(64, 2),
)  # fmt: skip
BLOCK_DEVICE_OPERATIONS = cstruct(
    "struct block_device_operations", "linux/blkdev.h", 152,
    submit_bio=(0, 8), open=(16, 8), release=(24, 8), ioctl=(40, 8), free_disk=(88, 8),
    owner=(128, 8),
)  # fmt: skip
BIO_VEC = cstruct(
    "struct bio_vec", "linux/bvec.h", 16, bv_page=(0, 8), bv_len=(8, 4), bv_offset=(12, 4)
)
BIO = cstruct(
    "struct bio", "linux/blk_types.h", 96,
    bi_next=(0, 8), bi_bdev=(8, 8), bi_opf=(16, 4), bi_status=(24, 1),
    bi_iter__bi_sector=(32, 8), bi_iter__bi_size=(40, 4), bi_iter__bi_idx=(44, 4),
    bi_iter__bi_bvec_done=(48, 4), bi_end_io=(56, 8), bi_private=(64, 8), bi_vcnt=(72, 2),
    bi_max_vecs=(74, 2), bi_io_vec=(80, 8),
)  # fmt: skip
REQUEST = cstruct(
    "struct request", "linux/blk-mq.h", 144,
    q=(0, 8), mq_hctx=(16, 8), cmd_flags=(24, 4), rq_flags=(28, 4), tag=(32, 4),
    internal_tag=(36, 4), timeout=(40, 4), bio=(56, 8), biotail=(64, 8), queuelist=(72, 16),
    part=(88, 8), start_time_ns=(96, 8), io_start_time_ns=(104, 8), nr_phys_segments=(112, 2),
    state=(116, 4), ref=(120, 4),
)  # fmt: skip
#: __data_len and __sector (the contract cannot spell a leading "__"): after timeout, before bio
OFF_RQ_DATA_LEN = REQUEST.off("timeout") + 4
OFF_RQ_SECTOR = REQUEST.off("bio") - 8
TAG_SET = cstruct(
    "struct blk_mq_tag_set", "linux/blk-mq.h", 152,
    nr_maps=(48, 4), ops=(56, 8), nr_hw_queues=(64, 4), queue_depth=(68, 4),
    reserved_tags=(72, 4), cmd_size=(76, 4), numa_node=(80, 4), timeout=(84, 4), flags=(88, 4),
    driver_data=(96, 8),
)  # fmt: skip
HW_CTX = cstruct(
    "struct blk_mq_hw_ctx", "linux/blk-mq.h", 80,
    dispatch=(8, 16), queue=(48, 8), driver_data=(64, 8), queue_num=(72, 4), numa_node=(76, 4),
)  # fmt: skip
QUEUE_DATA = cstruct("struct blk_mq_queue_data", "linux/blk-mq.h", 16, rq=(0, 8), last=(8, 1))
MQ_OPS = cstruct(
    "struct blk_mq_ops", "linux/blk-mq.h", 144,
    queue_rq=(0, 8), timeout=(56, 8), complete=(72, 8), init_hctx=(80, 8), exit_hctx=(88, 8),
    init_request=(96, 8), exit_request=(104, 8),
)  # fmt: skip

SECTOR = 512
PAGE = 4096
BLKDEV_MAJOR_MAX = 512
BLKDEV_MAJOR_HASH_SIZE = 255
DISK_NAME_LEN = 32
#: one request's largest transfer (BLK_DEF_MAX_SECTORS of 512-byte sectors is 1280; lkmsh: 128 KiB)
MAX_IO_BYTES = 128 << 10
REQ_OP_READ, REQ_OP_WRITE = 0, 1
MQ_RQ_IDLE, MQ_RQ_IN_FLIGHT, MQ_RQ_COMPLETE = 0, 1, 2
BLK_STS_OK, BLK_STS_RESOURCE, BLK_STS_DEV_RESOURCE = 0, 9, 13
#: blk_errors[]: each status's errno and name (block/blk-core.c)
BLK_ERRORS = {
    0: (0, ""), 1: (E.EOPNOTSUPP, "operation not supported"), 2: (E.ETIMEDOUT, "timeout"),
    3: (E.ENOSPC, "critical space allocation"), 4: (E.ENOLINK, "recoverable transport"),
    5: (E.EREMOTEIO, "critical target"), 6: (E.EBADE, "critical nexus"),
    7: (E.ENODATA, "critical medium"), 8: (E.EILSEQ, "protection"),
    9: (E.ENOMEM, "kernel resource"), 10: (E.EIO, "I/O"), 11: (E.EREMCHG, "dm internal retry"),
    12: (E.EAGAIN, "nonblocking retry"), 13: (E.EBUSY, "device resource"),
    14: (E.EBUSY, "zone resource"), 15: (E.ETOOMANYREFS, "open zones exceeded"),
    16: (E.EOVERFLOW, "active zones exceeded"), 17: (E.ENODEV, "device offline"),
}  # fmt: skip
#: how often BLK_STS_RESOURCE may put a request back before the I/O fails
REQUEUE_LIMIT = 1000
REQUEUE_DELAY_NS = 3_000_000


class BlockError(FileError):
    """An I/O that failed: the errno of the driver's blk_status_t."""


@dataclass
class BlkMajor:
    major: int
    name: str
    owner: str | None


@dataclass
class Disk:
    addr: int  # struct gendisk
    owner: str | None
    queue: int  # struct request_queue
    part0: int  # struct block_device
    hctx: int = 0  # the one hardware context (blk-mq disks)
    request: int = 0  # the one request (tag 0), made at the first I/O
    tag_set: int = 0
    name: str = ""  # set by add_disk
    devt: int = 0
    added: bool = False

    @property
    def mq(self) -> bool:
        return bool(self.tag_set)


@dataclass
class _Io:
    """One request or bio in flight: done when the driver ends it."""

    done: bool = False
    status: int = 0


def mkdev(major: int, minor: int) -> int:
    return (major << 20) | minor


class BlockLayer(Component):
    name = "block"

    def __init__(self, kernel: Kernel):
        self.kernel = kernel
        self.majors: list[BlkMajor] = []
        self.disks: list[Disk] = []
        self.tag_sets: dict[int, str | None] = {}  # struct blk_mq_tag_set -> its module
        self.in_flight: dict[int, _Io] = {}  # struct request or bio -> its I/O (never saved)

    # -- majors (block/genhd.c) -----------------------------------------------------------

    def register_major(self, major: int, name: str, owner: str | None) -> tuple[int, str | None]:
        """__register_blkdev: the dynamic major, 0 for a fixed one, or -errno; and the
        line Linux prints when it refuses."""
        used = {m.major for m in self.majors}
        ret = 0
        if major == 0:
            free = [i for i in range(BLKDEV_MAJOR_HASH_SIZE - 1, 0, -1) if i not in used]
            if not free:
                return -E.EBUSY, f"__register_blkdev: failed to get major for {name}"
            major = ret = free[0]
        if major >= BLKDEV_MAJOR_MAX:
            return -E.EINVAL, (
                f"__register_blkdev: major requested ({major}) is greater than the maximum "
                f"({BLKDEV_MAJOR_MAX - 1}) for {name}"
            )
        if major in used:
            return -E.EBUSY, f"register_blkdev: cannot get major {major} for {name}"
        self.majors.append(BlkMajor(major, name[:63], owner))
        return ret, None

    def unregister_major(self, major: int, name: str) -> bool:
        for m in self.majors:
            if m.major == major and m.name == name:
                self.majors.remove(m)
                return True
        return False

    def proc_devices_rows(self) -> str:
        return "".join(
            f"{m.major:3d} {m.name}\n" for m in sorted(self.majors, key=lambda m: m.major)
        )

    # -- disks ---------------------------------------------------------------------------

    def disk_by_addr(self, addr: int) -> Disk | None:
        return next((d for d in self.disks if d.addr == addr), None)

    def disk_by_name(self, name: str) -> Disk | None:
        return next((d for d in self.disks if d.added and d.name == name), None)

    def capacity(self, disk: Disk) -> int:
        return self.kernel.mem.read_u64(disk.part0 + BLOCK_DEVICE.off("bd_nr_sectors"))

    def block_size(self, disk: Disk) -> int:
        size = self.kernel.mem.read_u32(
            disk.queue + REQUEST_QUEUE.off("limits__logical_block_size")
        )
        return size if size in (512, 1024, 2048, 4096) else SECTOR

    def add(self, disk: Disk) -> str | None:
        """device_add_disk: publish the disk; an error text when it cannot be."""
        mem = self.kernel.mem
        raw = mem.read(disk.addr + GENDISK.off("disk_name"), DISK_NAME_LEN)
        name = raw.split(b"\0")[0].decode(errors="replace")
        if not name or "/" in name:
            return "a disk needs a name (disk_name)"
        if self.disk_by_name(name) is not None or self.kernel.vfs.lookup(f"/dev/{name}"):
            return f"/dev/{name} exists"
        major = mem.read_u32(disk.addr + GENDISK.off("major"))
        minor = mem.read_u32(disk.addr + GENDISK.off("first_minor"))
        disk.name, disk.devt, disk.added = name, mkdev(major, minor), True
        mem.write_u32(disk.part0 + BLOCK_DEVICE.off("bd_dev"), disk.devt)
        self._publish(disk)
        return None

    def _publish(self, disk: Disk) -> None:
        vfs, name = self.kernel.vfs, disk.name
        vfs.add(f"/dev/{name}", BlockNode(self, disk.addr), S.S_IFBLK | 0o660, owner=disk.owner,
                rdev=disk.devt)  # fmt: skip
        base = f"/sys/block/{name}"
        files = {
            "size": lambda k: f"{self.capacity(disk)}\n",
            "dev": lambda k: f"{disk.devt >> 20}:{disk.devt & 0xFFFFF}\n",
            "ro": lambda k: f"{k.mem.read_u8(disk.part0 + BLOCK_DEVICE.off('bd_read_only'))}\n",
            "removable": lambda k: f"{k.mem.read_u32(disk.addr + GENDISK.off('flags')) & 1}\n",
            "queue/logical_block_size": lambda k: f"{self.block_size(disk)}\n",
            "queue/hw_sector_size": lambda k: f"{self.block_size(disk)}\n",
            "queue/max_sectors_kb": lambda k: f"{MAX_IO_BYTES >> 10}\n",
        }
        for rel, show in files.items():
            vfs.add(f"{base}/{rel}", TextFile(lambda k, show=show: show(k).encode()), 0o444)

    def delete(self, disk: Disk) -> None:
        """del_gendisk: the disk leaves /dev, /sys/block and /proc/partitions."""
        if not disk.added:
            return
        vfs = self.kernel.vfs
        vfs.remove(f"/dev/{disk.name}")
        for rel in ("size", "dev", "ro", "removable", "queue/logical_block_size",
                    "queue/hw_sector_size", "queue/max_sectors_kb", "queue"):  # fmt: skip
            vfs.remove(f"/sys/block/{disk.name}/{rel}")
        vfs.remove(f"/sys/block/{disk.name}")
        disk.added = False

    def proc_partitions(self) -> str:
        out = ["major minor  #blocks  name\n\n"]
        for d in self.disks:
            if d.added:
                blocks = self.capacity(d) // 2
                out.append(f"{d.devt >> 20:4d}  {d.devt & 0xFFFFF:7d} {blocks:10d} {d.name}\n")
        return "".join(out)

    # -- I/O -----------------------------------------------------------------------------

    def io(self, disk: Disk, write: bool, pos: int, data: bytes | int) -> bytes:
        """Read @data bytes (an int) or write @data at byte @pos, in requests; the bytes read."""
        bs = self.block_size(disk)
        size = len(data) if isinstance(data, bytes) else data
        first, end = pos // bs * bs, -(-(pos + size) // bs) * bs
        if write:
            assert isinstance(data, bytes)
            head = pos - first
            tail = end - (pos + size)
            if head or tail:  # a partial block: read what the write does not cover
                old = self.io(disk, False, first, end - first)
                data = old[:head] + data + old[len(old) - tail :]
        out = []
        at = first
        while at < end:
            n = min(MAX_IO_BYTES, end - at)
            chunk = data[at - first : at - first + n] if isinstance(data, bytes) else n
            out.append(self._one(disk, write, at, chunk))
            at += n
        got = b"".join(out)
        return b"" if write else got[pos - first : pos - first + size]

    def _one(self, disk: Disk, write: bool, pos: int, data: bytes | int) -> bytes:
        k = self.kernel
        mem, heap = k.mem, k.heap
        size = len(data) if isinstance(data, bytes) else data
        buf = heap.alloc(size, KERNEL_OWNER, zero=True)
        segs = []
        at = buf
        while at < buf + size:
            n = min(PAGE - at % PAGE, buf + size - at)
            segs.append((at - at % PAGE, n, at % PAGE))
            at += n
        bio = heap.alloc(BIO.size + BIO_VEC.size * len(segs), KERNEL_OWNER, zero=True)
        if not buf or not bio:
            for a in (buf, bio):
                if a:
                    heap.free(a)
            raise BlockError(f"/dev/{disk.name}: {os.strerror(E.ENOMEM)}", E.ENOMEM)
        try:
            if isinstance(data, bytes):
                mem.write(buf, data)
            self._fill_bio(disk, bio, write, pos // SECTOR, segs)
            status = self._submit(disk, bio, write, pos // SECTOR, size, len(segs))
            if status != BLK_STS_OK:
                errno, what = BLK_ERRORS.get(status, (E.EIO, "I/O"))
                op = "WRITE" if write else "READ"
                k.log.emit(3, f"{what} error, dev {disk.name}, sector {pos // SECTOR} op "
                              f"0x{int(write)}:({op}) flags 0x0 phys_seg {len(segs)} prio class 0")  # fmt: skip
                raise BlockError(f"/dev/{disk.name}: {os.strerror(errno)}", errno)
            return b"" if write else mem.read(buf, size)
        finally:
            heap.free(bio)
            heap.free(buf)

    def _fill_bio(self, disk: Disk, bio: int, write: bool, sector: int, segs: list) -> None:
        mem = self.kernel.mem
        vecs = bio + BIO.size  # bi_inline_vecs[]
        for i, (page, n, off) in enumerate(segs):
            v = vecs + i * BIO_VEC.size
            mem.write_u64(v + BIO_VEC.off("bv_page"), page)
            mem.write_u32(v + BIO_VEC.off("bv_len"), n)
            mem.write_u32(v + BIO_VEC.off("bv_offset"), off)
        mem.write_u64(bio + BIO.off("bi_bdev"), disk.part0)
        mem.write_u32(bio + BIO.off("bi_opf"), REQ_OP_WRITE if write else REQ_OP_READ)
        mem.write_u64(bio + BIO.off("bi_iter__bi_sector"), sector)
        mem.write_u32(bio + BIO.off("bi_iter__bi_size"), sum(n for _, n, _ in segs))
        mem.write_u16(bio + BIO.off("bi_vcnt"), len(segs))
        mem.write_u16(bio + BIO.off("bi_max_vecs"), len(segs))
        mem.write_u32(bio + BIO.off("bi_max_vecs") + 2, 1)  # __bi_cnt
        mem.write_u64(bio + BIO.off("bi_io_vec"), vecs)

    def _submit(self, disk: Disk, bio: int, write: bool, sector: int, size: int, nsegs: int) -> int:
        """Hand the bio to the driver (in a request, or as it is) and wait until it ends."""
        k = self.kernel
        if not disk.mq:
            fops = k.mem.read_u64(disk.addr + GENDISK.off("fops"))
            fn = k.mem.read_u64(fops + BLOCK_DEVICE_OPERATIONS.off("submit_bio")) if fops else 0
            if not fn:
                return 10  # BLK_STS_IOERR: a disk with neither a queue nor submit_bio
            return self._run(bio, lambda: self._call(fn, [bio]) and None)
        rq = self._request(disk)
        mem = k.mem
        mem.write_u32(rq + REQUEST.off("cmd_flags"), REQ_OP_WRITE if write else REQ_OP_READ)
        mem.write_u32(rq + OFF_RQ_DATA_LEN, size)
        mem.write_u64(rq + OFF_RQ_SECTOR, sector)
        mem.write_u64(rq + REQUEST.off("bio"), bio)
        mem.write_u64(rq + REQUEST.off("biotail"), bio)
        mem.write_u16(rq + REQUEST.off("nr_phys_segments"), nsegs)
        mem.write_u64(rq + REQUEST.off("start_time_ns"), k.clock.ns())
        ops = mem.read_u64(disk.tag_set + TAG_SET.off("ops"))
        queue_rq = mem.read_u64(ops + MQ_OPS.off("queue_rq"))
        qd = k.heap.alloc(QUEUE_DATA.size, KERNEL_OWNER, zero=True)
        try:
            mem.write_u64(qd + QUEUE_DATA.off("rq"), rq)
            mem.write_u8(qd + QUEUE_DATA.off("last"), 1)
            for _ in range(REQUEUE_LIMIT):
                mem.write_u32(rq + REQUEST.off("state"), MQ_RQ_IDLE)
                status = self._run(rq, lambda: self._call(queue_rq, [disk.hctx, qd]) & 0xFF)
                if status not in (BLK_STS_RESOURCE, BLK_STS_DEV_RESOURCE):
                    return status
                k.sleep(REQUEUE_DELAY_NS)  # blk_mq_delay_run_hw_queue(hctx, BLK_MQ_RESOURCE_DELAY)
            return 10
        finally:
            mem.write_u64(rq + REQUEST.off("bio"), 0)
            mem.write_u64(rq + REQUEST.off("biotail"), 0)
            k.heap.free(qd)

    def _run(self, obj: int, start: Any) -> int:
        """Start the I/O of @obj (a request or a bio); wait until the driver ends it.

        ``start()`` returns a status to fail with at once (queue_rq's), or None/OK to wait."""
        io = self.in_flight[obj] = _Io()
        try:
            status = start()
            if status not in (None, BLK_STS_OK):
                return status
            if not io.done and not self.kernel.sched.run_until(lambda: io.done):
                self.kernel.log.emit(3, f"block: I/O at {obj:#x} never ended by its driver")
                return 10
            return io.status
        finally:
            self.in_flight.pop(obj, None)

    def end(self, obj: int, status: int) -> bool:
        """blk_mq_end_request / bio_endio: the driver finished @obj; False when nothing waits."""
        io = self.in_flight.get(obj)
        if io is None or io.done:
            return False
        io.done, io.status = True, status & 0xFF
        return True

    def _request(self, disk: Disk) -> int:
        """The disk's request (tag 0), made and given to ->init_request at its first I/O."""
        if disk.request:
            return disk.request
        k = self.kernel
        cmd_size = k.mem.read_u32(disk.tag_set + TAG_SET.off("cmd_size"))
        rq = k.heap.alloc(REQUEST.size + min(cmd_size, 1 << 16), KERNEL_OWNER, zero=True)
        if not rq:
            raise BlockError(f"/dev/{disk.name}: {os.strerror(E.ENOMEM)}", E.ENOMEM)
        mem = k.mem
        mem.write_u64(rq + REQUEST.off("q"), disk.queue)
        mem.write_u64(rq + REQUEST.off("mq_hctx"), disk.hctx)
        mem.write_u32(rq + REQUEST.off("internal_tag"), 0xFFFFFFFF)
        mem.write_u64(rq + REQUEST.off("part"), disk.part0)
        q = rq + REQUEST.off("queuelist")
        mem.write_u64(q, q)
        mem.write_u64(q + 8, q)
        disk.request = rq
        ops = mem.read_u64(disk.tag_set + TAG_SET.off("ops"))
        init = mem.read_u64(ops + MQ_OPS.off("init_request"))
        if init:
            node = mem.read_u32(disk.tag_set + TAG_SET.off("numa_node"))
            self._call(init, [disk.tag_set, rq, 0, node])
        return rq

    def _call(self, fn: int, args: list[int]) -> int:
        from lkmsh.kernel.sysfs import call_module_code

        return call_module_code(self.kernel, fn, args)

    def release_disk(self, disk: Disk) -> None:
        """put_disk's end: the request (after ->exit_request) and the kernel's objects."""
        k = self.kernel
        if disk.request:
            ops = k.mem.read_u64(disk.tag_set + TAG_SET.off("ops")) if disk.tag_set else 0
            fn = k.mem.read_u64(ops + MQ_OPS.off("exit_request")) if ops else 0
            if fn and k.module_find(disk.owner or "") is not None:
                self._call(fn, [disk.tag_set, disk.request, 0])
            k.heap.free(disk.request)
            disk.request = 0
        if disk in self.disks:
            self.disks.remove(disk)

    # -- component ------------------------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        return {
            "majors": [asdict(m) for m in self.majors],
            "disks": [asdict(d) for d in self.disks],
            "tag_sets": [[a, o] for a, o in self.tag_sets.items()],
        }

    def load_data(self, data: dict[str, Any] | None) -> None:
        data = data or {}
        self.majors = [typed(BlkMajor, m, "block major") for m in data.get("majors", [])]
        self.tag_sets = {}
        for addr, owner in data.get("tag_sets", []):
            if not isinstance(addr, int) or not isinstance(owner, (str, type(None))):
                raise ValueError("bad block tag set record")
            self.tag_sets[addr] = owner
        for item in data.get("disks", []):
            disk = typed(Disk, item, "disk")
            self.disks.append(disk)
            if disk.added:
                self._publish(disk)

    def module_going(self, module: Any) -> list[Report]:
        out: list[Report] = []
        name = module.name
        for d in [d for d in self.disks if d.owner == name]:
            if d.added:
                out.append((4, f"{name}: removing disk {d.name} it did not del_gendisk"))
                self.delete(d)
            self.release_disk(d)
        for m in [m for m in self.majors if m.owner == name]:
            out.append((4, f"{name}: unregistering block major {m.major} ({m.name}) it left"))
            self.majors.remove(m)
        for addr in [a for a, o in self.tag_sets.items() if o == name]:
            del self.tag_sets[addr]
        return out


class BlockNode(FileOps):
    """/dev/NAME of a disk: open and release call the driver's fops; read and write
    become requests (see the module docstring)."""

    runs_module_code = True

    def __init__(self, layer: BlockLayer, disk_addr: int):
        self.layer = layer
        self.disk_addr = disk_addr

    def _disk(self, file: File) -> Disk:
        disk = self.layer.disk_by_addr(self.disk_addr)
        if disk is None or not disk.added:
            raise FileError(f"{file.path}: {os.strerror(E.ENXIO)}", E.ENXIO)
        return disk

    def _fop(self, kernel: Kernel, disk: Disk, member: str) -> int:
        fops = kernel.mem.read_u64(disk.addr + GENDISK.off("fops"))
        return kernel.mem.read_u64(fops + BLOCK_DEVICE_OPERATIONS.off(member)) if fops else 0

    def _owner(self, kernel: Kernel, disk: Disk) -> Any:
        fops = kernel.mem.read_u64(disk.addr + GENDISK.off("fops"))
        owner = kernel.mem.read_u64(fops + BLOCK_DEVICE_OPERATIONS.off("owner")) if fops else 0
        return kernel.module_by_struct(owner) if owner else None

    def open(self, kernel: Kernel, file: File) -> None:
        disk = self._disk(file)
        owner = self._owner(kernel, disk)
        if owner is not None and not kernel.module_get(owner):
            raise FileError(f"{file.path}: {os.strerror(E.ENXIO)}", E.ENXIO)
        fn = self._fop(kernel, disk, "open")
        mode = (1 if file.readable else 0) | (2 if file.writable else 0)  # FMODE_READ/WRITE
        if fn:
            from lkmsh.kernel.callctx import to_signed

            ret = to_signed(self.layer._call(fn, [disk.part0, mode]), 32)
            if ret:
                if owner is not None:
                    kernel.module_put(owner)
                raise FileError(f"{file.path}: {os.strerror(-ret)}", -ret)
        openers = disk.part0 + BLOCK_DEVICE.off("bd_openers")
        kernel.mem.write_u32(openers, kernel.mem.read_u32(openers) + 1)
        file.private = (mode, owner.name if owner is not None else None)

    def release(self, kernel: Kernel, file: File) -> None:
        mode, owner = file.private or (0, None)
        disk = self.layer.disk_by_addr(self.disk_addr)
        if disk is not None:
            openers = disk.part0 + BLOCK_DEVICE.off("bd_openers")
            kernel.mem.write_u32(openers, max(0, kernel.mem.read_u32(openers) - 1))
            fn = self._fop(kernel, disk, "release")
            if fn and disk.added:
                self.layer._call(fn, [disk.addr, mode])
        if owner is not None and kernel.module_find(owner) is not None:
            kernel.module_put(owner)

    def read(self, kernel: Kernel, file: File, count: int) -> bytes:
        disk = self._disk(file)
        size = self.layer.capacity(disk) * SECTOR
        n = max(0, min(count, size - file.pos))
        if not n:
            return b""
        data = self.layer.io(disk, False, file.pos, n)
        file.pos += len(data)
        return data

    def write(self, kernel: Kernel, file: File, data: bytes) -> int:
        disk = self._disk(file)
        if kernel.mem.read_u8(disk.part0 + BLOCK_DEVICE.off("bd_read_only")):
            raise FileError(f"{file.path}: {os.strerror(E.EPERM)}", E.EPERM)
        size = self.layer.capacity(disk) * SECTOR
        if file.pos >= size:  # blkdev_write_iter
            raise FileError(f"{file.path}: {os.strerror(E.ENOSPC)}", E.ENOSPC)
        data = data[: size - file.pos]
        self.layer.io(disk, True, file.pos, data)
        file.pos += len(data)
        return len(data)

    def llseek(self, kernel: Kernel, file: File, offset: int, whence: int) -> int:
        disk = self._disk(file)
        return default_llseek(file, offset, whence, self.layer.capacity(disk) * SECTOR)
