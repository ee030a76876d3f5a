"""One file tree: /proc, /sys, /sys/kernel/debug, /sys/kernel/tracing and /dev.

Every file the kernel shows, its own (/proc/modules) and the ones modules
make (a /proc entry, a device node, a sysfs attribute), is an ``Inode`` in one
tree whose ``ops`` (a ``FileOps``) implement open/read/write/ioctl/llseek/
release, as a ``struct file_operations`` does. The shell's ``cat``, ``echo >``,
``ls`` and completion go through ``Kernel.open``/``read``/``write``/``listdir``
and never keep a list of their own.

The tree is derived data: the kernel's files are registered at boot and each
component registers (again, after a restore) the files its saved state
describes, so nothing here is saved. An open ``File`` lives only as long as
the command that opened it.
"""

from __future__ import annotations

import errno as E
import os
import stat as S
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from lkmsh.errors import KernelError

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel

#: The mount points, as Linux has them (proc, sysfs, debugfs, tracefs, devtmpfs).
MOUNTS = ("/proc", "/sys", "/sys/kernel/debug", "/sys/kernel/tracing", "/dev")
#: How much one read(2) asks for by default: a page.
READ_CHUNK = 4096
#: What GNU cat asks each read(2) for (coreutils' io_blksize: 128 KiB): a seq_file
#: fills it with as many records as fit, a device's read sees count=131072
CAT_READ = 128 << 10
#: A read of a whole file stops here (a device that never says EOF).
READ_ALL_LIMIT = 16 << 20
#: symlinks followed in one lookup before ELOOP (the kernel's MAXSYMLINKS)
MAXSYMLINKS = 40


class FileError(KernelError):
    """A file operation failed with ``errno`` (ENOENT, EISDIR, EACCES, ...)."""


def _err(code: int, path: str) -> FileError:
    return FileError(f"{path}: {os.strerror(code)}", code)


@dataclass
class File:
    """An open file (``struct file``): its position, flags and the ops' private data."""

    path: str
    inode: Inode
    flags: int
    pos: int = 0
    private: Any = None

    @property
    def writable(self) -> bool:
        return (self.flags & os.O_ACCMODE) in (os.O_WRONLY, os.O_RDWR)

    @property
    def readable(self) -> bool:
        return (self.flags & os.O_ACCMODE) in (os.O_RDONLY, os.O_RDWR)


class FileOps:
    """A file's operations; the defaults are what Linux gives a file without them.

    ``runs_module_code`` says whether an operation may run module code (then
    the caller must expect a fault, a changed kernel and a state to save).
    """

    runs_module_code: ClassVar[bool] = False

    def open(self, kernel: Kernel, file: File) -> None:
        """Set up ``file.private``; raise FileError to refuse."""

    def read(self, kernel: Kernel, file: File, count: int) -> bytes:
        raise _err(E.EINVAL, file.path)

    def write(self, kernel: Kernel, file: File, data: bytes) -> int:
        raise _err(E.EINVAL, file.path)

    def ioctl(self, kernel: Kernel, file: File, cmd: int, arg: int) -> int:
        raise _err(E.ENOTTY, file.path)

    def llseek(self, kernel: Kernel, file: File, offset: int, whence: int) -> int:
        return default_llseek(file, offset, whence, None)

    def poll(self, kernel: Kernel, file: File) -> int:
        """What is ready (EPOLLIN|EPOLLOUT|EPOLLRDNORM|EPOLLWRNORM without ->poll)."""
        return 0x145

    def release(self, kernel: Kernel, file: File) -> None:
        """Undo ``open``."""


def _root_overrides_mode(path: str, node: Inode) -> bool:
    """Whether the shell's user (root) opens @node whatever its mode bits.

    A module's /proc entry is checked by generic_permission(), where root's
    CAP_DAC_OVERRIDE passes (proc_create(name, 0, ...) gives 0444, and the
    kfifo samples still take writes); sysfs (kernfs) checks the mode itself.
    The kernel's own files keep their mode check, and so do sysctl entries
    (proc_sys_permission: "not writeable, capabilities or not").
    """
    if path.startswith("/proc/sys/"):
        return False
    return path.startswith("/proc/") and node.ops is not None and node.ops.runs_module_code


def default_llseek(file: File, offset: int, whence: int, size: int | None) -> int:
    """SEEK_SET/SEEK_CUR (and SEEK_END when the size is known), as default_llseek."""
    if whence == os.SEEK_SET:
        pos = offset
    elif whence == os.SEEK_CUR:
        pos = file.pos + offset
    elif whence == os.SEEK_END and size is not None:
        pos = size + offset
    else:
        raise _err(E.EINVAL, file.path)
    if pos < 0:
        raise _err(E.EINVAL, file.path)
    file.pos = pos
    return pos


