"""The platform bus: devices, drivers, binding, device-tree nodes and managed resources.

As Linux 6.1's drivers/base/platform.c and dd.c: a driver binds to a device
that its ``of_match_table`` (compatible strings), ``id_table`` (names) or its
own name matches, in that order; binding runs ``probe(pdev)`` (a non-zero
return unbinds with Linux's message), unbinding runs ``remove(pdev)`` and then
frees the device's managed (devm_*) resources, newest first. Devices come
from modules (``platform_device_register``...) or from the shell, which also
gives them a device-tree node with properties (strings, u32 cells, flags),
laid out in kernel memory as ``struct device_node`` and ``struct property``
so that module code reads ``np->full_name`` and the ``of_*`` functions find
the values where Linux keeps them. /sys/bus/platform/{devices,drivers} show
them; a driver's ``bind`` and ``unbind`` files take a device name.
"""

from __future__ import annotations

import errno as E
import stat as S
import struct
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from lkmsh.errors import KernelError
from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.cstructs import cstruct
from lkmsh.kernel.fsstructs import DeviceOff
from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.snapshot import typed
from lkmsh.kernel.vfs import TextFile

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel

PDEV = cstruct(
    "struct platform_device", "linux/platform_device.h", 256,
    name=(0, 8), id=(8, 4), id_auto=(12, 1), dev=(16, 176), num_resources=(216, 4),
    resource=(224, 8), id_entry=(232, 8), driver_override=(240, 8),
)  # fmt: skip
PDRV = cstruct(
    "struct platform_driver", "linux/platform_device.h", 200,
    probe=(0, 8), remove=(8, 8), shutdown=(16, 8), suspend=(24, 8), resume=(32, 8),
    driver=(40, 144), driver__name=(40, 8), driver__owner=(56, 8),
    driver__of_match_table=(80, 8), driver__pm=(160, 8), id_table=(184, 8),
)  # fmt: skip
NODE = cstruct(
    "struct device_node", "linux/of.h", 144,
    name=(0, 8), phandle=(8, 4), full_name=(16, 8), fwnode=(24, 64), properties=(88, 8),
    parent=(104, 8), data=(136, 8),
)  # fmt: skip
PROP = cstruct(
    "struct property", "linux/of.h", 32, name=(0, 8), length=(8, 4), value=(16, 8), next=(24, 8)
)
OF_ID = cstruct(
    "struct of_device_id", "linux/mod_devicetable.h", 200,
    name=(0, 32), type=(32, 32), compatible=(64, 128), data=(192, 8),
)  # fmt: skip
PDEV_ID = cstruct(
    "struct platform_device_id", "linux/mod_devicetable.h", 32, name=(0, 20), driver_data=(24, 8)
)
RESOURCE = cstruct(
    "struct resource", "linux/ioport.h", 64, start=(0, 8), end=(8, 8), name=(16, 8), flags=(24, 8)
)

DEV_OFF = PDEV.off("dev")
DRIVER_OFF = PDRV.off("driver")
PLATFORM_DEVID_NONE = -1
PLATFORM_DEVID_AUTO = -2
IORESOURCE_MEM = 0x200
IORESOURCE_IRQ = 0x400
MAX_TABLE = 256  # entries read from a match table before giving up (no sentinel)
BUS = "/sys/bus/platform"
ROOTS = "/sys/devices/"  # root devices: /sys/devices/NAME

#: A property value: a string list, u32 cells, or present-without-value (True).
PropValue = list[str] | list[int] | bool


class PlatformError(KernelError):
    """A bus operation refused with Linux's errno."""


@dataclass
class DevRes:
    """One managed resource: memory (heap address), an IRQ, or an action to call."""

    kind: str  # "mem" | "irq" | "iomap" | "gpio" | "action"
    a: int
    b: int = 0


@dataclass
class PDevice:
    addr: int  # struct platform_device
    name: str
    dev_name: str
    owner: str | None  # the module that registered it; None for the shell's
    kernel_made: bool  # allocated by the kernel (alloc, register_simple, the shell)
    props: dict[str, Any] = field(default_factory=dict)
    node: int = 0  # struct device_node, when it has one
    node_mem: int = 0  # the node, its properties and their values (one allocation)
    driver: int = 0  # the bound struct platform_driver
    devres: list[DevRes] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)  # kernel allocations freed on release

    @property
    def dev(self) -> int:
        return self.addr + DEV_OFF

    @property
    def compatible(self) -> list[str]:
        value = self.props.get("compatible")
        return list(value) if isinstance(value, list) else []


