"""sysfs: kobjects as directories of /sys, attributes as files whose show/store run module code.

The kobjects themselves live in module (or kernel heap) memory with Linux's
layout (kapi/sysfs.py reads and writes them); this component keeps which of
them are in sysfs, where, and which attribute files they have, and publishes
them in the file tree (vfs.py). Reading a file calls the kobject's
``ktype->sysfs_ops->show(kobj, attr, buf)`` with a zeroed, page-aligned kernel
buffer of PAGE_SIZE bytes once per open, as sysfs's seq_file does; a write
calls ``store(kobj, attr, buf, count)`` with the written bytes
(NUL-terminated, at most PAGE_SIZE: more is -E2BIG) and its return value is
what write(2) returns. For ``kobj_sysfs_ops`` (kobject_create_and_add's
ktype) the ``struct kobj_attribute``'s own show/store are called directly,
which is what the kernel's kobj_attr_show does.

The roots (``kernel_kobj``, ``mm_kobj``, ...) are kernel objects at fixed
addresses in kernel data (``__sysfs_root_kobjects``); they are never freed.
"""

from __future__ import annotations

import errno as E
import os
import stat as S
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from lkmsh.kernel.callctx import to_signed
from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.cstructs import cstruct
from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.layout import PAGE_SIZE
from lkmsh.kernel.snapshot import typed
from lkmsh.kernel.vfs import File, FileError, FileOps, Vfs, default_llseek

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel

KOBJECT = cstruct(
    "struct kobject",
    "linux/kobject.h",
    64,
    name=(0, 8),
    entry=(8, 16),
    parent=(24, 8),
    kset=(32, 8),
    ktype=(40, 8),
    sd=(48, 8),
    kref=(56, 4),
)
KOBJ_TYPE = cstruct(
    "struct kobj_type",
    "linux/kobject.h",
    48,
    release=(0, 8),
    sysfs_ops=(8, 8),
    default_groups=(16, 8),
)
KSET = cstruct(
    "struct kset",
    "linux/kobject.h",
    96,
    list=(0, 16),
    list_lock=(16, 8),
    kobj=(24, 64),
    uevent_ops=(88, 8),
)
ATTRIBUTE = cstruct("struct attribute", "linux/sysfs.h", 16, name=(0, 8), mode=(8, 2))
KOBJ_ATTRIBUTE = cstruct(
    "struct kobj_attribute", "linux/kobject.h", 32, attr=(0, 16), show=(16, 8), store=(24, 8)
)
BIN_ATTRIBUTE = cstruct(
    "struct bin_attribute",
    "linux/sysfs.h",
    64,
    attr=(0, 16),
    private=(24, 8),
    read=(40, 8),
    write=(48, 8),
)
ATTRIBUTE_GROUP = cstruct(
    "struct attribute_group",
    "linux/sysfs.h",
    40,
    name=(0, 8),
    is_visible=(8, 8),
    is_bin_visible=(16, 8),
    attrs=(24, 8),
    bin_attrs=(32, 8),
)
SYSFS_OPS = cstruct("struct sysfs_ops", "linux/sysfs.h", 16, show=(0, 8), store=(8, 8))

KOBJ_NAME = KOBJECT.off("name")
KOBJ_PARENT = KOBJECT.off("parent")
KOBJ_KSET = KOBJECT.off("kset")
KOBJ_KTYPE = KOBJECT.off("ktype")
KOBJ_SD = KOBJECT.off("sd")
KOBJ_KREF = KOBJECT.off("kref")
KOBJ_STATE = KOBJ_KREF + 4  # the state_* bitfields (offsetof cannot name them)
KOBJECT_SIZE = KOBJECT.size
STATE_INITIALIZED = 1 << 0
STATE_IN_SYSFS = 1 << 1
STATE_ADD_UEVENT_SENT = 1 << 2
STATE_REMOVE_UEVENT_SENT = 1 << 3
KTYPE_RELEASE = KOBJ_TYPE.off("release")
KTYPE_SYSFS_OPS = KOBJ_TYPE.off("sysfs_ops")
KTYPE_DEFAULT_GROUPS = KOBJ_TYPE.off("default_groups")
KSET_KOBJ = KSET.off("kobj")
KSET_UEVENT_OPS = KSET.off("uevent_ops")
KSET_SIZE = KSET.size
ATTR_NAME = ATTRIBUTE.off("name")
ATTR_MODE = ATTRIBUTE.off("mode")
KATTR_SHOW = KOBJ_ATTRIBUTE.off("show")
KATTR_STORE = KOBJ_ATTRIBUTE.off("store")
BIN_SIZE = 16  # size_t size: between attr and private (cstruct() cannot name "size")
BIN_READ = BIN_ATTRIBUTE.off("read")
BIN_WRITE = BIN_ATTRIBUTE.off("write")
GRP_NAME = ATTRIBUTE_GROUP.off("name")
GRP_IS_VISIBLE = ATTRIBUTE_GROUP.off("is_visible")
GRP_IS_BIN_VISIBLE = ATTRIBUTE_GROUP.off("is_bin_visible")
GRP_ATTRS = ATTRIBUTE_GROUP.off("attrs")
GRP_BIN_ATTRS = ATTRIBUTE_GROUP.off("bin_attrs")
OPS_SHOW = SYSFS_OPS.off("show")
OPS_STORE = SYSFS_OPS.off("store")