class TextFile(FileOps):
    """A kernel file whose text is made when it is opened (seq_file's single_open).

    ``show(kernel)`` gives the bytes; ``store(kernel, data)``, when given, takes
    a write (and returns how much it took).
    """

    def __init__(
        self,
        show: Callable[[Kernel], bytes],
        store: Callable[[Kernel, bytes], int] | None = None,
    ):
        self.show = show
        self.store = store

    def open(self, kernel: Kernel, file: File) -> None:
        file.private = self.show(kernel) if file.readable else b""

    def read(self, kernel: Kernel, file: File, count: int) -> bytes:
        data: bytes = file.private
        out = data[file.pos : file.pos + count]
        file.pos += len(out)
        return out

    def write(self, kernel: Kernel, file: File, data: bytes) -> int:
        if self.store is None:
            raise _err(E.EINVAL, file.path)
        return self.store(kernel, data)

    def llseek(self, kernel: Kernel, file: File, offset: int, whence: int) -> int:
        return default_llseek(file, offset, whence, len(file.private))


@dataclass
class Inode:
    """One node of the tree. ``mode`` carries the type bits (S_IFDIR, S_IFCHR, ...)."""

    name: str
    mode: int
    ops: FileOps | None = None
    owner: str | None = None  # the module that made it; None for the kernel's own
    rdev: int = 0  # a device node's dev_t (MKDEV(major, minor))
    size: int = 0  # what stat shows (0 for most pseudo-files, as Linux)
    children: dict[str, Inode] = field(default_factory=dict)
    target: str = ""  # a symlink's contents (relative to its directory, or absolute)

    @property
    def is_dir(self) -> bool:
        return S.S_ISDIR(self.mode)

    @property
    def is_link(self) -> bool:
        return S.S_ISLNK(self.mode)


@dataclass(frozen=True)
class DirEntry:
    """What ``ls -l`` shows of one name."""

    name: str
    path: str
    mode: int
    size: int
    rdev: int
    owner: str | None
    nlink: int
    target: str = ""  # a symlink's contents ("" for anything else)

    @property
    def is_dir(self) -> bool:
        return S.S_ISDIR(self.mode)

    @property
    def is_link(self) -> bool:
        return S.S_ISLNK(self.mode)


def split(path: str) -> list[str]:
    """The names of a path ("/proc//hx/" -> ["proc", "hx"]); ".." and "." are resolved."""
    out: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if out:
                out.pop()
            continue
        out.append(part)
    return out


def normpath(path: str) -> str:
    return "/" + "/".join(split(path))


