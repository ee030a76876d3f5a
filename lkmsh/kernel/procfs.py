"""/proc entries registered by modules, and reading them through their show functions.

An entry is a file or a directory (``proc_mkdir``). A file is made with
``proc_create_single`` (a ``show`` function in module code and its ``data``:
single_open's seq_file, seqfile.py), ``proc_create``/``proc_create_data``
(the module's ``struct proc_ops``: fops.py calls its handlers) or
``proc_create_seq`` (a ``struct seq_operations``). Paths are relative to
/proc ("hx", "hxdir/stats"). Each entry is also a node of the kernel's file
tree (vfs.py) under /proc. For a show function, the first read of an open
file runs ``show(m, SEQ_START_TOKEN)`` (``m->private`` is the data) on the
CPU and keeps what the seq_* functions wrote, as single_open()'s seq_read
does: a negative return is an error for the reader, a positive one discards
the output (SEQ_SKIP).
"""

from __future__ import annotations

import errno
from dataclasses import asdict, dataclass
from typing import Any

from lkmsh.errors import KernelError, NotFound
from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.snapshot import typed
from lkmsh.kernel.stacktrace import KernelPath
from lkmsh.kernel.vfs import File, FileOps, Vfs

PDE_SIZE = 64


class ProcError(KernelError):
    """Reading a /proc file failed (the show function's -errno, or a directory)."""


@dataclass
class ProcEntry:
    """A /proc entry a module created, with the proc_dir_entry handed to it."""

    path: str
    mode: int
    owner: str
    addr: int  # the struct proc_dir_entry object handed to the module
    parent: int  # parent's proc_dir_entry address, 0 for /proc itself
    show: int = 0  # 0 for a directory
    data: int = 0
    is_dir: bool = False
    proc_ops: int = 0  # proc_create's struct proc_ops
    seq_ops: int = 0  # proc_create_seq's struct seq_operations
    state_size: int = 0  # proc_create_seq_private's per-open state
    size: int = 0  # proc_set_size
    uid: int = 0  # proc_set_user
    gid: int = 0

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


class _ShowOps(FileOps):
    """A proc_create_single file: its show function's output, made at the first read."""

    runs_module_code = True

    def __init__(self, procfs: ProcFS, entry: ProcEntry):
        self.procfs = procfs
        self.entry = entry

    def read(self, kernel: Any, file: File, count: int) -> bytes:
        if file.private is None:
            file.private = self.procfs.show(kernel, self.entry)
        out = file.private[file.pos : file.pos + count]
        file.pos += len(out)
        return out


