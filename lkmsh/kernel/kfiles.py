"""The kernel's own files: /proc/modules, /proc/kallsyms, /proc/slabinfo, tracefs, kmemleak.

They are registered in the file tree at boot exactly as module-made files
are. None of them runs module code, so a command that only reads these needs
no write transaction: ``KERNEL_FILES`` lets the shell tell that before it
builds a kernel (this module imports nothing heavy).
"""

from __future__ import annotations

import errno
import stat as S
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lkmsh.errors import InvalidArgument

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel


@dataclass(frozen=True)
class KernelFile:
    """A file the kernel itself provides (/proc, /sys): how it shows and stores."""

    path: str
    show: Callable[[Kernel], bytes]
    store: Callable[[Kernel, bytes], int] | None = None
    size: int = 0  # what stat says (a sysfs attribute's is 4096)

    @property
    def mode(self) -> int:
        return S.S_IFREG | (0o644 if self.store else 0o444)


def _modules(k: Kernel) -> bytes:
    return k.proc_modules_text().encode()


def _kallsyms(k: Kernel) -> bytes:
    return k.proc_kallsyms_text().encode("utf-8", "surrogateescape")  # names are bytes


def _slabinfo(k: Kernel) -> bytes:
    from lkmsh.kernel.heap import slabinfo_text

    return slabinfo_text(k.heap.stats()).encode()


def _kmemleak(k: Kernel) -> bytes:
    from lkmsh.kernel.kmemleak import report_text

    return report_text(k.kmemleak_scan().leaks).encode()


def _kmemleak_store(k: Kernel, data: bytes) -> int:
    """``echo scan`` (the scan runs at every read anyway) and ``echo clear`` are accepted."""
    word = data.decode(errors="replace").strip()
    if word not in ("scan", "clear"):
        raise InvalidArgument(f"kmemleak: unknown command '{word}'")
    return len(data)


def _tracing(name: str) -> Callable[[Kernel], bytes]:
    return lambda k: k.tracing.read_file(name)


def _tracing_on_store(k: Kernel, data: bytes) -> int:
    """tracing_on: recording into the ring buffer on (1) or off (0), as Linux's."""
    word = data.decode(errors="replace").strip()
    if word not in ("0", "1"):
        raise InvalidArgument("tracing_on takes 0 or 1")
    k.tracing.ftrace.on = word == "1"
    return len(data)


def _current_tracer_store(k: Kernel, data: bytes) -> int:
    """current_tracer: ``function`` records every kernel API call, ``nop`` none."""
    word = data.decode(errors="replace").strip()
    if word not in ("function", "nop"):
        raise InvalidArgument(f"no tracer {word!r} (available_tracers: function nop)")
    k.tracing.ftrace.tracer = word
    return len(data)


def _devices(k: Kernel) -> bytes:
    return (k.chrdev.proc_devices() + k.block.proc_devices_rows()).encode()


def _misc(k: Kernel) -> bytes:
    return k.chrdev.proc_misc().encode()


def _interrupts(k: Kernel) -> bytes:
    return k.irqs.proc_interrupts().encode()


def _gpio(k: Kernel) -> bytes:
    return k.gpio.debugfs_text().encode()


def _crypto(k: Kernel) -> bytes:
    return k.crypto.proc_text().encode()


def _input_devices(k: Kernel) -> bytes:
    return k.input.proc_devices().encode()


def _cmdline(k: Kernel) -> bytes:
    """fs/proc/cmdline.c's cmdline_proc_show: the line and a newline, unless a live patch
    replaced the function (livepatch-sample.c): then its replacement shows the file."""
    target = k.livepatch.kernel_target("cmdline_proc_show")
    if target is None:
        return f"{k.config.cmdline}\n".encode()
    return k.livepatch.show_with(target)


def _meminfo(k: Kernel) -> bytes:
    """fs/proc/meminfo.c's meminfo_proc_show (meminfo.py), or a live patch's replacement
    (test_klp_atomic_replace.c)."""
    target = k.livepatch.kernel_target("meminfo_proc_show")
    if target is None:
        from lkmsh.kernel import meminfo

        return meminfo.text(k).encode()
    return k.livepatch.show_with(target)


def _tainted(k: Kernel) -> bytes:
    return f"{k.taint_mask}\n".encode()


def _printk(k: Kernel) -> bytes:
    return ("\t".join(map(str, k.printk_levels())) + "\n").encode()


def _printk_store(k: Kernel, data: bytes) -> int:
    """kernel/sysctl.c's printk entry: proc_dointvec over console_printk's four ints, so
    "8" sets console_loglevel alone and "4 4 1 7" all four; a word that is not an int
    ends the write with EINVAL (the numbers before it are kept, as Linux)."""
    values: list[int] = []
    bad = False
    for word in data.split()[:4]:
        try:
            value = int(word, 10)
        except ValueError:
            bad = True
            break
        if not -(1 << 31) <= value < 1 << 31:
            bad = True
            break
        values.append(value)
    if values:
        k.set_printk_levels(values)
    if bad or not values:
        raise InvalidArgument("printk: not a log level")
    return len(data)


