"""Files whose operations are module code: char devices, proc_ops files, debugfs files.

Opening one builds what the driver sees, as Linux's do_dentry_open does: a
kernel ``struct file`` with its ``struct dentry`` and ``struct inode`` (one
kernel object, freed at release), takes the module references Linux takes
(the cdev's owner, ``fops->owner``), and calls ``->open(inode, file)``.
read/write/llseek/ioctl/poll/release then call the table's functions with a
user buffer (uaccess.py) and the file's position, as ksys_read and friends
do: ``f_pos`` is copied to a ``loff_t`` whose address the driver gets (NULL
for a stream), and copied back after a successful call.

Every call into module code goes through ``ModuleFile.invoke``: the one
place a blocking read will park its task once tasks exist.
"""

from __future__ import annotations

import errno as E
import os
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lkmsh.kernel.callctx import to_signed
from lkmsh.kernel.debugfs import DebugEntry, register_kind
from lkmsh.kernel.fsstructs import (
    DNAME_INLINE_LEN,
    FMODE_CAN_READ,
    FMODE_CAN_WRITE,
    FMODE_LSEEK,
    FMODE_OPENED,
    FMODE_PREAD,
    FMODE_PWRITE,
    FMODE_READ,
    FMODE_STREAM,
    FMODE_WRITE,
    O_APPEND,
    O_NONBLOCK,
    O_RDWR,
    O_TRUNC,
    O_WRONLY,
    CdevOff,
    DentryOff,
    FileOff,
    Fop,
    InodeOff,
    MiscOff,
    ProcOp,
)
from lkmsh.kernel.fsstructs import minor as MINOR
from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.stacktrace import KernelPath
from lkmsh.kernel.vfs import File, FileError, FileOps

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kernel.module import Module
    from lkmsh.kernel.procfs import ProcEntry

DENTRY_AT = FileOff.SIZE
INODE_AT = DENTRY_AT + DentryOff.SIZE
PPOS_AT = INODE_AT + InodeOff.SIZE
NAME_AT = PPOS_AT + 8
NAME_MAX = 255
FILE_OBJECT_SIZE = NAME_AT + NAME_MAX + 1
#: what a file without ->poll reports (DEFAULT_POLLMASK)
DEFAULT_POLLMASK = 0x145
ERESTARTSYS = 512
ENOIOCTLCMD = 515
MAX_RW_COUNT = 0x7FFFF000


def fail(code: int, path: str) -> FileError:
    if code in (ERESTARTSYS, 513, 514, 516):  # the restart codes reach user space as EINTR
        code = E.EINTR
    try:
        text = os.strerror(code) if 0 < code < 4096 else f"error {code}"
    except ValueError:
        text = f"error {code}"
    return FileError(f"{path}: {text}", code)


def linux_flags(flags: int) -> int:
    """Python's os.O_* flags as Linux's f_flags values (the host may number them otherwise)."""
    acc = flags & os.O_ACCMODE
    out = O_WRONLY if acc == os.O_WRONLY else O_RDWR if acc == os.O_RDWR else 0
    if flags & os.O_APPEND:
        out |= O_APPEND
    if flags & os.O_NONBLOCK:
        out |= O_NONBLOCK
    if flags & os.O_TRUNC:
        out |= O_TRUNC
    return out


def module_at(kernel: Kernel, addr: int) -> Module | None:
    """The loaded module whose memory holds ``addr``."""
    for m in kernel.module_list_all():
        if m.contains(addr):
            return m
    return None


@dataclass
class KFile:
    """What an open module file holds besides the Python ``File``."""

    obj: int  # struct file; the dentry, inode, a loff_t and the name follow it
    table: int  # the file_operations (or proc_ops) in use
    owner: Module | None  # whose code the operations run
    refs: list[str] = field(default_factory=list)  # module references to put at release

    @property
    def inode(self) -> int:
        return self.obj + INODE_AT

    @property
    def ppos(self) -> int:
        return self.obj + PPOS_AT


