"""Offsets of the structures drivers share with the kernel's file layer.

They are the layouts lkmsh's headers declare (include/linux/fs.h, cdev.h,
device.h, miscdevice.h, proc_fs.h, seq_file.h; LP64 on both architectures).
Each is also declared as a ``CStruct`` (cstructs.py), so the C contract test
compiles every offset here against ``offsetof`` in those headers.
"""

from __future__ import annotations

from enum import IntEnum

from lkmsh.kernel.cstructs import STRUCTS, CField, CStruct, cstruct


class FileOff(IntEnum):
    """struct file"""

    f_path_mnt = 16
    f_path_dentry = 24
    f_inode = 32
    f_op = 40
    f_count = 56
    f_flags = 64
    f_mode = 68
    f_pos = 88
    private_data = 184
    f_mapping = 200
    SIZE = 216


class DentryOff(IntEnum):
    """struct dentry"""

    d_parent = 24
    d_name_hash = 32
    d_name_len = 36
    d_name_name = 40
    d_inode = 48
    d_iname = 56
    SIZE = 104


DNAME_INLINE_LEN = 32


class InodeOff(IntEnum):
    """struct inode"""

    i_mode = 0
    i_uid = 4
    i_gid = 8
    i_sb = 40
    i_mapping = 48
    i_ino = 64
    i_nlink = 72
    i_rdev = 76
    i_size = 80
    i_count = 168
    i_fop = 176
    i_cdev = 200
    i_private = 216
    i_rwsem = 224  # lkmsh keeps it last (Linux: after i_state)
    SIZE = 264


class Fop(IntEnum):
    """struct file_operations (8-byte members in 6.1's order)"""

    owner = 0
    llseek = 8
    read = 16
    write = 24
    poll = 72
    unlocked_ioctl = 80
    compat_ioctl = 88
    open = 112
    flush = 120
    release = 128
    SIZE = 272


class ProcOp(IntEnum):
    """struct proc_ops"""

    proc_flags = 0
    proc_open = 8
    proc_read = 16
    proc_write = 32
    proc_lseek = 40
    proc_release = 48
    proc_poll = 56
    proc_ioctl = 64
    proc_compat_ioctl = 72
    SIZE = 96


class CdevOff(IntEnum):
    """struct cdev (after its 64-byte struct kobject)"""

    kobj_name = 0
    owner = 64
    ops = 72
    list = 80
    dev = 96
    count = 100
    SIZE = 104


class DeviceOff(IntEnum):
    """struct device"""

    kobj_name = 0
    parent = 64
    init_name = 80
    bus = 96
    driver = 104
    driver_data = 120
    devt = 128
    cls = 136
    platform_data = 112
    release = 152
    of_node = 160
    fwnode = 168
    SIZE = 176


class ClassOff(IntEnum):
    """struct class"""

    name = 0
    owner = 8
    devnode = 48
    SIZE = 120


class MiscOff(IntEnum):
    """struct miscdevice"""

    minor = 0
    name = 8
    fops = 16
    list = 24
    parent = 40
    this_device = 48
    groups = 56
    nodename = 64
    mode = 72
    SIZE = 80


class SeqOff(IntEnum):
    """struct seq_file"""

    buf = 0
    size_ = 8
    from_ = 16
    count = 24
    index = 40
    read_pos = 48
    op = 72
    file = 88
    private = 96
    SIZE = 104


class SeqOp(IntEnum):
    """struct seq_operations"""

    start = 0
    stop = 8
    next = 16
    show = 24
    SIZE = 32


# file->f_mode bits (include/linux/fs.h)
FMODE_READ = 0x1
FMODE_WRITE = 0x2
FMODE_LSEEK = 0x4
FMODE_PREAD = 0x8
FMODE_PWRITE = 0x10
FMODE_ATOMIC_POS = 0x8000
FMODE_CAN_READ = 0x20000
FMODE_CAN_WRITE = 0x40000
FMODE_OPENED = 0x80000
FMODE_STREAM = 0x200000

# open(2) flags as file->f_flags holds them (asm-generic/fcntl.h)
O_WRONLY = 0o1
O_RDWR = 0o2
O_TRUNC = 0o1000
O_APPEND = 0o2000
O_NONBLOCK = 0o4000

MINORBITS = 20
MINORMASK = (1 << MINORBITS) - 1


def mkdev(major: int, minor: int) -> int:
    return ((major & 0xFFF) << MINORBITS) | (minor & MINORMASK)


def major(dev: int) -> int:
    return (dev >> MINORBITS) & 0xFFF


def minor(dev: int) -> int:
    return dev & MINORMASK


def _declare(
    enum: type[IntEnum], ctype: str, header: str, sizes: dict[str, int], names: dict[str, str]
) -> None:
    """Declare ``enum``'s offsets for the C contract (fields are 8 bytes unless said)."""
    fields = tuple(
        CField(names.get(m.name, m.name), m.value, sizes.get(m.name, 8))
        for m in enum
        if m.name != "SIZE"
    )
    STRUCTS.append(CStruct(ctype, header, enum.__members__["SIZE"].value, fields))


_declare(
    FileOff,
    "struct file",
    "linux/fs.h",
    {"f_flags": 4, "f_mode": 4},
    {"f_path_mnt": "f_path__mnt", "f_path_dentry": "f_path__dentry"},
)
_declare(
    DentryOff,
    "struct dentry",
    "linux/fs.h",
    {"d_name_hash": 4, "d_name_len": 4, "d_iname": 32},
    {"d_name_hash": "d_name__hash", "d_name_len": "d_name__len", "d_name_name": "d_name__name"},
)
_declare(
    InodeOff,
    "struct inode",
    "linux/fs.h",
    {"i_mode": 2, "i_uid": 4, "i_gid": 4, "i_nlink": 4, "i_rdev": 4, "i_count": 4, "i_rwsem": 40},
    {},
)
_declare(Fop, "struct file_operations", "linux/fs.h", {}, {})
_declare(
    CdevOff,
    "struct cdev",
    "linux/cdev.h",
    {"list": 16, "dev": 4, "count": 4},
    {"kobj_name": "kobj__name"},
)
_declare(
    DeviceOff,
    "struct device",
    "linux/device.h",
    {"devt": 4},
    {"kobj_name": "kobj__name", "cls": "class"},
)
_declare(ClassOff, "struct class", "linux/device.h", {}, {})
_declare(
    MiscOff, "struct miscdevice", "linux/miscdevice.h", {"minor": 4, "list": 16, "mode": 2}, {}
)
_declare(ProcOp, "struct proc_ops", "linux/proc_fs.h", {"proc_flags": 4}, {})
_declare(SeqOff, "struct seq_file", "linux/seq_file.h", {}, {"from_": "from", "size_": "size"})
_declare(SeqOp, "struct seq_operations", "linux/seq_file.h", {}, {})

#: fs/filesystems.c's filesystem types (get_fs_type)
FS_TYPE = cstruct(
    "struct file_system_type",
    "linux/fs.h",
    88,  # its lock_class_keys are a byte each here (lkmsh's lock checker tells them apart)
    name=(0, 8),
    fs_flags=(8, 4),
    owner=(48, 8),
    next=(56, 8),
)
