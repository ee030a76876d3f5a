"""/proc/sys: the sysctl tables modules register, as fs/proc/proc_sysctl.c serves them.

``register_sysctl`` (kapi/sysctl.py) hands each entry of a module's ``struct
ctl_table`` array to this component, which publishes it as a file of the tree
under /proc/sys/DIR/NAME. A read or a write of one is proc_sys_call_handler:
the table's mode is checked (root gets no override: a 0444 knob is read-only
to everyone), the data goes into a zeroed kernel buffer of count + 1 bytes,
and ``table->proc_handler(table, write, kbuf, &count, &pos)`` runs (module
code, or one of the kernel's handlers behind its trap slot); its count and
position are what the caller sees. The registrations are saved with the
state (the tables themselves are in module memory, saved with the module),
so /proc/sys persists across one-shot commands.

Linux keeps a table a module forgot to unregister, pointing into freed
module memory; lkmsh removes it at unload and says so, as for /proc and
debugfs leftovers.
"""

from __future__ import annotations

import errno as E
import os
import stat as S
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from lkmsh.kernel.callctx import to_signed
from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.cstructs import cstruct
from lkmsh.kernel.heap import KERNEL_OWNER, KMALLOC_MAX_SIZE
from lkmsh.kernel.snapshot import typed
from lkmsh.kernel.vfs import File, FileError, FileOps, default_llseek

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kernel.vfs import Vfs

ROOT = "/proc/sys"
#: The directories Linux's sysctl_init_bases() and mount points make at boot.
BASE_DIRS = ("abi", "debug", "dev", "fs", "kernel", "net", "user", "vm")
CTL_TABLE = cstruct(
    "struct ctl_table",
    "linux/sysctl.h",
    64,
    procname=(0, 8),
    data=(8, 8),
    maxlen=(16, 4),
    mode=(20, 2),
    child=(24, 8),
    proc_handler=(32, 8),
    poll=(40, 8),
    extra1=(48, 8),
    extra2=(56, 8),
)
CTL_TABLE_HEADER = cstruct(
    "struct ctl_table_header",
    "linux/sysctl.h",
    80,
    ctl_table=(0, 8),
    ctl_table_arg=(32, 8),
)
CTL_NODE_SIZE = 32
MAY_WRITE, MAY_READ = 2, 4
#: kernel.sysctl_writes_strict (SYSCTL_WRITES_LEGACY -1, WARN 0, STRICT 1; Linux's default)
WRITES_STRICT = 1


def test_perm(mode: int, op: int) -> int:
    """fs/proc/proc_sysctl.c's test_perm for root: the owner bits, no override."""
    return 0 if (op & ~(mode >> 6) & 7) == 0 else -E.EACCES


@dataclass
class SysctlEntry:
    """A /proc/sys file a module registered, with its struct ctl_table."""

    path: str  # below /proc/sys: "debug/test_sysctl/int_0001"
    table: int  # its struct ctl_table
    mode: int


@dataclass
class Registration:
    """What one register_sysctl*() call made: its header, files and kernel objects."""

    header: int
    owner: str
    entries: list[SysctlEntry] = field(default_factory=list)
    dirs: list[str] = field(default_factory=list)  # directories it needed, made or not
    objects: list[int] = field(default_factory=list)  # kernel allocations freed with it


def _fail(code: int, path: str) -> FileError:
    return FileError(f"{path}: {os.strerror(code)}", code)


class SysctlFile(FileOps):
    """One /proc/sys entry: reads and writes go through its table's proc_handler."""

    runs_module_code = True

    def __init__(self, entry: SysctlEntry):
        self.entry = entry

    def _live(self, kernel: Kernel, file: File) -> SysctlEntry:
        if kernel.sysctl.entry(self.entry.path) is not self.entry:
            raise _fail(E.ENOENT, file.path)  # unregistered since it was opened
        return self.entry

    def open(self, kernel: Kernel, file: File) -> None:
        entry = self._live(kernel, file)
        op = (MAY_READ if file.readable else 0) | (MAY_WRITE if file.writable else 0)
        if test_perm(entry.mode, op):
            raise _fail(E.EACCES, file.path)

    def read(self, kernel: Kernel, file: File, count: int) -> bytes:
        return kernel.sysctl.call_handler(kernel, file, self._live(kernel, file), b"", count)

    def write(self, kernel: Kernel, file: File, data: bytes) -> int:
        entry = self._live(kernel, file)
        return len(kernel.sysctl.call_handler(kernel, file, entry, data, len(data), write=True))

    def llseek(self, kernel: Kernel, file: File, offset: int, whence: int) -> int:
        return default_llseek(file, offset, whence, 0)  # i_size is 0


