"""Every kernel data symbol (EXPORT_SYMBOL'd variables), in one family.

A kernel refreshes all of them at boot, so the family that defines them is
imported by every command; keeping them apart from the function families
(printk, net, fs, sysfs, params...) means a boot imports this small module
and not those, which load when module code first calls into them. The
refresh functions import only structure and constant modules the kernel has
imported already.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from lkmsh.kernel import netstructs as N
from lkmsh.kernel import params as P
from lkmsh.kernel import sysfs as SF
from lkmsh.kernel import tty as T
from lkmsh.kernel.fsstructs import FS_TYPE
from lkmsh.kernel.kapi.ctype import CTYPE
from lkmsh.kernel.kapi.registry import kdata
from lkmsh.kernel.layout import PAGE_SHIFT
from lkmsh.kernel.workqueue import SYSTEM_WQS
from lkmsh.kernel.zonedev import IOMEM_NAME, IORESOURCE_MEM, PHYSMEM_END, RESOURCE

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel

INT_MAX = (1 << 31) - 1


def _address(kernel: Kernel, name: str) -> bytes:
    return (kernel.symbol_address(name) or 0).to_bytes(8, "little")


def _constant(name: str, value: bytes, gpl: bool = False) -> None:
    kdata(name, len(value), gpl=gpl, static=True)(lambda kernel: value)


# -- kernel/cpu.c: a uniprocessor, CPU 0 in every mask (NR_CPUS 1: one word) ----------
for _mask in ("possible", "online", "present", "active"):
    _constant(f"__cpu_{_mask}_mask", (1).to_bytes(8, "little"))

# -- lib/ctype.c, lib/hexdump.c, lib/uuid.c -------------------------------------------
_constant("_ctype", CTYPE)
_constant("hex_asc", b"0123456789abcdef\0")
_constant("hex_asc_upper", b"0123456789ABCDEF\0")
_constant("guid_null", bytes(16))
_constant("uuid_null", bytes(16))

# -- net/ipv6/addrconf_core.c: IN6ADDR_ANY_INIT and IN6ADDR_LOOPBACK_INIT -------------
_constant("in6addr_any", bytes(16))
_constant("in6addr_loopback", bytes(15) + b"\x01")

# -- net/core/net_namespace.c: the one network namespace (no CONFIG_NET_NS); its passive
# reference is the boot's
_constant("init_net", (1).to_bytes(4, "little") + bytes(8))

# -- kernel/sysctl.c ------------------------------------------------------------------
#: sysctl_vals[] (SYSCTL_ZERO, SYSCTL_ONE, ... SYSCTL_NEG_ONE)
SYSCTL_VALS = (0, 1, 2, 3, 4, 100, 200, 1000, 3000, INT_MAX, 65535, -1)
_constant("sysctl_vals", b"".join(v.to_bytes(4, "little", signed=True) for v in SYSCTL_VALS))
_constant(
    "sysctl_long_vals", b"".join(v.to_bytes(8, "little") for v in (0, 1, (1 << 63) - 1)), gpl=True
)

# -- kernel/printk/printk.c, lib/vsprintf.c --------------------------------------------


@kdata("console_printk", 16, gpl=True, static=True)
def console_printk(kernel: Kernel) -> bytes:
    """The four levels at boot; from then on the ints in kernel data are the store."""
    return struct.pack("<4i", *kernel.log.printk_levels())


#: the no_hash_pointers boot option: false, %p hashes
_constant("no_hash_pointers", b"\0", gpl=True)

# -- kernel/time/timer.c, the preempt count, kprobes: refreshed before every call -------


@kdata("jiffies", 8)
def jiffies(kernel: Kernel) -> bytes:
    return kernel.clock.jiffies().to_bytes(8, "little")


@kdata("__preempt_count", 4)
def preempt_count(kernel: Kernel) -> bytes:
    """preempt_count(): the hard-IRQ and softirq counts (irq.py), for in_interrupt() & co."""
    irqs = kernel.part_in_use("irqs")
    return (irqs.preempt_count if irqs is not None else 0).to_bytes(4, "little")


@kdata("current_kprobe", 8)
def current_kprobe(kernel: Kernel) -> bytes:
    """The kprobe whose handler runs (kprobe_running()); 0 outside handlers."""
    kp = kernel.part_in_use("kprobes")
    return (kp.current if kp is not None else 0).to_bytes(8, "little")


# -- kernel/workqueue.c: system_wq is EXPORT_SYMBOL, the others EXPORT_SYMBOL_GPL -------


def _system_wq(name: str) -> None:
    @kdata(name, 8, gpl=name != "system_wq", static=True)
    def refresh(kernel: Kernel) -> bytes:  # each names itself: never changes after boot
        return kernel.workqueues.system(name).to_bytes(8, "little")


for _name in SYSTEM_WQS:
    _system_wq(_name)

# -- kernel/params.c: the param_ops_* of every kernel parameter type -------------------

#: kernel/params.c exports these with EXPORT_SYMBOL_GPL; every other type's with EXPORT_SYMBOL
PARAM_GPL_TYPES = frozenset({P.ParamType.BOOL_ENABLE_ONLY})
#: the types whose getter is another type's
PARAM_GET_AS = {P.ParamType.BINT: "int", P.ParamType.BOOL_ENABLE_ONLY: "bool"}
#: set, get (the functions' names) and flags of each type's kernel_param_ops
_PARAM_OPS: dict[P.ParamType, tuple[str, str, int]] = {
    **{
        t: (
            f"param_set_{t.type_name}",
            f"param_get_{PARAM_GET_AS.get(t, t.type_name)}",
            P.KERNEL_PARAM_OPS_FL_NOARG if t in P.NOARG_TYPES else 0,
        )
        for t in P.SIZES
    },
    P.ParamType.STRING: ("param_set_copystring", "param_get_string", 0),
}


def _param_ops(t: P.ParamType) -> None:
    @kdata(t.ops_symbol, P.KERNEL_PARAM_OPS.size, gpl=t in PARAM_GPL_TYPES, static=True)
    def refresh(kernel: Kernel) -> bytes:
        if t is P.ParamType.ARRAY:  # the kernel decodes arrays itself (params.py)
            return bytes(P.KERNEL_PARAM_OPS.size)
        setter, getter, flags = _PARAM_OPS[t]
        free = "param_free_charp" if t is P.ParamType.CHARP else ""
        return (
            flags.to_bytes(8, "little")
            + _address(kernel, setter)
            + _address(kernel, getter)
            + (_address(kernel, free) if free else bytes(8))
        )


for _t in P.KERNEL_TYPES:
    _param_ops(_t)


@kdata("param_ops_dyndbg_classes", P.KERNEL_PARAM_OPS.size, static=True)
def param_ops_dyndbg_classes(kernel: Kernel) -> bytes:
    return (
        bytes(8)
        + _address(kernel, "param_set_dyndbg_classes")
        + _address(kernel, "param_get_dyndbg_classes")
        + bytes(8)
    )


# -- fs/filesystems.c -------------------------------------------------------------------

#: the kernel's built-in filesystem types lkmsh has (their owner is NULL), in
#: register order, with their fs_flags (FS_USERNS_MOUNT = 8)
BUILTIN_FS = (("sysfs", 8), ("tmpfs", 8), ("proc", 8), ("devtmpfs", 0), ("debugfs", 0),
              ("ramfs", 8))  # fmt: skip
_FS_NAMES_AT = FS_TYPE.size * len(BUILTIN_FS)
FS_BLOB_SIZE = _FS_NAMES_AT + sum(len(n) + 1 for n, _ in BUILTIN_FS)


@kdata("__lkmsh_filesystems", FS_BLOB_SIZE, static=True)
def _filesystems(kernel: Kernel) -> bytes:
    """The built-in struct file_system_type list (file_systems), names after it."""
    base = kernel.symbol_address("__lkmsh_filesystems") or 0
    out = bytearray(FS_BLOB_SIZE)
    name_at = _FS_NAMES_AT
    for i, (name, flags) in enumerate(BUILTIN_FS):
        at = i * FS_TYPE.size
        out[at : at + 8] = (base + name_at).to_bytes(8, "little")
        out[at + FS_TYPE.off("fs_flags") : at + 12] = flags.to_bytes(4, "little")
        nxt = base + at + FS_TYPE.size if i + 1 < len(BUILTIN_FS) else 0
        out[at + FS_TYPE.off("next") : at + 64] = nxt.to_bytes(8, "little")
        out[name_at : name_at + len(name)] = name.encode()
        name_at += len(name) + 1
    return bytes(out)


# -- sysfs's root kobjects (lib/kobject.c, drivers/base) --------------------------------


@kdata("__sysfs_root_kobjects", SF.ROOT_BLOB_SIZE, static=True)
def _root_kobjects(kernel: Kernel) -> bytes:
    fs = kernel.sysfs
    if not fs.root_base:
        slot = kernel.symbol_address
        fs.boot(slot("__sysfs_root_kobjects") or 0, slot("kobj_sysfs_ops") or 0)
        fs.root_image = SF.root_blob(fs.root_base, fs.kobj_sysfs_ops)
    return fs.root_image


#: the kernel's sysfs_ops for kobj_attribute files; the kernel serves them itself
#: (kernel/sysfs.py), so the object only needs its address
_constant("kobj_sysfs_ops", bytes(16), gpl=True)


def _root_pointer(name: str, offset: int) -> None:
    @kdata(name, 8, gpl=True, static=True)
    def refresh(kernel: Kernel) -> bytes:
        base = kernel.symbol_address("__sysfs_root_kobjects") or 0
        return (base + offset).to_bytes(8, "little")


for _n, _off in SF.ROOT_POINTERS.items():
    if _n in SF.EXPORTED_ROOT_POINTERS:
        _root_pointer(_n, _off)

# -- the console's tty and net's blackhole device ----------------------------------------


@kdata("__lkmsh_console", T.BLOB_SIZE, static=True)
def _console(kernel: Kernel) -> bytes:
    base = kernel.symbol_address("__lkmsh_console") or 0
    return T.blob(base, kernel.symbol_address("__lkmsh_pty_write") or 0)


@kdata("blackhole_netdev", 8 + N.NET_DEVICE.size, static=True)
def _blackhole_netdev(kernel: Kernel) -> bytes:
    return N.blackhole_image(kernel.symbol_address("blackhole_netdev") or 0)


# -- kernel/resource.c, mm/memory.c ---------------------------------------------------------


@kdata("iomem_resource", RESOURCE.size + len(IOMEM_NAME), static=True)
def iomem_resource(kernel: Kernel) -> bytes:
    """The root of the physical address space: [0, 2^46 - 1] "PCI mem" (x86-64's,
    lkmsh's map on both architectures); requested regions are the ZoneDevice's."""
    here = kernel.symbol_address("iomem_resource") or 0
    name = here + RESOURCE.size if here else 0
    return RESOURCE.pack(0, PHYSMEM_END, name, IORESOURCE_MEM, 0, 0, 0, 0) + IOMEM_NAME


#: the page of zeroes the memory manager maps for reads of untouched memory
_constant("empty_zero_page", bytes(4096))


@kdata("zero_pfn", 8, static=True)
def zero_pfn(kernel: Kernel) -> bytes:
    """The zero page's pfn (mm/memory.c): __pa_symbol(empty_zero_page) >> PAGE_SHIFT,
    x86-64's arithmetic for the kernel image (phys_base 0)."""
    addr = kernel.symbol_address("empty_zero_page") or 0
    return (((addr - 0xFFFFFFFF80000000) & ((1 << 64) - 1)) >> PAGE_SHIFT).to_bytes(8, "little")


# -- lib/maple_tree.c (CONFIG_DEBUG_MAPLE_TREE): MT_BUG_ON's counters, two atomic_t ------
for _counter in ("maple_tree_tests_run", "maple_tree_tests_passed"):
    _constant(_counter, bytes(4), gpl=True)
