"""debugfs at /sys/kernel/debug: directories and value files over module memory.

Each entry is handed to its module as a ``struct dentry *`` (a small kernel
object, opaque to modules) and is a node of the file tree. Value files read
and write the module's variable in place with fs/debugfs/file.c's formats:
``%llu`` for u8..u64, size_t and ulong, ``0x%02llx``..``0x%016llx`` for
x8..x64, ``%d`` for atomic_t, ``Y``/``N`` for bool; a write is parsed as
simple_attr_write parses it (kstrtoull base 0, at most 23 bytes; a bool by
kstrtobool) and truncated to the variable's size. A blob file reads
``blob->size`` bytes at ``blob->data``.

Other subsystems add their own kinds of file (``debugfs_create_file`` with a
``struct file_operations``) with ``register_kind``: a kind maps an entry to
the FileOps serving it, so entries are rebuilt the same way after a restore.
"""

from __future__ import annotations

import errno as E
import os
import stat as S
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.cstructs import cstruct
from lkmsh.kernel.snapshot import typed
from lkmsh.kernel.vfs import File, FileError, FileOps, Vfs, default_llseek

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel

ROOT = "/sys/kernel/debug"
DENTRY_SIZE = 192  # sizeof(struct dentry) on 64-bit Linux 6.1
SET_BUF = 24  # simple_attr's set_buf: at most 23 bytes of a write are parsed
BOOL_BUF = 32
#: blob->data, then unsigned long size at 8 (cstruct() cannot name a field "size")
BLOB_WRAPPER = cstruct("struct debugfs_blob_wrapper", "linux/debugfs.h", 16, data=(0, 8))


@dataclass(frozen=True)
class ValueKind:
    """How a debugfs_create_<type>() file reads and writes its value (size, format, sign)."""

    size: int
    fmt: str  # Python format of the value
    signed: bool = False


VALUE_KINDS: dict[str, ValueKind] = {
    "u8": ValueKind(1, "{}\n"),
    "u16": ValueKind(2, "{}\n"),
    "u32": ValueKind(4, "{}\n"),
    "u64": ValueKind(8, "{}\n"),
    "x8": ValueKind(1, "0x{:02x}\n"),
    "x16": ValueKind(2, "0x{:04x}\n"),
    "x32": ValueKind(4, "0x{:08x}\n"),
    "x64": ValueKind(8, "0x{:016x}\n"),
    "size_t": ValueKind(8, "{}\n"),
    "ulong": ValueKind(8, "{}\n"),
    "atomic_t": ValueKind(4, "{}\n", signed=True),
}


@dataclass
class DebugEntry:
    """One debugfs directory or file. ``value``/``data``/``extra`` are the kind's."""

    path: str  # relative to /sys/kernel/debug ("hx/counter")
    addr: int  # the struct dentry handed to the module
    owner: str
    mode: int
    kind: str  # "dir", a VALUE_KINDS name, "bool", "blob", or a registered kind
    value: int = 0  # the variable (blob: the struct debugfs_blob_wrapper)
    data: int = 0
    extra: int = 0

    @property
    def is_dir(self) -> bool:
        return self.kind == "dir"

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def _fail(entry: DebugEntry, code: int) -> FileError:
    return FileError(f"{ROOT}/{entry.path}: {os.strerror(code)}", code)


class _ValueOps(FileOps):
    """u8..x64, size_t, ulong, atomic_t, bool: the variable in module memory."""

    def __init__(self, entry: DebugEntry):
        self.entry = entry

    def _text(self, kernel: Kernel) -> bytes:
        e = self.entry
        if e.kind == "bool":
            return b"Y\n" if kernel.mem.read_u8(e.value) else b"N\n"
        vk = VALUE_KINDS[e.kind]
        value = int.from_bytes(kernel.mem.read(e.value, vk.size), "little", signed=vk.signed)
        return vk.fmt.format(value).encode()

    def read(self, kernel: Kernel, file: File, count: int) -> bytes:
        if file.pos == 0 or file.private is None:
            file.private = self._text(kernel)
        out = file.private[file.pos : file.pos + count]
        file.pos += len(out)
        return out

    def write(self, kernel: Kernel, file: File, data: bytes) -> int:
        from lkmsh.kernel.kapi.kstrtox import kstrto_bits, kstrtobool

        e = self.entry
        if e.kind == "bool":
            err, flag = kstrtobool(data[: BOOL_BUF - 1])
            if err:
                raise _fail(e, -err)
            kernel.mem.write_u8(e.value, int(flag))
            return len(data)
        vk = VALUE_KINDS[e.kind]
        err, value = kstrto_bits(data[: SET_BUF - 1], 0, 64, vk.signed)
        if err:
            raise _fail(e, -err)
        mask = (1 << (8 * vk.size)) - 1
        kernel.mem.write(e.value, (value & mask).to_bytes(vk.size, "little"))
        return len(data)

    def llseek(self, kernel: Kernel, file: File, offset: int, whence: int) -> int:
        return default_llseek(file, offset, whence, None)