#: The kernel's own kobjects: (offset in __sysfs_root_kobjects, name, parent offset or None)
ROOTS: tuple[tuple[int, str, int | None], ...] = (
    (0, "kernel", None),
    (64, "mm", 0),
    (128, "fs", None),
    (192, "firmware", None),
    (256, "hypervisor", None),
    (320, "power", None),
    (384 + KSET_KOBJ, "module", None),  # module_kset's kobject
)
DYNAMIC_KTYPE = 480  # dynamic_kobj_ktype: kobject_create_and_add's
KSET_KTYPE = 528  # kset_ktype: kset_create_and_add's
_NAMES_AT = 576
ROOT_BLOB_SIZE = 640
#: kernel_kobj & co: the pointer variable and its root's offset
ROOT_POINTERS = {
    "kernel_kobj": 0,
    "mm_kobj": 64,
    "fs_kobj": 128,
    "firmware_kobj": 192,
    "hypervisor_kobj": 256,
    "power_kobj": 320,
}
#: the ones Linux 6.1 exports, all with EXPORT_SYMBOL_GPL (power_kobj it declares
#: but does not export)
EXPORTED_ROOT_POINTERS = frozenset(
    {"kernel_kobj", "mm_kobj", "fs_kobj", "firmware_kobj", "hypervisor_kobj"}
)


def root_blob(base: int, sysfs_ops: int) -> bytes:
    """The bytes of __sysfs_root_kobjects at ``base`` (kobj_sysfs_ops at ``sysfs_ops``)."""
    blob = bytearray(ROOT_BLOB_SIZE)
    at = _NAMES_AT
    for off, name, parent in ROOTS:
        blob[off + KOBJ_NAME : off + 8] = (base + at).to_bytes(8, "little")
        if parent is not None:
            blob[off + KOBJ_PARENT : off + 32] = (base + parent).to_bytes(8, "little")
        blob[off + KOBJ_KTYPE : off + 48] = (base + DYNAMIC_KTYPE).to_bytes(8, "little")
        blob[off + KOBJ_SD : off + 56] = (base + off).to_bytes(8, "little")
        blob[off + KOBJ_KREF : off + 60] = (1).to_bytes(4, "little")
        blob[off + KOBJ_STATE] = STATE_INITIALIZED | STATE_IN_SYSFS
        blob[at : at + len(name) + 1] = name.encode() + b"\0"
        at += len(name) + 1
    for kt in (DYNAMIC_KTYPE, KSET_KTYPE):
        blob[kt + KTYPE_SYSFS_OPS : kt + 16] = sysfs_ops.to_bytes(8, "little")
    return bytes(blob)


def call_module_code(kernel: Any, fn: int, args: list[int]) -> int:
    """Call ``fn`` as the code of the module it is in (THIS_MODULE for its kernel calls)."""
    owner = next((m for m in kernel.module_list_all() if m.contains(fn)), None)
    with kernel.running(owner):
        return kernel.call(fn, args)


@dataclass
class KObj:
    """A kobject that is in sysfs: its directory, and the module that added it."""

    addr: int
    name: str
    path: str  # "/sys/kernel/mymodule"
    owner: str


@dataclass
class AttrFile:
    """One attribute file: the kobject and the struct attribute (or bin_attribute) behind it."""

    path: str
    kobj: int
    attr: int
    mode: int
    owner: str
    group: str = ""  # the named group's subdirectory, "" for none
    binary: bool = False
    #: a device_attribute or class_attribute: its own show/store get ``kobj`` (the
    #: struct device or struct class) directly, as dev_attr_show/class_attr_show do
    direct: bool = False