@dataclass(frozen=True)
class Opening:
    """What the kind of file decided at open: the table, references, private data."""

    table: int
    refs: list[str]
    private: int = 0
    cdev: int = 0


class ModuleFile(FileOps):
    """A file whose operations are a module's ``struct file_operations``.

    Subclasses decide at open which table answers (``opening``); ``proc``
    files call a ``struct proc_ops`` instead, which has its own layout.
    """

    runs_module_code = True
    proc = False

    def __init__(self, data: int = 0, size: int = 0):
        self.data = data  # inode->i_private
        self.size = size  # inode->i_size

    # -- what subclasses decide -------------------------------------------------

    def opening(self, kernel: Kernel, file: File) -> Opening:
        raise fail(E.ENXIO, file.path)

    def member(self, kernel: Kernel, kf: KFile, name: str) -> int:
        """The function pointer ``name`` of the file's operations (0 if unset)."""
        if self.proc:
            return kernel.mem.read_u64(kf.table + ProcOp[f"proc_{name}"])
        fop = kernel.mem.read_u64(kf.obj + FileOff.f_op)
        return kernel.mem.read_u64(fop + Fop[name]) if fop else 0

    # -- calling module code ------------------------------------------------------

    def invoke(self, kernel: Kernel, kf: KFile, fn: int, args: list[int], path: KernelPath) -> int:
        """Run one file operation of the module; its raw 64-bit result."""
        owner = module_at(kernel, fn) or kf.owner
        with kernel.running(owner):
            return kernel.call(fn, args, path=path)

    @staticmethod
    def _kf(file: File) -> KFile:
        kf = file.private
        if not isinstance(kf, KFile):
            raise fail(E.EBADF, file.path)
        return kf

    # -- open and release -------------------------------------------------------------

    def open(self, kernel: Kernel, file: File) -> None:
        how = self.opening(kernel, file)
        obj = kernel.heap.alloc(FILE_OBJECT_SIZE, KERNEL_OWNER, 0, zero=True, managed=True)
        if not obj:
            self._put(kernel, how.refs)
            raise fail(E.ENOMEM, file.path)
        kf = KFile(obj, how.table, module_at(kernel, how.table), list(how.refs))
        self._fill(kernel, file, kf, how)
        file.private = kf
        fn = self.member(kernel, kf, "open")
        if fn:
            try:
                ret = to_signed(
                    self.invoke(kernel, kf, fn, [kf.inode, obj], KernelPath.FILE_OPEN), 32
                )
            except BaseException:
                self._teardown(kernel, kf)
                raise
            if ret:
                self._teardown(kernel, kf)
                raise fail(-ret, file.path)
        mem = kernel.mem
        mode = mem.read_u32(obj + FileOff.f_mode)
        if self.proc or self.member(kernel, kf, "read"):
            mode |= FMODE_CAN_READ if mode & FMODE_READ else 0
        if self.proc or self.member(kernel, kf, "write"):
            mode |= FMODE_CAN_WRITE if mode & FMODE_WRITE else 0
        mem.write_u32(obj + FileOff.f_mode, mode | FMODE_OPENED)

    def _fill(self, kernel: Kernel, file: File, kf: KFile, how: Opening) -> None:
        mem, obj = kernel.mem, kf.obj
        dentry, inode = obj + DENTRY_AT, obj + INODE_AT
        flags = linux_flags(file.flags)
        mode = FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE
        mode |= FMODE_READ if file.readable else 0
        mode |= FMODE_WRITE if file.writable else 0
        mem.write_u64(obj + FileOff.f_path_dentry, dentry)
        mem.write_u64(obj + FileOff.f_inode, inode)
        mem.write_u64(obj + FileOff.f_op, 0 if self.proc else how.table)
        mem.write_u64(obj + FileOff.f_count, 1)
        mem.write_u32(obj + FileOff.f_flags, flags)
        mem.write_u32(obj + FileOff.f_mode, mode)
        mem.write_u64(obj + FileOff.private_data, how.private)
        name = file.path.rsplit("/", 1)[-1].encode()[:NAME_MAX]
        mem.write(obj + NAME_AT, name + b"\0")
        name_at = dentry + DentryOff.d_iname if len(name) < DNAME_INLINE_LEN else obj + NAME_AT
        if name_at != obj + NAME_AT:
            mem.write(name_at, name + b"\0")
        mem.write_u64(dentry + DentryOff.d_parent, dentry)
        mem.write_u32(dentry + DentryOff.d_name_hash, zlib.crc32(name))
        mem.write_u32(dentry + DentryOff.d_name_len, len(name))
        mem.write_u64(dentry + DentryOff.d_name_name, name_at)
        mem.write_u64(dentry + DentryOff.d_inode, inode)
        node = file.inode
        mem.write_u16(inode + InodeOff.i_mode, node.mode & 0xFFFF)
        mem.write_u64(inode + InodeOff.i_ino, zlib.crc32(file.path.encode()) | 1)
        mem.write_u32(inode + InodeOff.i_nlink, 1)
        mem.write_u32(inode + InodeOff.i_rdev, node.rdev)
        mem.write_u64(inode + InodeOff.i_size, self.size)
        mem.write_u32(inode + InodeOff.i_count, 1)
        mem.write_u64(inode + InodeOff.i_fop, how.table)
        mem.write_u64(inode + InodeOff.i_cdev, how.cdev)
        mem.write_u64(inode + InodeOff.i_private, self.data)

    def release(self, kernel: Kernel, file: File) -> None:
        kf = file.private
        if not isinstance(kf, KFile):
            return
        try:
            fn = self.member(kernel, kf, "release")
            if fn:
                self.invoke(kernel, kf, fn, [kf.inode, kf.obj], KernelPath.FILE_RELEASE)
        finally:
            self._teardown(kernel, kf)
            file.private = None

    def _teardown(self, kernel: Kernel, kf: KFile) -> None:
        self._put(kernel, kf.refs)
        kf.refs = []
        if kernel.heap.lookup(kf.obj) is not None:
            kernel.heap.free(kf.obj)

    @staticmethod
    def _put(kernel: Kernel, refs: list[str]) -> None:
        for name in refs:
            if kernel.module_find(name) is not None:
                kernel.module_put(name)

    # -- read, write, seek --------------------------------------------------------------

    def _mode(self, kernel: Kernel, kf: KFile) -> int:
        return kernel.mem.read_u32(kf.obj + FileOff.f_mode)

    def _ppos(self, kernel: Kernel, kf: KFile) -> int:
        """The loff_t the driver gets (0, NULL, for a stream: it has no position)."""
        if self._mode(kernel, kf) & FMODE_STREAM:
            return 0
        kernel.mem.write_u64(kf.ppos, kernel.mem.read_u64(kf.obj + FileOff.f_pos))
        return kf.ppos

    def _settle(self, kernel: Kernel, kf: KFile, file: File, ppos: int) -> None:
        if ppos:
            kernel.mem.write_u64(kf.obj + FileOff.f_pos, kernel.mem.read_u64(ppos))
        file.pos = to_signed(kernel.mem.read_u64(kf.obj + FileOff.f_pos))

    def read(self, kernel: Kernel, file: File, count: int) -> bytes:
        kf = self._kf(file)
        if not self._mode(kernel, kf) & FMODE_CAN_READ:
            raise fail(E.EINVAL, file.path)
        fn = self.member(kernel, kf, "read")
        if not fn:
            raise fail(E.EIO if self.proc else E.EINVAL, file.path)
        count = min(count, MAX_RW_COUNT)
        if count == 0:
            return b""
        with kernel.user.buffer(count) as ubuf:
            ppos = self._ppos(kernel, kf)
            ret = to_signed(
                self.invoke(kernel, kf, fn, [kf.obj, ubuf, count, ppos], KernelPath.FILE_READ)
            )
            if ret < 0:
                raise fail(-ret, file.path)
            data = kernel.mem.read(ubuf, min(ret, count))
            self._settle(kernel, kf, file, ppos)
        return data

    def write(self, kernel: Kernel, file: File, data: bytes) -> int:
        kf = self._kf(file)
        if not self._mode(kernel, kf) & FMODE_CAN_WRITE:
            raise fail(E.EINVAL, file.path)
        fn = self.member(kernel, kf, "write")
        if not fn:
            raise fail(E.EIO if self.proc else E.EINVAL, file.path)
        data = data[:MAX_RW_COUNT]
        if not data:
            return 0
        with kernel.user.buffer(len(data), data) as ubuf:
            ppos = self._ppos(kernel, kf)
            ret = to_signed(
                self.invoke(kernel, kf, fn, [kf.obj, ubuf, len(data), ppos], KernelPath.FILE_WRITE)
            )
            if ret < 0:
                raise fail(-ret, file.path)
            self._settle(kernel, kf, file, ppos)
        return min(ret, len(data))

    def llseek(self, kernel: Kernel, file: File, offset: int, whence: int) -> int:
        kf = self._kf(file)
        if not self._mode(kernel, kf) & FMODE_LSEEK:
            raise fail(E.ESPIPE, file.path)
        fn = self.member(kernel, kf, "lseek" if self.proc else "llseek")
        if not fn:
            if not self.proc:
                raise fail(E.ESPIPE, file.path)  # no_llseek
            fn = kernel.symbol_address("default_llseek") or 0
        ret = to_signed(
            self.invoke(
                kernel, kf, fn, [kf.obj, offset & (1 << 64) - 1, whence], KernelPath.FILE_LSEEK
            )
        )
        if ret < 0:
            raise fail(-ret, file.path)
        file.pos = to_signed(kernel.mem.read_u64(kf.obj + FileOff.f_pos))
        return ret

    def ioctl(self, kernel: Kernel, file: File, cmd: int, arg: int, compat: bool = False) -> int:
        kf = self._kf(file)
        fn = self.member(
            kernel, kf, "compat_ioctl" if compat else ("ioctl" if self.proc else "unlocked_ioctl")
        )
        if not fn:
            raise fail(E.ENOTTY, file.path)
        ret = to_signed(
            self.invoke(kernel, kf, fn, [kf.obj, cmd & 0xFFFFFFFF, arg], KernelPath.FILE_IOCTL)
        )
        if ret == -ENOIOCTLCMD:
            ret = -E.ENOTTY
        if ret < 0:
            raise fail(-ret, file.path)
        return ret

    def poll(self, kernel: Kernel, file: File) -> int:
        kf = self._kf(file)
        fn = self.member(kernel, kf, "poll")
        if not fn:
            return DEFAULT_POLLMASK
        return self.invoke(kernel, kf, fn, [kf.obj, 0], KernelPath.FILE_READ) & 0xFFFFFFFF


