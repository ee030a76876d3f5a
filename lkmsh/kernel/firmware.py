"""The firmware loader's state (drivers/base/firmware_loader of Linux 6.1): where
firmware files are looked for, the images loaded, and who holds them.

Firmware files come from the host, read-only, in Linux's order (``fw_path[]``):
the ``firmware_class.path`` parameter (``/sys/module/firmware_class/parameters/
path``, or the kernel command line's ``firmware_class.path=``), then
/lib/firmware/updates/RELEASE, /lib/firmware/updates, /lib/firmware/RELEASE and
/lib/firmware. A read is ``kernel_read_file()``'s: only regular files, an empty
one is -EINVAL, one bigger than the buffer -EFBIG, and, where Linux's bound is
INT_MAX, lkmsh's is ``FW_MAX_SIZE`` (64 MiB, so host memory stays bounded).

``privs`` are the ``struct fw_priv``s (one kernel object each, its address the
key): the image's kernel address and size, its references; a cached one (every
request but the into-buffer ones) is in ``fw_cache``'s list, so a second request
for the same name while the first is held shares it, as Linux's batched
requests do. ``handed`` are the ``struct firmware``s drivers hold; ``devm`` the
names recorded in a device's devres list (FW_CACHE: ``fw_add_devm_name``),
which makes request_firmware_into_buf() of that name -EOPNOTSUPP.

The kernel API (kapi/firmware.py) runs the requests and logs; this component
reads the host, keeps the state across commands and, when a module goes,
drops the references of the firmware it did not release (its struct firmware
is in its kmemleak report, heap.py).
"""

from __future__ import annotations

import errno as E
import os
import stat as S
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.heap import KERNEL_OWNER, KIND_VMALLOC
from lkmsh.kernel.release import KERNEL_RELEASE
from lkmsh.kernel.snapshot import typed
from lkmsh.kernel.vfs import FileError

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel

#: the biggest firmware file (and decompressed image) lkmsh reads: Linux's bound is
#: kernel_read_file()'s INT_MAX, past which it says -EFBIG
FW_MAX_SIZE = 64 << 20
PATH_MAX = 4096
INT_MAX = (1 << 31) - 1
#: fw_path_para[256]: the parameter's string, NUL included
FW_PATH_PARA_SIZE = 256
#: the default search path after the parameter (drivers/base/firmware_loader/main.c)
DEFAULT_PATHS = (
    f"/lib/firmware/updates/{KERNEL_RELEASE}",
    "/lib/firmware/updates",
    f"/lib/firmware/{KERNEL_RELEASE}",
    "/lib/firmware",
)
PARAM_DIR = "/sys/module/firmware_class/parameters"
CMDLINE_KEY = "firmware_class.path="
FW_PRIV_SIZE = 128  # the kernel object behind firmware->priv

# the opt_flags of drivers/base/firmware_loader/firmware.h
FW_OPT_UEVENT = 1 << 0
FW_OPT_NOWAIT = 1 << 1
FW_OPT_USERHELPER = 1 << 2
FW_OPT_NO_WARN = 1 << 3
FW_OPT_NOCACHE = 1 << 4
FW_OPT_NOFALLBACK_SYSFS = 1 << 5
FW_OPT_FALLBACK_PLATFORM = 1 << 6
FW_OPT_PARTIAL = 1 << 7


@dataclass
class FwPriv:
    """A ``struct fw_priv``: one loaded (or loading) image."""

    addr: int  # the kernel object firmware->priv points at
    name: str
    opt_flags: int
    data: int = 0  # the image's kernel address (the driver's buffer for into_buf)
    size: int = 0
    allocated_size: int = 0  # the driver's buffer size (into_buf), 0: the loader's pages
    offset: int = 0
    refs: int = 1
    cached: bool = False  # in fw_cache's list: later requests of the name share it
    own_data: bool = False  # data was allocated by the loader (freed with the last ref)


@dataclass
class Handed:
    """A ``struct firmware`` a driver holds (request_firmware's result)."""

    addr: int
    priv: int
    owner: str


@dataclass
class DevmName:
    """A name in a device's devres list (fw_name_devm)."""

    dev: int
    name: str