class _AttrOps(FileOps):
    runs_module_code = True

    def __init__(self, sysfs: Sysfs, entry: AttrFile):
        self.sysfs = sysfs
        self.entry = entry

    def read(self, kernel: Kernel, file: File, count: int) -> bytes:
        if self.entry.binary:
            return self.sysfs.bin_read(kernel, self.entry, file, count)
        if file.private is None:
            file.private = self.sysfs.show(kernel, self.entry)
        out = file.private[file.pos : file.pos + count]
        file.pos += len(out)
        return out

    def write(self, kernel: Kernel, file: File, data: bytes) -> int:
        if self.entry.binary:
            return self.sysfs.bin_write(kernel, self.entry, file, data)
        return self.sysfs.store(kernel, self.entry, data)

    def llseek(self, kernel: Kernel, file: File, offset: int, whence: int) -> int:
        size = len(file.private) if isinstance(file.private, bytes) else None
        return default_llseek(file, offset, whence, size)


class Sysfs(Component):
    """The kobjects in /sys and their attribute files."""

    name = "sysfs"

    def __init__(self, heap: Any = None, vfs: Vfs | None = None) -> None:
        self.heap = heap
        self.vfs = vfs
        self.kobjects: dict[int, KObj] = {}
        self.files: dict[str, AttrFile] = {}
        self.root_base = 0  # address of __sysfs_root_kobjects (set at boot)
        self.kobj_sysfs_ops = 0  # address of kobj_sysfs_ops
        self._roots: dict[int, str] = {}
        self.root_image = b""  # the bytes of __sysfs_root_kobjects
        if vfs is not None:
            for _, name, parent in ROOTS:
                vfs.mkdir(f"/sys/kernel/{name}" if parent == 0 else f"/sys/{name}", 0o755)

    # -- the roots ------------------------------------------------------------

    def boot(self, root_base: int, kobj_sysfs_ops: int) -> None:
        self.root_base = root_base
        self.kobj_sysfs_ops = kobj_sysfs_ops
        self._roots = {
            root_base + off: (f"/sys/kernel/{n}" if p == 0 else f"/sys/{n}") for off, n, p in ROOTS
        }

    def is_root(self, addr: int) -> bool:
        return addr in self._roots

    def is_kernel_ktype(self, ktype: int) -> int:
        """0, or the object size the kernel frees for its own ktypes (dynamic, kset)."""
        if ktype == self.root_base + DYNAMIC_KTYPE:
            return KOBJECT_SIZE
        if ktype == self.root_base + KSET_KTYPE:
            return KSET_SIZE
        return 0

    def path_of(self, addr: int) -> str | None:
        """The directory of a kobject in sysfs (a root or an added one), else None."""
        if addr in self._roots:
            return self._roots[addr]
        k = self.kobjects.get(addr)
        return k.path if k is not None else None

    # -- directories ----------------------------------------------------------

    def add_kobject(self, kobj: KObj) -> None:
        if self.vfs is not None and self.vfs.lookup(kobj.path) is not None:
            raise FileError(f"{kobj.path}: {os.strerror(E.EEXIST)}", E.EEXIST)
        self.kobjects[kobj.addr] = kobj
        self._publish_dir(kobj)

    def _publish_dir(self, kobj: KObj) -> None:
        if self.vfs is not None:
            self.vfs.mkdir(kobj.path, 0o755, owner=kobj.owner)

    def remove_kobject(self, addr: int) -> list[KObj]:
        """sysfs_remove_dir: the directory and everything in it; returns the kobjects that went."""
        k = self.kobjects.pop(addr, None)
        if k is None:
            return []
        prefix = k.path + "/"
        for path in [p for p in self.files if p.startswith(prefix)]:
            del self.files[path]
        gone = [k]
        for other in [o for o in self.kobjects.values() if o.path.startswith(prefix)]:
            del self.kobjects[other.addr]
            gone.append(other)
        if self.vfs is not None:
            self.vfs.remove(k.path)
        return gone

    def child_named(self, parent_path: str, name: str) -> KObj | None:
        path = f"{parent_path}/{name}"
        return next((k for k in self.kobjects.values() if k.path == path), None)

    # -- files ----------------------------------------------------------------

    def remove_dir(self, path: str) -> None:
        """device_del, class_destroy: a device's directory goes with every attribute
        file in it, the ones its module added included, silently."""
        prefix = path + "/"
        for p in [p for p in self.files if p.startswith(prefix)]:
            del self.files[p]
        if self.vfs is not None:
            self.vfs.remove(path)

    def add_file(self, entry: AttrFile) -> None:
        if entry.path in self.files or (
            self.vfs is not None and self.vfs.lookup(entry.path) is not None
        ):
            raise FileError(f"{entry.path}: {os.strerror(E.EEXIST)}", E.EEXIST)
        self.files[entry.path] = entry
        self._publish_file(entry)

    def _publish_file(self, entry: AttrFile) -> None:
        if self.vfs is None:
            return
        if entry.group:
            self.vfs.mkdir(entry.path.rsplit("/", 1)[0], 0o755, owner=entry.owner)
        node = self.vfs.add(
            entry.path, _AttrOps(self, entry), S.S_IFREG | (entry.mode & 0o777), owner=entry.owner
        )
        if not entry.binary:
            node.size = PAGE_SIZE  # what stat shows of a sysfs attribute

    def remove_file(self, path: str) -> AttrFile | None:
        entry = self.files.pop(path, None)
        if entry is not None and self.vfs is not None:
            self.vfs.remove(path)
            if entry.group:
                gdir = path.rsplit("/", 1)[0]
                node = self.vfs.lookup(gdir)
                if node is not None and not node.children:
                    self.vfs.remove(gdir)
        return entry

    def files_of(self, kobj: int) -> list[AttrFile]:
        return [f for f in self.files.values() if f.kobj == kobj]

    # -- reading and writing ------------------------------------------------------

    def _ops(self, kernel: Kernel, entry: AttrFile, store: bool) -> tuple[int, bool]:
        """(function, is a kobj_attribute's own) that serves a read or a write.

        ``kobj_sysfs_ops`` is the kernel's: its kobj_attr_show/store would call
        the kobj_attribute's show/store, so those are called directly.
        """
        mem = kernel.mem
        if entry.direct:
            return mem.read_u64(entry.attr + (KATTR_STORE if store else KATTR_SHOW)), False
        ktype = mem.read_u64(entry.kobj + KOBJ_KTYPE)
        ops = mem.read_u64(ktype + KTYPE_SYSFS_OPS) if ktype else 0
        if not ops:
            return 0, False
        if ops == self.kobj_sysfs_ops:
            return mem.read_u64(entry.attr + (KATTR_STORE if store else KATTR_SHOW)), True
        return mem.read_u64(ops + (OPS_STORE if store else OPS_SHOW)), False

    def _call(self, kernel: Kernel, fn: int, args: list[int]) -> int:
        return to_signed(call_module_code(kernel, fn, args))

    def _page(self, kernel: Kernel) -> int:
        buf = kernel.heap.alloc(PAGE_SIZE, KERNEL_OWNER, 0, zero=True, managed=True)
        if not buf:
            raise FileError("sysfs: no memory for a page", E.ENOMEM)
        return buf

    def show(self, kernel: Kernel, entry: AttrFile) -> bytes:
        """One show() into a fresh page: the file's text (sysfs_kf_seq_show)."""
        fn, own = self._ops(kernel, entry, False)
        if not fn:
            raise FileError(f"{entry.path}: {os.strerror(E.EIO)}", E.EIO)
        buf = self._page(kernel)
        try:
            count = self._call(kernel, fn, [entry.kobj, entry.attr, buf])
            if count < 0:
                raise FileError(f"{entry.path}: {os.strerror(-count)}", -count)
            if count >= PAGE_SIZE:
                shown = "kobj_attr_show+0x0/0x10" if own else kernel.symbolize(fn)
                kernel.log.emit(4, f"fill_read_buffer: {shown} returned bad count")
                count = PAGE_SIZE - 1
            return kernel.mem.read(buf, count)
        finally:
            kernel.heap.free(buf)

    def store(self, kernel: Kernel, entry: AttrFile, data: bytes) -> int:
        """One store() of the written bytes; its return value is write(2)'s."""
        if len(data) > PAGE_SIZE:
            raise FileError(f"{entry.path}: {os.strerror(E.E2BIG)}", E.E2BIG)
        if not data:
            return 0
        fn, _ = self._ops(kernel, entry, True)
        if not fn:
            raise FileError(f"{entry.path}: {os.strerror(E.EIO)}", E.EIO)
        buf = self._page(kernel)
        try:
            kernel.mem.write(buf, data + b"\0")
            ret = self._call(kernel, fn, [entry.kobj, entry.attr, buf, len(data)])
        finally:
            kernel.heap.free(buf)
        if ret < 0:
            raise FileError(f"{entry.path}: {os.strerror(-ret)}", -ret)
        return ret

    def bin_read(self, kernel: Kernel, entry: AttrFile, file: File, count: int) -> bytes:
        size = kernel.mem.read_u64(entry.attr + BIN_SIZE)
        if size:
            if file.pos >= size:
                return b""
            count = min(count, size - file.pos)
        fn = kernel.mem.read_u64(entry.attr + BIN_READ)
        if not fn:
            raise FileError(f"{entry.path}: {os.strerror(E.EIO)}", E.EIO)
        count = min(count, PAGE_SIZE)
        buf = self._page(kernel)
        try:
            n = self._call(kernel, fn, [0, entry.kobj, entry.attr, buf, file.pos, count])
            if n < 0:
                raise FileError(f"{entry.path}: {os.strerror(-n)}", -n)
            out = kernel.mem.read(buf, min(n, count))
        finally:
            kernel.heap.free(buf)
        file.pos += len(out)
        return out

    def bin_write(self, kernel: Kernel, entry: AttrFile, file: File, data: bytes) -> int:
        size = kernel.mem.read_u64(entry.attr + BIN_SIZE)
        if size:
            if size <= file.pos:
                raise FileError(f"{entry.path}: {os.strerror(E.EFBIG)}", E.EFBIG)
            data = data[: size - file.pos]
        data = data[:PAGE_SIZE]
        if not data:
            return 0
        fn = kernel.mem.read_u64(entry.attr + BIN_WRITE)
        if not fn:
            raise FileError(f"{entry.path}: {os.strerror(E.EIO)}", E.EIO)
        buf = self._page(kernel)
        try:
            kernel.mem.write(buf, data)
            n = self._call(kernel, fn, [0, entry.kobj, entry.attr, buf, file.pos, len(data)])
        finally:
            kernel.heap.free(buf)
        if n < 0:
            raise FileError(f"{entry.path}: {os.strerror(-n)}", -n)
        file.pos += n
        return n

    # -- persistence and unloading -----------------------------------------------

    def to_data(self) -> dict[str, Any]:
        return {
            "kobjects": [asdict(k) for k in sorted(self.kobjects.values(), key=lambda k: k.path)],
            "files": [asdict(f) for f in sorted(self.files.values(), key=lambda f: f.path)],
        }

    def load_data(self, data: dict[str, Any] | None) -> None:
        for item in (data or {}).get("kobjects", []):
            k = typed(KObj, item, "kobject")
            self.kobjects[k.addr] = k
            self._publish_dir(k)
        for item in (data or {}).get("files", []):
            f = typed(AttrFile, item, "sysfs attribute")
            self.files[f.path] = f
            self._publish_file(f)

    def module_going(self, module: Any) -> list[Report]:
        """Files and kobjects a module left in sysfs: removed (and dynamic kobjects freed).

        Linux leaves them in place, pointing at the unloaded code (the next
        read oopses); lkmsh says so and reclaims them.
        """
        out: list[Report] = []
        name = module.name
        for k in sorted(
            (k for k in self.kobjects.values() if k.owner == name), key=lambda k: k.path
        ):
            if k.addr not in self.kobjects:
                continue
            for gone in self.remove_kobject(k.addr):
                out.append(
                    (
                        4,
                        f"{name}: kobject '{gone.name}' still in sysfs at unload"
                        f" (missing kobject_put?): removing {gone.path}",
                    )
                )
                self._free_if_kernels(gone.addr)
        for f in sorted((f for f in self.files.values() if f.owner == name), key=lambda f: f.path):
            self.remove_file(f.path)
            out.append((4, f"{name}: removing leftover sysfs file {f.path}"))
        return out

    def _free_if_kernels(self, addr: int) -> None:
        """Free a leftover kobject the kernel allocated (kobject_create_and_add, kset_create)."""
        if self.heap is None:
            return
        mem = self.heap.mem
        try:
            ktype = mem.read_u64(addr + KOBJ_KTYPE)
            name_ptr = mem.read_u64(addr + KOBJ_NAME)
        except Exception:
            return
        size = self.is_kernel_ktype(ktype)
        base = addr - KSET_KOBJ if size == KSET_SIZE else addr
        for ptr in (name_ptr, base if size else 0):
            if ptr and self.heap.lookup(ptr) is not None:
                self.heap.free(ptr)