class Sysctl(Component):
    """The registered tables, by header, and the files they publish."""

    name = "sysctl"

    def __init__(self, heap: Any = None, vfs: Vfs | None = None) -> None:
        self.heap = heap
        self.vfs = vfs
        self.writes_strict = WRITES_STRICT
        self.regs: dict[int, Registration] = {}
        self._entries: dict[str, SysctlEntry] = {}
        if vfs is not None:
            for d in BASE_DIRS:
                vfs.mkdir(f"{ROOT}/{d}", 0o555)

    def entry(self, path: str) -> SysctlEntry | None:
        return self._entries.get(path)

    def taken(self, path: str) -> bool:
        """Whether /proc/sys/@path exists (a file, or a directory when @path names one)."""
        return path in self._entries or (
            self.vfs is not None and self.vfs.lookup(f"{ROOT}/{path}") is not None
        )

    def is_file(self, path: str) -> bool:
        node = self.vfs.lookup(f"{ROOT}/{path}") if self.vfs is not None else None
        return node is not None and not node.is_dir

    def add(self, reg: Registration) -> None:
        self.regs[reg.header] = reg
        self._publish(reg)

    def _publish(self, reg: Registration) -> None:
        for e in reg.entries:
            self._entries[e.path] = e
            if self.vfs is not None:
                for d in reg.dirs:
                    self.vfs.mkdir(f"{ROOT}/{d}", 0o555)
                self.vfs.add(f"{ROOT}/{e.path}", SysctlFile(e), S.S_IFREG | e.mode, owner=reg.owner)

    def remove(self, header: int) -> Registration | None:
        """Unregister: the files go, then the directories nothing else uses."""
        reg = self.regs.pop(header, None)
        if reg is None:
            return None
        for e in reg.entries:
            if self._entries.get(e.path) is e:
                del self._entries[e.path]
                if self.vfs is not None:
                    self.vfs.remove(f"{ROOT}/{e.path}")
        if self.vfs is not None:
            for d in sorted(reg.dirs, key=lambda p: -p.count("/")):
                node = self.vfs.lookup(f"{ROOT}/{d}")
                if node is not None and node.is_dir and not node.children and d not in BASE_DIRS:
                    self.vfs.remove(f"{ROOT}/{d}")
        if self.heap is not None:
            for addr in reg.objects:
                if self.heap.lookup(addr) is not None:
                    self.heap.free(addr)
        return reg

    # -- proc_sys_call_handler --------------------------------------------------------

    def call_handler(
        self, kernel: Kernel, file: File, entry: SysctlEntry, data: bytes, count: int, write=False
    ) -> bytes:
        """Run the entry's handler on a kernel copy of the buffer; what it made (a read)
        or took (a write: the bytes it consumed)."""
        from lkmsh.kernel.fops import fail, module_at
        from lkmsh.kernel.stacktrace import KernelPath

        mem, heap = kernel.mem, kernel.heap
        if test_perm(entry.mode, MAY_WRITE if write else MAY_READ):
            raise fail(E.EPERM, file.path)
        handler = mem.read_u64(entry.table + CTL_TABLE.off("proc_handler"))
        if not handler:
            raise fail(E.EINVAL, file.path)
        if count == 0:
            return b""
        if count >= KMALLOC_MAX_SIZE:
            raise fail(E.ENOMEM, file.path)
        kbuf = heap.alloc(count + 1, KERNEL_OWNER, 0, zero=True, managed=True)
        args = heap.alloc(16, KERNEL_OWNER, 0, zero=True, managed=True)  # size_t, loff_t
        if not kbuf or not args:
            for addr in (kbuf, args):
                if addr:
                    heap.free(addr)
            raise fail(E.ENOMEM, file.path)
        try:
            if write:
                mem.write(kbuf, data[:count])
            mem.write_u64(args, count)
            mem.write_u64(args + 8, file.pos & (1 << 64) - 1)
            path = KernelPath.FILE_WRITE if write else KernelPath.FILE_READ
            with kernel.running(module_at(kernel, handler)):
                ret = to_signed(
                    kernel.call(
                        handler, [entry.table, int(write), kbuf, args, args + 8], path=path
                    ),
                    32,
                )
            if ret:
                raise fail(-ret, file.path)
            n = min(mem.read_u64(args), count)
            file.pos = to_signed(mem.read_u64(args + 8))
            return data[:n] if write else mem.read(kbuf, n)
        finally:
            heap.free(args)
            heap.free(kbuf)

    # -- persistence and unloading ----------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        return {
            "writes_strict": self.writes_strict,
            "regs": [asdict(r) for r in self.regs.values()],
        }

    def load_data(self, data: dict[str, Any] | None) -> None:
        data = data or {}
        self.writes_strict = int(data.get("writes_strict", WRITES_STRICT))
        for item in data.get("regs", []):
            item = dict(item)
            item["entries"] = [typed(SysctlEntry, e, "sysctl entry") for e in item["entries"]]
            reg = typed(Registration, item, "sysctl table")
            self.regs[reg.header] = reg
            self._publish(reg)

    def module_going(self, module: Any) -> list[Report]:
        out: list[Report] = []
        for header in [h for h, r in self.regs.items() if r.owner == module.name]:
            reg = self.remove(header)
            assert reg is not None
            where = reg.entries[0].path.rsplit("/", 1)[0] if reg.entries else ""
            out.append((4, f"{module.name}: removing leftover sysctl table {ROOT}/{where}"))
        return out