class ChrdevNode(ModuleFile):
    """A character device node (/dev/NAME): chrdev_open, and misc_open for major 10."""

    def __init__(self, devt: int):
        super().__init__()
        self.devt = devt

    def opening(self, kernel: Kernel, file: File) -> Opening:
        chrdev = kernel.chrdev
        entry = chrdev.cdev_for(self.devt)
        if entry is None:
            raise fail(E.ENXIO, file.path)
        mem = kernel.mem
        refs: list[str] = []
        if entry.addr == 0:  # the misc layer (drivers/char/misc.c)
            misc = chrdev.misc_by_minor(MINOR(self.devt))
            fops = mem.read_u64(misc.addr + MiscOff.fops) if misc is not None else 0
            if not fops or not self._get(kernel, mem.read_u64(fops + Fop.owner), refs):
                raise fail(E.ENODEV, file.path)
            assert misc is not None
            return Opening(fops, refs, private=misc.addr)
        # cdev_get: the cdev's owner, then fops_get: the operations' owner
        if not self._get(kernel, mem.read_u64(entry.addr + CdevOff.owner), refs):
            raise fail(E.ENXIO, file.path)
        fops = mem.read_u64(entry.addr + CdevOff.ops)
        if not fops or not self._get(kernel, mem.read_u64(fops + Fop.owner), refs):
            self._put(kernel, refs)
            raise fail(E.ENXIO, file.path)
        return Opening(fops, refs, cdev=entry.addr)

    @staticmethod
    def _get(kernel: Kernel, owner: int, refs: list[str]) -> bool:
        """try_module_get(owner), remembering the reference; NULL (built-in) always works."""
        if not owner:
            return True
        module = kernel.module_by_struct(owner)
        if module is None or not kernel.module_get(module):
            return False
        refs.append(module.name)
        return True