class ProcFS(Component):
    """``heap`` frees a leftover entry's proc_dir_entry object when its module goes;
    ``vfs`` is the file tree the entries appear in (under /proc)."""

    name = "procfs"

    def __init__(self, heap: Any = None, vfs: Vfs | None = None) -> None:
        self.heap = heap
        self.vfs = vfs
        self._entries: dict[str, ProcEntry] = {}
        self._by_addr: dict[int, str] = {}
        #: the struct seq_file objects alive (the seq_* functions check theirs is one)
        self.seq_files: set[int] = set()

    # -- registry -----------------------------------------------------------

    def entries(self) -> list[ProcEntry]:
        return sorted(self._entries.values(), key=lambda e: e.path)

    def names(self) -> list[str]:
        return [e.path for e in self.entries()]

    def lookup(self, path: str) -> ProcEntry | None:
        return self._entries.get(path.removeprefix("/proc/").strip("/"))

    def by_addr(self, addr: int) -> ProcEntry | None:
        path = self._by_addr.get(addr)
        return self._entries.get(path) if path is not None else None

    def path_for(self, name: str, parent: int) -> str | None:
        """The full path of ``name`` under ``parent`` (None if parent is not a directory)."""
        if parent == 0:
            return name.strip("/")
        p = self.by_addr(parent)
        if p is None or not p.is_dir:
            return None
        return f"{p.path}/{name.strip('/')}"

    def add(self, entry: ProcEntry) -> ProcEntry:
        if entry.path in self._entries:
            raise KernelError(f"/proc/{entry.path} exists", errno.EEXIST)
        if "/" in entry.path:
            parent_path = entry.path.rsplit("/", 1)[0]
            parent = self._entries.get(parent_path)
            if parent is None or not parent.is_dir:
                raise NotFound(f"/proc/{parent_path}: no such directory")
        self._entries[entry.path] = entry
        self._by_addr[entry.addr] = entry.path
        self._publish(entry)
        return entry

    def _publish(self, entry: ProcEntry) -> None:
        if self.vfs is None:
            return
        path = f"/proc/{entry.path}"
        if entry.is_dir:
            self.vfs.mkdir(path, entry.mode, owner=entry.owner)
        elif entry.proc_ops or entry.seq_ops:
            from lkmsh.kernel.fops import ProcEntryFile

            node = self.vfs.add(path, ProcEntryFile(entry), entry.mode, owner=entry.owner)
            node.size = entry.size
        else:
            self.vfs.add(path, _ShowOps(self, entry), entry.mode, owner=entry.owner)

    def republish(self, entry: ProcEntry) -> None:
        """Show a changed entry (proc_set_size) in the file tree."""
        node = self.vfs.lookup(f"/proc/{entry.path}") if self.vfs is not None else None
        if node is not None:
            node.size = entry.size

    def remove(self, path: str) -> list[ProcEntry]:
        """Remove an entry and, for a directory, everything under it; returns what went."""
        entry = self._entries.get(path)
        if entry is None:
            return []
        gone = [e for p, e in self._entries.items() if p == path or p.startswith(path + "/")]
        for e in gone:
            del self._entries[e.path]
            self._by_addr.pop(e.addr, None)
        if self.vfs is not None:
            self.vfs.remove(f"/proc/{path}")
        return gone

    def remove_owned_by(self, owner: str, heap: Any = None) -> list[str]:
        """Drop a module's leftover entries (it forgot remove_proc_entry); returns their paths.

        With ``heap``, each entry's proc_dir_entry object is freed too, as
        remove_proc_entry does (without it, every leftover leaked 64 bytes).
        """
        paths = sorted((p for p, e in self._entries.items() if e.owner == owner), reverse=True)
        removed = []
        for p in paths:
            if p in self._entries:
                for e in self.remove(p):
                    removed.append(e.path)
                    if heap is not None and heap.lookup(e.addr) is not None:
                        heap.free(e.addr)
        return sorted(removed)

    # -- reading ------------------------------------------------------------

    def read(self, kernel: Any, path: str) -> bytes:
        """The whole text of the entry at ``path`` (one show, as a cat of it would)."""
        entry = self.lookup(path)
        if entry is None:
            raise NotFound(f"/proc/{path.removeprefix('/proc/')}: No such file or directory")
        if entry.is_dir:
            raise ProcError(f"/proc/{entry.path}: Is a directory", errno.EISDIR)
        return self.show(kernel, entry)

    def show(self, kernel: Any, entry: ProcEntry) -> bytes:
        """The entry's whole text: its show function run through single_open's seq_file."""
        from lkmsh.kernel.seqfile import read_all, single_ops

        ops = single_ops(kernel, entry.show)
        if not ops:
            raise KernelError("no memory for a seq_file", errno.ENOMEM)
        try:
            owner = kernel.module_find(entry.owner)
            ret, out = read_all(kernel, ops, entry.data, owner, KernelPath.PROC_READ)
        finally:
            kernel.heap.free(ops)
        if ret < 0:
            raise ProcError(f"/proc/{entry.path}: show returned {ret}", -ret)
        return out

    # -- persistence --------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        return {"entries": [asdict(e) for e in self.entries()]}

    def load_data(self, data: dict[str, Any] | None) -> None:
        for item in (data or {}).get("entries", []):
            e = typed(ProcEntry, item, "proc entry")
            self._entries[e.path] = e
            self._by_addr[e.addr] = e.path
        for e in self.entries():  # parents first
            self._publish(e)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ProcFS:
        fs = cls()
        fs.load_data(data)
        return fs

    def module_going(self, module: Any) -> list[Report]:
        """Linux warns about each entry a module forgot to remove, and removes it."""
        return [
            (4, f"{module.name}: removing leftover /proc/{path}")
            for path in self.remove_owned_by(module.name, self.heap)
        ]