class Vfs:
    """The tree. Directories are made as needed; files belong to an owner."""

    def __init__(self) -> None:
        self.root = Inode("", S.S_IFDIR | 0o755)
        for mount in MOUNTS:
            self.mkdir(mount)

    # -- building the tree -----------------------------------------------------

    def mkdir(self, path: str, mode: int = 0o555, owner: str | None = None) -> Inode:
        """The directory at ``path``, made with its parents if missing."""
        node = self.root
        names = split(path)
        for i, name in enumerate(names):
            child = node.children.get(name)
            if child is not None and child.is_link:  # a directory reached through a link
                child = self.lookup("/".join(names[: i + 1]))
                if child is None:
                    raise _err(E.ENOENT, path)
            if child is None:
                child = Inode(name, S.S_IFDIR | (mode & 0o7777), owner=owner)
                node.children[name] = child
            elif not child.is_dir:
                raise _err(E.ENOTDIR, path)
            node = child
        return node

    def symlink(self, path: str, target: str, *, owner: str | None = None) -> Inode:
        """A symbolic link at ``path`` to ``target`` (sysfs's class links: relative)."""
        names = split(path)
        parent = self.mkdir("/".join(names[:-1]))
        if not names or names[-1] in parent.children:
            raise _err(E.EEXIST, normpath(path))
        node = Inode(names[-1], S.S_IFLNK | 0o777, owner=owner, target=target)
        parent.children[names[-1]] = node
        return node

    def add(
        self,
        path: str,
        ops: FileOps,
        mode: int = S.S_IFREG | 0o444,
        *,
        owner: str | None = None,
        rdev: int = 0,
        size: int = 0,
    ) -> Inode:
        """Register a file (EEXIST if the name is taken); its directory is made if missing."""
        names = split(path)
        if not names:
            raise _err(E.EEXIST, path)
        parent = self.mkdir("/".join(names[:-1]))
        if names[-1] in parent.children:
            raise _err(E.EEXIST, normpath(path))
        if not S.S_IFMT(mode):
            mode |= S.S_IFREG
        node = Inode(names[-1], mode, ops, owner, rdev, size)
        parent.children[names[-1]] = node
        return node

    def remove(self, path: str) -> Inode | None:
        """Unlink a file or a whole directory; returns it (None if absent)."""
        names = split(path)
        if not names:
            return None
        parent = self.lookup("/".join(names[:-1]))
        if parent is None or not parent.is_dir:
            return None
        return parent.children.pop(names[-1], None)

    def remove_owned_by(self, owner: str) -> list[str]:
        """Unlink every file a module made (its directories too, once empty)."""
        gone: list[str] = []

        def sweep(node: Inode, prefix: str) -> None:
            for name, child in list(node.children.items()):
                path = f"{prefix}/{name}"
                if child.is_dir:
                    sweep(child, path)
                    if child.owner == owner and not child.children:
                        del node.children[name]
                elif child.owner == owner:
                    del node.children[name]
                    gone.append(path)

        sweep(self.root, "")
        return gone

    # -- looking -----------------------------------------------------------------

    def lookup(self, path: str, *, follow: bool = True) -> Inode | None:
        """The node at ``path``, symlinks followed (the last one only with @follow: lstat)."""
        names = split(path)
        node, i, links = self.root, 0, 0
        while i < len(names):
            if not node.is_dir:
                return None
            child = node.children.get(names[i])
            if child is None:
                return None
            if child.is_link and (follow or i < len(names) - 1):
                links += 1
                if links > MAXSYMLINKS:
                    return None
                here = "" if child.target.startswith("/") else "/".join(names[:i])
                names = split(f"{here}/{child.target}") + names[i + 1 :]
                node, i = self.root, 0
                continue
            node, i = child, i + 1
        return node

    def resolve(self, path: str) -> str:
        """``path`` with its symlinks followed (the directory a class link names)."""
        names = split(path)
        out: list[str] = []
        node, links = self.root, 0
        while names:
            name = names.pop(0)
            child = node.children.get(name) if node.is_dir else None
            if child is None:
                return "/" + "/".join([*out, name, *names])
            if child.is_link and links < MAXSYMLINKS:
                links += 1
                here = "" if child.target.startswith("/") else "/".join(out)
                names = split(f"{here}/{child.target}") + names
                out, node = [], self.root
                continue
            out.append(name)
            node = child
        return "/" + "/".join(out)

    def need(self, path: str) -> Inode:
        node = self.lookup(path)
        if node is None:
            raise _err(E.ENOENT, path)
        return node

    def entry(self, path: str, node: Inode) -> DirEntry:
        nlink = 2 + sum(1 for c in node.children.values() if c.is_dir) if node.is_dir else 1
        return DirEntry(
            node.name or "/", path, node.mode, node.size, node.rdev, node.owner, nlink, node.target
        )

    def listdir(self, path: str) -> list[DirEntry]:
        """A directory's entries by name (ENOTDIR for a file: ls shows the file itself)."""
        node = self.need(path)
        if not node.is_dir:
            raise _err(E.ENOTDIR, path)
        base = normpath(path).rstrip("/")
        return [self.entry(f"{base}/{n}", node.children[n]) for n in sorted(node.children)]

    def walk(self, path: str = "/") -> Iterator[str]:
        """Every path below ``path``, parents before children (for completion)."""
        node = self.lookup(path)
        if node is None:
            return
        stack = [(normpath(path).rstrip("/"), node)]
        while stack:
            prefix, node = stack.pop()
            for name in sorted(node.children, reverse=True):
                child = node.children[name]
                p = f"{prefix}/{name}"
                yield p + ("/" if child.is_dir else "")
                if child.is_dir:
                    stack.append((p, child))

    # -- open files ---------------------------------------------------------------

    def open(self, kernel: Kernel, path: str, flags: int) -> File:
        node = self.need(path)
        path = normpath(path)
        file = File(path, node, flags)
        if node.is_dir:
            raise _err(E.EISDIR, path)
        if node.ops is None:
            raise _err(E.ENXIO, path)
        if not _root_overrides_mode(path, node):
            if file.writable and not node.mode & 0o222:
                raise _err(E.EACCES, path)
            if file.readable and not node.mode & 0o444:
                raise _err(E.EACCES, path)
        node.ops.open(kernel, file)
        return file