class FopsFile(ModuleFile):
    """A file with a module's file_operations of its own (debugfs_create_file)."""

    def __init__(self, fops: int, data: int = 0, size: int = 0):
        super().__init__(data, size)
        self.fops = fops

    def opening(self, kernel: Kernel, file: File) -> Opening:
        refs: list[str] = []
        if not ChrdevNode._get(kernel, kernel.mem.read_u64(self.fops + Fop.owner), refs):
            raise fail(E.ENOENT, file.path)
        return Opening(self.fops, refs)


class ProcEntryFile(ModuleFile):
    """A /proc file made with proc_create (its struct proc_ops) or proc_create_seq.

    As Linux's proc_reg_* wrappers: no module references (removing the entry
    is what ends its use: an open file then reads -EIO), no ->proc_read or
    ->proc_write is -EIO, no ->proc_lseek is default_llseek. A proc_create_seq
    file is the kernel's seq_open/seq_read/seq_lseek/seq_release over the
    module's seq_operations.
    """

    proc = True
    _SEQ_FUNCS = {"read": "seq_read", "lseek": "seq_lseek"}

    def __init__(self, entry: ProcEntry):
        super().__init__()
        self.entry = entry

    def opening(self, kernel: Kernel, file: File) -> Opening:
        self.data, self.size = self.entry.data, self.entry.size
        return Opening(self.entry.proc_ops, [])

    def member(self, kernel: Kernel, kf: KFile, name: str) -> int:
        if kernel.procfs.lookup(self.entry.path) is not self.entry:
            if name == "release":  # the module's code may be gone with its entry
                return 0
            raise fail(E.EIO, f"/proc/{self.entry.path}")
        if self.entry.proc_ops:
            return super().member(kernel, kf, name)
        if name == "release":
            name = "seq_release_private" if self.entry.state_size else "seq_release"
            return kernel.symbol_address(name) or 0
        return kernel.symbol_address(self._SEQ_FUNCS.get(name, "")) or 0

    def open(self, kernel: Kernel, file: File) -> None:
        super().open(kernel, file)
        if self.entry.seq_ops:  # proc_seq_open
            from lkmsh.kernel.seqfile import seq_alloc

            kf = self._kf(file)
            private = 0
            if self.entry.state_size:
                private = kernel.heap.alloc(
                    self.entry.state_size, KERNEL_OWNER, 0, zero=True, managed=True
                )
            m = seq_alloc(kernel, self.entry.seq_ops, kf.obj, private)
            if not m:
                self.release(kernel, file)
                raise fail(E.ENOMEM, file.path)
            kernel.mem.write_u64(kf.obj + FileOff.private_data, m)


def _debugfs_fops(fs: object, entry: DebugEntry) -> FileOps:
    return FopsFile(entry.value, entry.data, entry.extra)


register_kind("fops", _debugfs_fops)  # debugfs_create_file's files