class _BlobOps(FileOps):
    """debugfs_create_blob: blob->size bytes at blob->data, read-only as in 6.1."""

    def __init__(self, entry: DebugEntry):
        self.entry = entry

    def _blob(self, kernel: Kernel) -> tuple[int, int]:
        wrapper = self.entry.value
        return kernel.mem.read_u64(wrapper + BLOB_WRAPPER.off("data")), kernel.mem.read_u64(
            wrapper + 8
        )

    def read(self, kernel: Kernel, file: File, count: int) -> bytes:
        data, size = self._blob(kernel)
        if file.pos >= size:
            return b""
        n = min(count, size - file.pos)
        out = kernel.mem.read(data + file.pos, n)
        file.pos += n
        return out

    def llseek(self, kernel: Kernel, file: File, offset: int, whence: int) -> int:
        return default_llseek(file, offset, whence, self._blob(kernel)[1])


#: kind -> factory of the FileOps serving an entry of that kind
FILE_KINDS: dict[str, Callable[[DebugFS, DebugEntry], FileOps]] = {
    **{k: (lambda fs, e: _ValueOps(e)) for k in VALUE_KINDS},
    "bool": lambda fs, e: _ValueOps(e),
    "blob": lambda fs, e: _BlobOps(e),
}


def register_kind(kind: str, factory: Callable[[DebugFS, DebugEntry], FileOps]) -> None:
    """Let another subsystem make debugfs files of its own kind (debugfs_create_file)."""
    if kind in FILE_KINDS or kind == "dir":
        raise ValueError(f"debugfs file kind {kind!r} registered twice")
    FILE_KINDS[kind] = factory


class DebugFS(Component):
    """The debugfs entries modules made, by path and by dentry address."""

    name = "debugfs"

    def __init__(self, heap: Any = None, vfs: Vfs | None = None) -> None:
        self.heap = heap
        self.vfs = vfs
        self.entries: dict[str, DebugEntry] = {}
        self._by_addr: dict[int, str] = {}
        #: the mount's root dentry ("/"), the d_parent of top-level entries (made when needed)
        self.root_dentry = 0

    def by_addr(self, addr: int) -> DebugEntry | None:
        path = self._by_addr.get(addr)
        return self.entries.get(path) if path is not None else None

    def path_for(self, name: str, parent: int) -> str | None:
        """``name`` under the directory ``parent`` (0: the root); None if parent is no dir."""
        if not parent:
            return name
        p = self.by_addr(parent)
        if p is None or not p.is_dir:
            return None
        return f"{p.path}/{name}"

    def exists(self, path: str) -> bool:
        if path in self.entries:
            return True
        return self.vfs is not None and self.vfs.lookup(f"{ROOT}/{path}") is not None

    def is_dir_at(self, path: str) -> bool:
        if path in self.entries:
            return self.entries[path].is_dir
        node = self.vfs.lookup(f"{ROOT}/{path}") if self.vfs is not None else None
        return node is not None and node.is_dir

    def add(self, entry: DebugEntry) -> DebugEntry:
        if self.exists(entry.path):
            raise FileError(f"{ROOT}/{entry.path}: {os.strerror(E.EEXIST)}", E.EEXIST)
        if entry.kind != "dir" and entry.kind not in FILE_KINDS:
            raise FileError(f"debugfs: unknown kind of file {entry.kind!r}", E.EINVAL)
        self.entries[entry.path] = entry
        self._by_addr[entry.addr] = entry.path
        self._publish(entry)
        return entry

    def _publish(self, entry: DebugEntry) -> None:
        if self.vfs is None:
            return
        path = f"{ROOT}/{entry.path}"
        if entry.is_dir:
            self.vfs.mkdir(path, entry.mode, owner=entry.owner)
        else:
            ops = FILE_KINDS[entry.kind](self, entry)
            self.vfs.add(path, ops, S.S_IFREG | (entry.mode & 0o7777), owner=entry.owner)

    def remove(self, path: str) -> list[DebugEntry]:
        """An entry and everything under it (debugfs_remove is recursive); returns them."""
        if path not in self.entries:
            return []
        gone = [e for p, e in self.entries.items() if p == path or p.startswith(path + "/")]
        for e in gone:
            del self.entries[e.path]
            self._by_addr.pop(e.addr, None)
        if self.vfs is not None:
            self.vfs.remove(f"{ROOT}/{path}")
        return gone

    def free_dentries(self, entries: list[DebugEntry]) -> None:
        if self.heap is None:
            return
        for e in entries:
            if self.heap.lookup(e.addr) is not None:
                self.heap.free(e.addr)

    # -- persistence and unloading ----------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        entries = [asdict(e) for e in sorted(self.entries.values(), key=lambda e: e.path)]
        return {"entries": entries, "root_dentry": self.root_dentry}

    def load_data(self, data: dict[str, Any] | None) -> None:
        self.root_dentry = int((data or {}).get("root_dentry", 0))
        for item in (data or {}).get("entries", []):
            e = typed(DebugEntry, item, "debugfs entry")
            self.entries[e.path] = e
            self._by_addr[e.addr] = e.path
            self._publish(e)

    def module_going(self, module: Any) -> list[Report]:
        """Linux leaves a module's forgotten debugfs files behind; lkmsh reports and removes them."""
        out: list[Report] = []
        for path in sorted(p for p, e in self.entries.items() if e.owner == module.name):
            if path not in self.entries:
                continue
            gone = self.remove(path)
            self.free_dentries(gone)
            out.append((4, f"{module.name}: removing leftover {ROOT}/{path}"))
        return out