@dataclass
class Firmware(Component):
    """``kernel`` gives the heap, the file tree and the command line."""

    name = "firmware"

    kernel: Any = None
    #: the parameter as written (None: never written, the command line's value holds)
    path_param: str | None = None
    privs: dict[int, FwPriv] = field(default_factory=dict)
    handed: dict[int, Handed] = field(default_factory=dict)
    devm: list[DevmName] = field(default_factory=list)

    # -- the search path ---------------------------------------------------------

    @property
    def path(self) -> str:
        """fw_path_para: what was written, else the command line's firmware_class.path."""
        if self.path_param is not None:
            return self.path_param
        cmdline = getattr(getattr(self.kernel, "config", None), "cmdline", "") or ""
        for word in cmdline.split():
            if word.startswith(CMDLINE_KEY):
                return word[len(CMDLINE_KEY) :][: FW_PATH_PARA_SIZE - 1]
        return ""

    def search_paths(self) -> list[str]:
        """fw_path[] in order, the unset parameter left out."""
        return [p for p in (self.path, *DEFAULT_PATHS) if p]

    def store_path(self, kernel: Kernel, data: bytes) -> int:
        """/sys/module/firmware_class/parameters/path (kfiles.py), module_param_string's
        param_set_copystring: the bytes as written (a trailing newline included, as
        6.1 keeps it), up to the first NUL; -ENOSPC past 255 bytes."""
        text = data.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
        if len(text.encode("utf-8", "surrogateescape")) + 1 > FW_PATH_PARA_SIZE:
            # a built-in module's parameter is named with its prefix (MODULE_PARAM_PREFIX)
            room = FW_PATH_PARA_SIZE - 1
            kernel.log.emit(3, f"firmware_class.path: string doesn't fit in {room} chars.")
            raise FileError(f"{PARAM_DIR}/path: {os.strerror(E.ENOSPC)}", E.ENOSPC)
        self.path_param = text
        return len(data)

    # -- reading the host (kernel_read_file) -------------------------------------

    @staticmethod
    def read_file(path: str, offset: int, buf_size: int, partial: bool) -> bytes | int:
        """kernel_read_file_from_path_initns(): the bytes read, or -errno.

        @buf_size bounds the read (the driver's buffer, else FW_MAX_SIZE, lkmsh's
        INT_MAX); @partial: the file may be bigger than the buffer (a partial read
        from @offset), else a bigger file is -EFBIG."""
        host = os.path.join("/", path)  # init's root: a relative path is from /
        try:
            fd = os.open(host, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            return -(exc.errno or E.EIO)
        try:
            st = os.fstat(fd)
            if not S.S_ISREG(st.st_mode):
                return -E.EINVAL
            i_size = st.st_size
            if i_size <= 0:
                return -E.EINVAL
            if i_size > INT_MAX or (i_size > FW_MAX_SIZE and not partial):
                return -E.EFBIG  # "too big for sane activities" (a partial read takes less)
            if not partial and offset == 0 and i_size > buf_size:
                return -E.EFBIG
            want = max(0, min(buf_size, i_size - offset))
            chunks, got = [], 0
            while got < want:
                piece = os.pread(fd, want - got, offset + got)
                if not piece:
                    break
                chunks.append(piece)
                got += len(piece)
            data = b"".join(chunks)
            if offset == 0 and i_size <= buf_size and len(data) != i_size:
                return -E.EIO  # the file changed size while read
            return data
        except OSError as exc:
            return -(exc.errno or E.EIO)
        finally:
            os.close(fd)

    # -- fw_cache and the images ---------------------------------------------------

    def lookup(self, name: str) -> FwPriv | None:
        """__lookup_fw_priv: the newest cached image of @name."""
        for priv in reversed(self.privs.values()):
            if priv.cached and priv.name == name:
                return priv
        return None

    def add_priv(self, priv: FwPriv) -> None:
        self.privs[priv.addr] = priv

    def put_priv(self, addr: int) -> None:
        """free_fw_priv(): one reference less; the last frees the image and the object."""
        priv = self.privs.get(addr)
        if priv is None:
            return
        priv.refs -= 1
        if priv.refs > 0:
            return
        del self.privs[addr]
        heap = self.kernel.heap
        if priv.own_data and priv.data and heap.lookup(priv.data) is not None:
            heap.free(priv.data, 0, KIND_VMALLOC)
        if heap.lookup(priv.addr) is not None:
            heap.free(priv.addr)

    def alloc_priv(self) -> int:
        """The kernel object of a new struct fw_priv (0: no memory)."""
        return self.kernel.heap.alloc(FW_PRIV_SIZE, KERNEL_OWNER, 0, zero=True, managed=True)

    # -- devres names (FW_CACHE) ---------------------------------------------------

    def _prune_devm(self) -> None:
        """Names of devices gone are gone with their devres list."""
        known = self._device_known
        self.devm = [d for d in self.devm if known(d.dev)]

    def _device_known(self, dev: int) -> bool:
        k = self.kernel
        return k.chrdev.device_by_addr(dev) is not None or k.platform.device_of(dev) is not None

    def cache_is_setup(self, dev: int, name: str) -> bool:
        """fw_cache_is_setup()."""
        if not dev:
            return False
        self._prune_devm()
        return any(d.dev == dev and d.name == name for d in self.devm)

    def add_devm_name(self, dev: int, name: str) -> None:
        """fw_add_devm_name()."""
        if dev and not self.cache_is_setup(dev, name):
            self.devm.append(DevmName(dev, name))

    # -- a module goes ---------------------------------------------------------------

    def module_going(self, module: Any) -> list[Report]:
        """The firmware a module did not release: its images' references are dropped
        (the struct firmware itself is the module's allocation: kmemleak reports it)."""
        for h in [h for h in self.handed.values() if h.owner == module.name]:
            del self.handed[h.addr]
            self.put_priv(h.priv)
        return []

    # -- persistence -----------------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        return {
            "path": self.path_param,
            "privs": [asdict(p) for p in self.privs.values()],
            "handed": [asdict(h) for h in self.handed.values()],
            "devm": [asdict(d) for d in self.devm],
        }

    def load_data(self, data: dict[str, Any] | None) -> None:
        if not data:
            return
        path = data.get("path")
        self.path_param = path if isinstance(path, str) else None
        self.privs = {}
        for item in data.get("privs", []):
            p = typed(FwPriv, item, "firmware image")
            self.privs[p.addr] = p
        self.handed = {}
        for item in data.get("handed", []):
            h = typed(Handed, item, "firmware")
            self.handed[h.addr] = h
        self.devm = [typed(DevmName, d, "firmware devres name") for d in data.get("devm", [])]