@dataclass
class RootDevice:
    """A device of no bus (root_device_register: /sys/devices/NAME), for devres."""

    dev: int  # struct root_device: its struct device, then the owner module pointer
    name: str
    owner: str | None
    devres: list[DevRes] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)  # its name string


@dataclass
class PDriver:
    addr: int  # struct platform_driver
    name: str
    owner: str | None


def encode_value(value: PropValue) -> bytes:
    """A property's bytes as a device tree holds them: NUL-ended strings, big-endian cells."""
    if value is True:
        return b""
    if value and all(isinstance(v, str) for v in value):  # type: ignore[union-attr]
        return b"".join(v.encode() + b"\0" for v in value)  # type: ignore[union-attr]
    return b"".join(struct.pack(">I", int(v) & 0xFFFFFFFF) for v in value)  # type: ignore[union-attr]


class PlatformBus(Component):
    name = "platform"

    def __init__(self, kernel: Kernel):
        self.kernel = kernel
        self.devices: list[PDevice] = []
        self.drivers: list[PDriver] = []
        #: platform_device_alloc'ed, not (or no longer) added: address -> its allocations
        self.unadded: dict[int, list[int]] = {}
        self.auto_id = 0
        self.roots: list[RootDevice] = []

    # -- lookups ------------------------------------------------------------------

    def device(self, addr: int) -> PDevice | None:
        return next((d for d in self.devices if d.addr == addr), None)

    def device_of(self, dev: int) -> PDevice | None:
        """The platform device whose embedded struct device is at ``dev``."""
        return self.device(dev - DEV_OFF)

    def device_named(self, dev_name: str) -> PDevice | None:
        return next((d for d in self.devices if d.dev_name == dev_name), None)

    def device_by_node(self, node: int) -> PDevice | None:
        return next((d for d in self.devices if node and d.node == node), None)

    def driver(self, addr: int) -> PDriver | None:
        return next((d for d in self.drivers if d.addr == addr), None)

    # -- memory helpers ---------------------------------------------------------------

    def _alloc(self, size: int) -> int:
        addr = self.kernel.heap.alloc(size, KERNEL_OWNER, 0, zero=True, managed=True)
        if not addr:
            raise PlatformError("out of memory", E.ENOMEM)
        return addr

    def _string(self, text: str) -> int:
        raw = text.encode()
        addr = self._alloc(len(raw) + 1)
        self.kernel.mem.write(addr, raw + b"\0")
        return addr

    def _free(self, addr: int) -> None:
        if addr and self.kernel.heap.lookup(addr) is not None:
            self.kernel.heap.free(addr)

    # -- devices ----------------------------------------------------------------------

    def add_device(
        self,
        addr: int,
        owner: str | None,
        kernel_made: bool,
        node: dict[str, PropValue] | None = None,
    ) -> PDevice:
        """platform_device_add: name it, publish it, bind a driver if one matches.

        ``node``: the device-tree properties of a device the board has (the shell's).
        """
        if self.device(addr) is not None:
            raise PlatformError("device added twice", E.EBUSY)
        mem = self.kernel.mem
        name = mem.read_cstr(mem.read_u64(addr + PDEV.off("name")), 64).decode(errors="replace")
        dev_id = struct.unpack("<i", mem.read(addr + PDEV.off("id"), 4))[0]
        if dev_id == PLATFORM_DEVID_AUTO:
            dev_name = f"{name}.{self.auto_id}.auto"
            self.auto_id += 1
            mem.write(addr + PDEV.off("id_auto"), b"\1")
        elif dev_id == PLATFORM_DEVID_NONE:
            dev_name = name
        else:
            dev_name = f"{name}.{dev_id}"
        if self.device_named(dev_name) is not None:
            self.kernel.log.emit(
                3, f"sysfs: cannot create duplicate filename '/devices/platform/{dev_name}'"
            )
            raise PlatformError(f"{dev_name} exists", E.EEXIST)
        pdev = PDevice(addr, name, dev_name, owner, kernel_made)
        pdev.extra = self.unadded.pop(addr, [])
        name_ptr = self._string(dev_name)
        pdev.extra.append(name_ptr)
        mem.write_u64(pdev.dev + DeviceOff.kobj_name, name_ptr)
        if node is not None:
            self.set_node(pdev, node)
        self.devices.append(pdev)
        self._publish_device(pdev)
        for drv in self.drivers:
            if self._bind_if_match(pdev, drv):
                break
        return pdev

    def add_board_device(self, name: str, props: dict[str, PropValue]) -> PDevice:
        """A device the board has (the shell's), with a device-tree node of ``props``."""
        if not name or "/" in name or name in (".", "..") or len(name) > 63:
            raise PlatformError(f"bad device name '{name}'", E.EINVAL)
        addr = self._alloc(PDEV.size)
        text = self._string(name)
        self.unadded[addr] = [text]
        self.kernel.mem.write_u64(addr + PDEV.off("name"), text)
        self.kernel.mem.write(addr + PDEV.off("id"), struct.pack("<i", PLATFORM_DEVID_NONE))
        try:
            self._board_resources(addr, props)
            model = self.kernel.mmio.attach(
                name,
                [v for v in props.get("compatible", []) if isinstance(v, str)],
                _cells(props.get("reg")),
                (_cells(props.get("interrupts")) or [0])[0],
            )
            try:
                return self.add_device(addr, None, kernel_made=True, node=props)
            except PlatformError:
                if model is not None:
                    self.kernel.mmio.detach(name)
                raise
        except KernelError:
            for a in [*self.unadded.pop(addr, []), addr]:
                self._free(a)
            raise

    def _board_resources(self, addr: int, props: dict[str, PropValue]) -> None:
        """As of_platform does: ``reg = <addr size ...>`` memory, ``interrupts`` IRQs."""
        reg, irqs = _cells(props.get("reg")), _cells(props.get("interrupts"))
        res = [(a, a + s - 1, IORESOURCE_MEM) for a, s in zip(reg[::2], reg[1::2], strict=False)]
        res += [(n, n, IORESOURCE_IRQ) for n in irqs]
        if not res:
            return
        table = self._alloc(RESOURCE.size * len(res))
        self.unadded[addr].append(table)
        for i, (start, end, flags) in enumerate(res):
            at = table + i * RESOURCE.size
            self.kernel.mem.write_u64(at + RESOURCE.off("start"), start)
            self.kernel.mem.write_u64(at + RESOURCE.off("end"), end)
            self.kernel.mem.write_u64(at + RESOURCE.off("flags"), flags)
        self.kernel.mem.write_u64(addr + PDEV.off("resource"), table)
        self.kernel.mem.write(addr + PDEV.off("num_resources"), len(res).to_bytes(4, "little"))

    def set_node(self, pdev: PDevice, props: dict[str, PropValue]) -> None:
        """Give a device a device-tree node with ``props``, laid out in kernel memory."""
        names = list(props)
        values = [encode_value(props[n]) for n in names]
        strings = [pdev.dev_name.encode() + b"\0", *[n.encode() + b"\0" for n in names]]
        size = NODE.size + PROP.size * len(names) + sum(map(len, strings)) + sum(map(len, values))
        base = self._alloc(size)
        mem = self.kernel.mem
        at = base + NODE.size + PROP.size * len(names)
        text_at = []
        for s in [*strings, *values]:
            mem.write(at, s)
            text_at.append(at)
            at += len(s)
        name_at, prop_names, value_at = (
            text_at[0],
            text_at[1 : 1 + len(names)],
            text_at[1 + len(names) :],
        )
        mem.write_u64(base + NODE.off("name"), name_at)
        mem.write_u64(base + NODE.off("full_name"), name_at)
        for i in range(len(names)):
            p = base + NODE.size + PROP.size * i
            mem.write_u64(p + PROP.off("name"), prop_names[i])
            mem.write(p + PROP.off("length"), len(values[i]).to_bytes(4, "little"))
            mem.write_u64(p + PROP.off("value"), value_at[i] if values[i] else 0)
            mem.write_u64(p + PROP.off("next"), p + PROP.size if i + 1 < len(names) else 0)
        if names:
            mem.write_u64(base + NODE.off("properties"), base + NODE.size)
        pdev.props = {n: props[n] for n in names}
        pdev.node = pdev.node_mem = base
        mem.write_u64(pdev.dev + DeviceOff.of_node, base)

    def remove_device(self, pdev: PDevice) -> list[Report]:
        """platform_device_unregister: unbind, unpublish, release (with Linux's warning
        for a device that has no release function and was not the kernel's)."""
        out = self.unbind(pdev)
        self.devices.remove(pdev)
        self.kernel.sysfs.remove_dir(f"{BUS}/devices/{pdev.dev_name}")
        if pdev.owner is None:
            self.kernel.mmio.detach(pdev.dev_name)
        release = self.kernel.mem.read_u64(pdev.dev + DeviceOff.release)
        if not pdev.kernel_made and not release:
            out.append(
                (3, f"Device '{pdev.dev_name}' does not have a release() function, it is "
                    "broken and must be fixed. See Documentation/core-api/kobject.rst.")
            )  # fmt: skip
        for addr in pdev.extra:
            self._free(addr)
        self._free(pdev.node_mem)
        if pdev.kernel_made:
            self._free(pdev.addr)
        return out

    # -- drivers ------------------------------------------------------------------

    def add_driver(self, addr: int, owner: str | None) -> PDriver:
        mem = self.kernel.mem
        name = mem.read_cstr(mem.read_u64(addr + PDRV.off("driver__name")), 64).decode(
            errors="replace"
        )
        if any(d.name == name for d in self.drivers):
            self.kernel.log.emit(3, f"Error: Driver '{name}' is already registered, aborting...")
            raise PlatformError(f"driver {name} exists", E.EBUSY)
        drv = PDriver(addr, name, owner)
        self.drivers.append(drv)
        self._publish_driver(drv)
        for pdev in self.devices:
            if not pdev.driver:
                self._bind_if_match(pdev, drv)
        return drv

    def remove_driver(self, drv: PDriver) -> list[Report]:
        out: list[Report] = []
        for pdev in self.devices:
            if pdev.driver == drv.addr:
                out += self.unbind(pdev)
        self.drivers.remove(drv)
        self.kernel.sysfs.remove_dir(f"{BUS}/drivers/{drv.name}")
        return out

    # -- matching and binding ---------------------------------------------------------

    def match(self, pdev: PDevice, drv: PDriver) -> tuple[bool, int]:
        """(matches, id_entry): of_match_table, then id_table, then the names."""
        mem = self.kernel.mem
        table = mem.read_u64(drv.addr + PDRV.off("driver__of_match_table"))
        if table and pdev.compatible:
            for entry in self._table(table, OF_ID.size):
                compat = mem.read_cstr(entry + OF_ID.off("compatible"), 128).decode(
                    errors="replace"
                )
                name = mem.read(entry + OF_ID.off("name"), 1)
                if not compat and name == b"\0":
                    break
                if compat in pdev.compatible:
                    return True, 0
        ids = mem.read_u64(drv.addr + PDRV.off("id_table"))
        if ids:
            for entry in self._table(ids, PDEV_ID.size):
                name = mem.read_cstr(entry, 20).decode(errors="replace")
                if not name:
                    break
                if name == pdev.name:
                    return True, entry
        return pdev.name == drv.name, 0

    @staticmethod
    def _table(base: int, size: int) -> list[int]:
        return [base + i * size for i in range(MAX_TABLE)]

    def _bind_if_match(self, pdev: PDevice, drv: PDriver) -> bool:
        ok, id_entry = self.match(pdev, drv)
        if ok:
            self.kernel.mem.write_u64(pdev.addr + PDEV.off("id_entry"), id_entry)
            self.bind(pdev, drv)
        return bool(pdev.driver)

    def bind(self, pdev: PDevice, drv: PDriver) -> int:
        """really_probe: dev->driver set, probe(pdev); a failure undoes it all."""
        mem, k = self.kernel.mem, self.kernel
        mem.write_u64(pdev.dev + DeviceOff.driver, drv.addr + DRIVER_OFF)
        probe = mem.read_u64(drv.addr + PDRV.off("probe"))
        ret = 0
        if probe:
            with k.running(k.module_find(drv.owner or "")):
                ret = _int(k.call(probe, [pdev.addr]))
        if ret == 0:
            pdev.driver = drv.addr
            self._publish_device(pdev)
            return 0
        self._release_devres(pdev)
        mem.write_u64(pdev.dev + DeviceOff.driver, 0)
        mem.write_u64(pdev.dev + DeviceOff.driver_data, 0)
        if ret not in (-E.ENODEV, -E.ENXIO, -517):
            k.log.emit(4, f"{drv.name}: probe of {pdev.dev_name} failed with error {ret}")
        return ret

    def unbind(self, pdev: PDevice) -> list[Report]:
        drv = self.driver(pdev.driver)
        if drv is None:
            return []
        mem, k = self.kernel.mem, self.kernel
        remove = mem.read_u64(drv.addr + PDRV.off("remove"))
        if remove:
            with k.running(k.module_find(drv.owner or "")):
                k.call(remove, [pdev.addr])
        self._release_devres(pdev)
        mem.write_u64(pdev.dev + DeviceOff.driver, 0)
        mem.write_u64(pdev.dev + DeviceOff.driver_data, 0)
        pdev.driver = 0
        if pdev in self.devices:
            self._publish_device(pdev)
        return []

    # -- managed resources --------------------------------------------------------------

    def _devres_of(self, dev: int) -> list[DevRes] | None:
        """The managed resources of the platform or root device at ``dev``."""
        pdev = self.device_of(dev)
        if pdev is not None:
            return pdev.devres
        root = self.root(dev)
        return root.devres if root is not None else None

    def devres_add(self, dev: int, res: DevRes) -> bool:
        devres = self._devres_of(dev)
        if devres is None:
            return False
        devres.append(res)
        return True

    def devres_remove_mem(self, dev: int, addr: int) -> bool:
        devres = self._devres_of(dev) or []
        for res in devres:
            if res.kind == "mem" and res.a == addr:
                devres.remove(res)
                return True
        return False

    def _release_devres(self, pdev: PDevice) -> None:
        drv = self.driver(pdev.driver)
        self._release(pdev.devres, drv.owner if drv else None)

    def _release(self, devres: list[DevRes], owner: str | None) -> None:
        """devres_release_all(): newest first; actions run as the owning module."""
        k = self.kernel
        while devres:
            res = devres.pop()
            if res.kind == "mem":
                if k.heap.lookup(res.a) is not None:
                    k.heap.free(res.a)
            elif res.kind == "irq":
                k.irqs.free(res.a, res.b)
            elif res.kind == "iomap":
                k.mmio.iounmap(res.a)
            elif res.kind == "gpio":
                k.gpio.free(res.a)
            elif res.kind == "action":
                with k.running(k.module_find(owner or "") if owner else None):
                    k.call(res.a, [res.b])

    # -- root devices ---------------------------------------------------------------------

    def root(self, dev: int) -> RootDevice | None:
        return next((r for r in self.roots if r.dev == dev), None)

    def add_root(self, name: str, owner: str | None, module_addr: int) -> RootDevice:
        """__root_device_register(): a struct root_device named @name, at /sys/devices/NAME."""
        if any(r.name == name for r in self.roots) or self.kernel.vfs.lookup(ROOTS + name):
            self.kernel.log.emit(3, f"sysfs: cannot create duplicate filename '/devices/{name}'")
            raise PlatformError(f"{name} exists", E.EEXIST)
        dev = self._alloc(DeviceOff.SIZE + 8)
        name_ptr = self._string(name)
        self.kernel.mem.write_u64(dev + DeviceOff.kobj_name, name_ptr)
        self.kernel.mem.write_u64(dev + DeviceOff.SIZE, module_addr)
        root = RootDevice(dev, name, owner, extra=[name_ptr])
        self.roots.append(root)
        self.kernel.vfs.mkdir(ROOTS + name)
        return root

    def remove_root(self, root: RootDevice) -> None:
        """device_unregister() of a root device: its resources go, then the device."""
        self._release(root.devres, root.owner)
        self.roots.remove(root)
        self.kernel.sysfs.remove_dir(ROOTS + root.name)
        for addr in [*root.extra, root.dev]:
            self._free(addr)

    # -- sysfs ----------------------------------------------------------------------------

    def _publish_device(self, pdev: PDevice) -> None:
        vfs = self.kernel.vfs
        base = f"{BUS}/devices/{pdev.dev_name}"
        vfs.mkdir(base)  # the driver's attribute files in it stay
        vfs.remove(f"{base}/modalias")
        vfs.remove(f"{base}/driver")
        alias = (
            f"of:N{pdev.dev_name}T(null)C{pdev.compatible[0]}\n"
            if pdev.compatible
            else f"platform:{pdev.name}\n"
        )
        vfs.add(f"{base}/modalias", TextFile(lambda k, a=alias: a.encode()), S.S_IFREG | 0o444)
        drv = self.driver(pdev.driver)
        if drv is not None:
            text = f"{BUS}/drivers/{drv.name}\n"
            vfs.add(f"{base}/driver", TextFile(lambda k, t=text: t.encode()), S.S_IFREG | 0o444)

    def _publish_driver(self, drv: PDriver) -> None:
        vfs = self.kernel.vfs
        base = f"{BUS}/drivers/{drv.name}"
        vfs.mkdir(base)
        for verb in ("bind", "unbind"):
            store = _binder(drv.name, verb)
            vfs.add(f"{base}/{verb}", TextFile(lambda k: b"", store), S.S_IFREG | 0o200)

    def sysfs_bind(self, drv_name: str, dev_name: str, verb: str) -> None:
        drv = next((d for d in self.drivers if d.name == drv_name), None)
        pdev = self.device_named(dev_name)
        if drv is None or pdev is None:
            raise PlatformError(f"no device {dev_name}", E.ENODEV)
        if verb == "bind":
            if pdev.driver:
                raise PlatformError(f"{dev_name} is bound", E.EBUSY)
            if not self.match(pdev, drv)[0]:
                raise PlatformError(f"{drv_name} does not match {dev_name}", E.ENODEV)
            ret = self.bind(pdev, drv)
            if ret:
                raise PlatformError(f"probe failed with {ret}", -ret)
        else:
            if pdev.driver != drv.addr:
                raise PlatformError(f"{dev_name} is not bound to {drv_name}", E.ENODEV)
            for level, line in self.unbind(pdev):
                self.kernel.log.emit(level, line)

    # -- component ----------------------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        return {
            "devices": [asdict(d) for d in self.devices],
            "drivers": [asdict(d) for d in self.drivers],
            "unadded": [[a, extra] for a, extra in self.unadded.items()],
            "auto_id": self.auto_id,
            "roots": [asdict(r) for r in self.roots],
        }

    def load_data(self, data: dict[str, Any] | None) -> None:
        data = data or {}
        self.auto_id = int(data.get("auto_id", 0))
        self.unadded = {int(a): [int(x) for x in extra] for a, extra in data.get("unadded", [])}
        for item in data.get("drivers", []):
            drv = typed(PDriver, item, "platform driver")
            self.drivers.append(drv)
            self._publish_driver(drv)
        for item in data.get("devices", []):
            res = [typed(DevRes, r, "devres") for r in item.pop("devres", [])]
            pdev = PDevice(**item, devres=res)
            self.devices.append(pdev)
            self._publish_device(pdev)
        for item in data.get("roots", []):
            res = [typed(DevRes, r, "devres") for r in item.pop("devres", [])]
            root = RootDevice(**item, devres=res)
            self.roots.append(root)
            self.kernel.vfs.mkdir(ROOTS + root.name)

    def module_going(self, module: Any) -> list[Report]:
        out: list[Report] = []
        for drv in [d for d in self.drivers if d.owner == module.name]:
            out.append((4, f"{module.name}: unregistering platform driver {drv.name} it left"))
            out += self.remove_driver(drv)
        for pdev in [d for d in self.devices if d.owner == module.name]:
            out.append((4, f"{module.name}: unregistering platform device {pdev.dev_name} it left"))
            out += self.remove_device(pdev)
        for root in [r for r in self.roots if r.owner == module.name]:
            out.append((4, f"{module.name}: unregistering root device {root.name} it left"))
            self.remove_root(root)
        return out


def _cells(value: Any) -> list[int]:
    return [v for v in value if isinstance(v, int)] if isinstance(value, list) else []


def _binder(drv_name: str, verb: str):
    def store(k: Kernel, data: bytes) -> int:
        k.platform.sysfs_bind(drv_name, data.decode(errors="replace").strip(), verb)
        return len(data)

    return store


def _int(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value