def _writes_strict(k: Kernel) -> bytes:
    return f"{k.sysctl.writes_strict}\n".encode()


def _writes_strict_store(k: Kernel, data: bytes) -> int:
    """proc_dointvec_minmax over -1..1 (SYSCTL_NEG_ONE, SYSCTL_ONE), as kernel/sysctl.c."""
    words = data.split()
    try:
        value = int(words[0]) if len(words) == 1 else None
    except ValueError:
        value = None
    if value is None or not -1 <= value <= 1:
        raise InvalidArgument("sysctl_writes_strict takes -1, 0 or 1")
    k.sysctl.writes_strict = value
    return len(data)


def _dyndbg(k: Kernel) -> bytes:
    return k.dyndbg.control_text().encode("latin-1", "replace")


def _dyndbg_store(k: Kernel, data: bytes) -> int:
    """ddebug_proc_write(): the queries, one per line or ';'; the bytes taken."""
    from lkmsh.errors import KernelError

    if not data:
        return 0
    if len(data) > 4095:
        k.log.emit(4, "dyndbg: expected <4096 bytes into control")
        raise KernelError("dynamic_debug/control: too long", errno.E2BIG)
    if k.dyndbg.exec_queries(data.decode("latin-1")) < 0:
        raise InvalidArgument("dynamic_debug/control: query failed")
    return len(data)


def _firmware_path(k: Kernel) -> bytes:
    return f"{k.firmware.path}\n".encode()


def _firmware_path_store(k: Kernel, data: bytes) -> int:
    return k.firmware.store_path(k, data)


def _partitions(k: Kernel) -> bytes:
    return k.block.proc_partitions().encode()


def _net_dev(k: Kernel) -> bytes:
    return k.net.proc_net_dev().encode()


def _connector(k: Kernel) -> bytes:
    return k.connector.proc_text().encode()


TRACING = "/sys/kernel/tracing"

#: Directories that are there from boot, before the subsystem that fills them is
#: first used (the kernel builds those components on first use: kernel.py's Part)
DIRS: tuple[str, ...] = (
    "/sys/block",
    "/sys/class/net",
    "/sys/bus/platform/devices",
    "/sys/bus/platform/drivers",
    "/dev/input",
)

FILES: tuple[KernelFile, ...] = (
    KernelFile("/proc/modules", _modules),
    KernelFile("/proc/cmdline", _cmdline),
    KernelFile("/proc/meminfo", _meminfo),
    KernelFile("/proc/crypto", _crypto),
    KernelFile("/proc/kallsyms", _kallsyms),
    KernelFile("/proc/slabinfo", _slabinfo),
    KernelFile("/proc/devices", _devices),
    KernelFile("/proc/misc", _misc),
    KernelFile("/proc/sys/kernel/tainted", _tainted),
    KernelFile("/proc/sys/kernel/printk", _printk, _printk_store),
    KernelFile("/proc/sys/kernel/sysctl_writes_strict", _writes_strict, _writes_strict_store),
    KernelFile("/proc/interrupts", _interrupts),
    KernelFile("/proc/partitions", _partitions),
    KernelFile("/proc/net/dev", _net_dev),
    KernelFile("/proc/net/connector", _connector),
    # firmware_class's module_param_string path (firmware.py)
    KernelFile(
        "/sys/module/firmware_class/parameters/path",
        _firmware_path,
        _firmware_path_store,
        size=4096,
    ),
    KernelFile("/proc/bus/input/devices", _input_devices),
    KernelFile("/proc/dynamic_debug/control", _dyndbg, _dyndbg_store),
    KernelFile("/sys/kernel/debug/dynamic_debug/control", _dyndbg, _dyndbg_store),
    KernelFile("/sys/kernel/debug/gpio", _gpio),
    KernelFile("/sys/kernel/debug/kmemleak", _kmemleak, _kmemleak_store),
    KernelFile(f"{TRACING}/tracing_on", _tracing("tracing_on"), _tracing_on_store),
    KernelFile(f"{TRACING}/current_tracer", _tracing("current_tracer"), _current_tracer_store),
    KernelFile(f"{TRACING}/available_tracers", _tracing("available_tracers")),
)

#: Paths whose reading runs no module code (see the module docstring); /proc/cmdline
#: and /proc/meminfo run a live patch's show function when one replaced it, and
#: /proc/net/dev a driver's ndo_get_stats.
KERNEL_FILES = frozenset(f.path for f in FILES) - {
    "/proc/cmdline",
    "/proc/meminfo",
    "/proc/net/dev",
}
