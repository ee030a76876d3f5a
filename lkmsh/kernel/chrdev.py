"""Character devices: device numbers, cdevs, device classes, /dev nodes, misc devices.

What fs/char_dev.c, drivers/base/{class,core}.c, devtmpfs and
drivers/char/misc.c keep, as one component:

- ``regions``: the char_device_struct list of register_chrdev_region /
  alloc_chrdev_region / register_chrdev (what /proc/devices lists); a
  dynamic major is picked as Linux picks it, from 254 down to 234, then from
  511 down to 384;
- ``cdevs``: the cdev map (cdev_add): which struct cdev answers an open of
  which device numbers; major 10 belongs to the misc layer;
- ``classes`` and ``devices``: class_create/device_create, each device a
  node /dev/NAME and a directory /sys/devices/virtual/CLASS/NAME (with its
  ``dev`` file), of which /sys/class/CLASS/NAME is a symlink, as Linux lays out
  a class device without a parent, until device_destroy;
- ``miscs``: misc_register's devices, dynamic minors from 127 down;
- ``nodes``: nodes made by hand (``mknod``), which need no driver to exist.

Opening a node runs chrdev_open (fops.py). Everything a module leaves
registered is removed when it goes, with a warning naming it.
"""

from __future__ import annotations

import errno as E
import stat as S
from dataclasses import asdict, dataclass, field
from typing import Any

from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.fops import ChrdevNode
from lkmsh.kernel.fsstructs import major as MAJOR
from lkmsh.kernel.fsstructs import minor as MINOR
from lkmsh.kernel.fsstructs import mkdev
from lkmsh.kernel.snapshot import typed
from lkmsh.kernel.vfs import TextFile, Vfs

CHRDEV_MAJOR_HASH_SIZE = 255
CHRDEV_MAJOR_MAX = 512
CHRDEV_MAJOR_DYN_END = 234
CHRDEV_MAJOR_DYN_EXT_START = 511
CHRDEV_MAJOR_DYN_EXT_END = 384
MINORMASK = (1 << 20) - 1
MISC_MAJOR = 10
MISC_DYNAMIC_MINOR = 255
DYNAMIC_MINORS = 128
#: the mode devtmpfs gives a node when the driver says nothing (crw-------)
DEFAULT_NODE_MODE = 0o600


@dataclass
class Region:
    """One char_device_struct: a major and a range of its minors, by name."""

    major: int
    baseminor: int
    minorct: int
    name: str
    owner: str | None
    cdev: int = 0  # register_chrdev's own struct cdev

    def overlaps(self, baseminor: int, minorct: int) -> bool:
        return not (
            self.baseminor + self.minorct <= baseminor or self.baseminor >= baseminor + minorct
        )


@dataclass
class CdevEntry:
    """A live cdev (cdev_add): ``addr`` is the module's struct cdev (0: the misc layer)."""

    addr: int
    dev: int
    count: int
    owner: str | None
    dynamic: bool = False  # allocated by cdev_alloc or register_chrdev: freed with it

    def covers(self, dev: int) -> bool:
        return self.dev <= dev < self.dev + self.count


@dataclass
class DevClass:
    """A struct class a module created (class_create): /sys/class/NAME."""

    name: str
    addr: int
    owner: str | None


@dataclass
class Device:
    """A device made with device_create(): its dev_t, class and /dev node."""

    name: str
    devt: int
    cls: int  # the struct class address
    addr: int  # the struct device kernel object
    owner: str | None
    mode: int = DEFAULT_NODE_MODE
    node: str = ""  # path under /dev ("" when devt is 0: no node)
    #: of no class (device_add() of a bare device: /sys/devices/NAME); ``cls`` is then 0,
    #: which is also the misc class's address
    bare: bool = False


@dataclass
class Misc:
    """A registered miscdevice: its minor, name and /dev node."""

    addr: int  # the module's struct miscdevice
    minor: int
    name: str
    owner: str | None
    device: int = 0  # this_device


@dataclass
class Node:
    """A node made with mknod."""

    path: str
    devt: int
    mode: int


@dataclass
class Chrdev(Component):
    """``vfs`` shows the nodes; ``heap`` frees the kernel objects a module leaves behind."""

    name = "chrdev"

    vfs: Vfs | None = None
    heap: Any = None
    #: takes a device's directory away with its attribute files (Sysfs.remove_dir)
    sysfs: Any = None
    regions: list[Region] = field(default_factory=list)
    cdevs: list[CdevEntry] = field(default_factory=list)
    classes: list[DevClass] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)
    miscs: list[Misc] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.boot()

    def boot(self) -> None:
        """What is there before any module: the misc layer's major 10."""
        self.regions = [Region(MISC_MAJOR, 0, 256, "misc", None)]
        self.cdevs = [CdevEntry(0, mkdev(MISC_MAJOR, 0), 256, None)]
        self.classes = [DevClass("misc", 0, None)]
        if self.vfs is not None:
            self.vfs.mkdir("/sys/class/misc")

    # -- device numbers (fs/char_dev.c) ------------------------------------------

    def _dynamic_major(self) -> int:
        used = {r.major for r in self.regions}
        slots = {m % CHRDEV_MAJOR_HASH_SIZE for m in used}
        for i in range(CHRDEV_MAJOR_HASH_SIZE - 1, CHRDEV_MAJOR_DYN_END - 1, -1):
            if i not in slots:
                return i
        for i in range(CHRDEV_MAJOR_DYN_EXT_START, CHRDEV_MAJOR_DYN_EXT_END - 1, -1):
            if i not in used:
                return i
        return -E.EBUSY

    def register_region(
        self, major: int, baseminor: int, minorct: int, name: str, owner: str | None
    ) -> tuple[Region | int, str | None]:
        """__register_chrdev_region: the region, or -errno and Linux's pr_err text."""
        if major >= CHRDEV_MAJOR_MAX:
            return -E.EINVAL, (
                f'CHRDEV "{name}" major requested ({major}) is greater than the maximum '
                f"({CHRDEV_MAJOR_MAX - 1})"
            )
        if minorct > MINORMASK + 1 - baseminor:
            return -E.EINVAL, (
                f'CHRDEV "{name}" minor range requested ({baseminor}-{baseminor + minorct - 1})'
                f" is out of range of maximum range (0-{MINORMASK}) for a single major"
            )
        if major == 0:
            major = self._dynamic_major()
            if major < 0:
                return major, f'CHRDEV "{name}" dynamic allocation region is full'
        for r in self.regions:
            if r.major == major and r.overlaps(baseminor, minorct):
                return -E.EBUSY, None
        region = Region(major, baseminor, minorct, name[:63], owner)
        self.regions.append(region)
        return region, None

    def unregister_region(self, major: int, baseminor: int, minorct: int) -> Region | None:
        for r in self.regions:
            if (r.major, r.baseminor, r.minorct) == (major, baseminor, minorct):
                self.regions.remove(r)
                return r
        return None

    def proc_devices(self) -> str:
        """/proc/devices as fs/proc/devices.c prints it, up to the block majors (block.py adds them)."""
        rows = sorted(self.regions, key=lambda r: (r.major, r.baseminor))
        return "".join(
            [
                "Character devices:\n",
                *(f"{r.major:3d} {r.name}\n" for r in rows),
                "\nBlock devices:\n",
            ]
        )

    # -- cdevs -------------------------------------------------------------------

    def cdev_add(self, entry: CdevEntry) -> None:
        """kobj_map: a later cdev for the same numbers shadows an earlier one, as Linux."""
        self.cdevs.append(entry)

    def cdev_del(self, addr: int) -> CdevEntry | None:
        for c in self.cdevs:
            if c.addr == addr and addr:
                self.cdevs.remove(c)
                return c
        return None

    def cdev_for(self, dev: int) -> CdevEntry | None:
        """The newest cdev covering ``dev`` (kobj_lookup)."""
        for c in reversed(self.cdevs):
            if c.covers(dev):
                return c
        return None

    # -- classes and devices -------------------------------------------------------

    def class_by_addr(self, addr: int) -> DevClass | None:
        return next((c for c in self.classes if c.addr == addr), None)

    def class_by_name(self, name: str) -> DevClass | None:
        return next((c for c in self.classes if c.name == name), None)

    def add_class(self, cls: DevClass) -> None:
        self.classes.append(cls)
        if self.vfs is not None:
            self.vfs.mkdir(f"/sys/class/{cls.name}", 0o755, owner=cls.owner)

    def remove_class(self, cls: DevClass) -> None:
        self.classes.remove(cls)
        for d in [d for d in self.devices if d.cls == cls.addr]:
            self.remove_device(d)
        self._remove_dir(f"/sys/class/{cls.name}")
        if self.vfs is not None:
            virtual = self.vfs.lookup(f"/sys/devices/virtual/{cls.name}")
            if virtual is not None and not virtual.children:
                self.vfs.remove(f"/sys/devices/virtual/{cls.name}")

    def device_by_addr(self, addr: int) -> Device | None:
        return next((d for d in self.devices if d.addr == addr), None)

    def device_in(self, cls: int, devt: int) -> Device | None:
        return next((d for d in self.devices if d.cls == cls and d.devt == devt), None)

    def class_name_of(self, dev: Device) -> str:
        cls = self.class_by_addr(dev.cls)
        return cls.name if cls is not None else ""

    def add_device(self, dev: Device) -> None:
        self.devices.append(dev)
        self._publish_device(dev)

    def device_path(self, dev: Device) -> str:
        """The device's sysfs directory: /sys/devices/virtual/CLASS/NAME, or
        /sys/devices/NAME for a device of no class (device_add() of a bare device)."""
        if dev.bare:
            return f"/sys/devices/{dev.name}"
        return f"/sys/devices/virtual/{self.class_name_of(dev)}/{dev.name}"

    def _publish_device(self, dev: Device) -> None:
        if self.vfs is None:
            return
        cls = self.class_name_of(dev)
        sysdir = self.device_path(dev)
        self.vfs.mkdir(sysdir, 0o755, owner=dev.owner)
        link = f"/sys/class/{cls}/{dev.name}"
        if not dev.bare and self.vfs.lookup(link, follow=False) is None:
            target = f"../../devices/virtual/{cls}/{dev.name}"
            self.vfs.symlink(link, target, owner=dev.owner)
        if dev.devt:
            devt = dev.devt
            self.vfs.add(
                f"{sysdir}/dev",
                TextFile(lambda k: f"{MAJOR(devt)}:{MINOR(devt)}\n".encode()),
                S.S_IFREG | 0o444,
                owner=dev.owner,
            )
        if dev.node:
            self._publish_node(f"/dev/{dev.node}", dev.devt, dev.mode, dev.owner)

    def _publish_node(self, path: str, devt: int, mode: int, owner: str | None) -> None:
        assert self.vfs is not None
        if self.vfs.lookup(path) is None:
            self.vfs.add(path, ChrdevNode(devt), S.S_IFCHR | mode, owner=owner, rdev=devt)

    def remove_device(self, dev: Device) -> None:
        self.devices.remove(dev)
        if self.vfs is None:
            return
        self._remove_dir(self.device_path(dev))
        if not dev.bare:
            self.vfs.remove(f"/sys/class/{self.class_name_of(dev)}/{dev.name}")
        if dev.node:
            node = self.vfs.lookup(f"/dev/{dev.node}")
            if node is not None and node.rdev == dev.devt:
                self.vfs.remove(f"/dev/{dev.node}")

    def _remove_dir(self, path: str) -> None:
        if self.sysfs is not None:
            self.sysfs.remove_dir(path)
        elif self.vfs is not None:
            self.vfs.remove(path)

    def mknod(self, path: str, devt: int, mode: int) -> None:
        """A node made by hand (mknod PATH c MAJOR MINOR); EEXIST if the name is taken."""
        assert self.vfs is not None
        if self.vfs.lookup(path) is not None:
            from lkmsh.kernel.vfs import FileError

            raise FileError(f"{path}: File exists", E.EEXIST)
        node = Node(path, devt, mode)
        self.nodes.append(node)
        self._publish_node(path, devt, mode, None)

    def unlink(self, path: str) -> bool:
        """Remove a node made with mknod (True if there was one)."""
        for n in self.nodes:
            if n.path == path:
                self.nodes.remove(n)
                if self.vfs is not None:
                    self.vfs.remove(path)
                return True
        return False

    # -- misc devices ----------------------------------------------------------------

    def misc_minor(self) -> int:
        """A free dynamic minor (127 down to 0), or -EBUSY."""
        used = {m.minor for m in self.miscs}
        for i in range(DYNAMIC_MINORS):
            if DYNAMIC_MINORS - i - 1 not in used:
                return DYNAMIC_MINORS - i - 1
        return -E.EBUSY

    def misc_by_minor(self, minor: int) -> Misc | None:
        # misc_list is newest first: a later device "overrides" an earlier one
        return next((m for m in reversed(self.miscs) if m.minor == minor), None)

    def misc_by_addr(self, addr: int) -> Misc | None:
        return next((m for m in self.miscs if m.addr == addr), None)

    def proc_misc(self) -> str:
        return "".join(f"{m.minor:3d} {m.name}\n" for m in reversed(self.miscs))

    # -- a module goes ---------------------------------------------------------------

    def _free(self, addr: int) -> None:
        if addr and self.heap is not None and self.heap.lookup(addr) is not None:
            self.heap.free(addr)

    def module_going(self, module: Any) -> list[Report]:
        """What a module forgot to unregister: removed, each with a warning."""
        name = module.name
        out: list[Report] = []
        for m in [m for m in self.miscs if m.owner == name]:
            out.append((4, f"{name}: removing leftover misc device {m.name} (10:{m.minor})"))
            self.miscs.remove(m)
            dev = self.device_by_addr(m.device)
            if dev is not None:
                self.remove_device(dev)
                self._free(dev.addr)
        for d in [d for d in self.devices if d.owner == name]:
            where = f"/dev/{d.node}" if d.node else d.name
            out.append((4, f"{name}: removing leftover device {where} ({self.class_name_of(d)})"))
            self.remove_device(d)
            self._free(d.addr)
        for c in [c for c in self.classes if c.owner == name]:
            out.append((4, f"{name}: removing leftover class {c.name}"))
            self.remove_class(c)
            self._free(c.addr)
        for cd in [cd for cd in self.cdevs if cd.owner == name]:
            region = next((r for r in self.regions if r.cdev == cd.addr), None)
            if region is None:
                out.append((4, f"{name}: removing leftover cdev {MAJOR(cd.dev)}:{MINOR(cd.dev)}"))
            self.cdevs.remove(cd)
            if cd.dynamic:
                self._free(cd.addr)
        for r in [r for r in self.regions if r.owner == name]:
            last = r.baseminor + r.minorct - 1
            out.append(
                (
                    4,
                    f"{name}: removing leftover char device region {r.major}:{r.baseminor}-{last}"
                    f' "{r.name}"',
                )
            )
            self.regions.remove(r)
        return out

    # -- persistence -------------------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        return {
            "regions": [asdict(r) for r in self.regions],
            "cdevs": [asdict(c) for c in self.cdevs],
            "classes": [asdict(c) for c in self.classes],
            "devices": [asdict(d) for d in self.devices],
            "miscs": [asdict(m) for m in self.miscs],
            "nodes": [asdict(n) for n in self.nodes],
        }

    def load_data(self, data: dict[str, Any] | None) -> None:
        if not data:
            return
        self.regions = [typed(Region, r, "chrdev region") for r in data["regions"]]
        self.cdevs = [typed(CdevEntry, c, "cdev") for c in data["cdevs"]]
        self.classes = []
        for c in data["classes"]:
            self.add_class(typed(DevClass, c, "class"))
        self.devices = []
        for d in data["devices"]:
            self.add_device(typed(Device, d, "device"))
        self.miscs = [typed(Misc, m, "misc device") for m in data["miscs"]]
        self.nodes = []
        for n in data["nodes"]:
            node = typed(Node, n, "device node")
            self.nodes.append(node)
            self._publish_node(node.path, node.devt, node.mode, None)
