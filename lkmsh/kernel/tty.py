"""The shell's terminal as the kernel's one tty: what get_current_tty() finds.

A command's task (insmod, rmmod, cat ...) runs with the shell's terminal as its
controlling tty, as a process started from a terminal does in Linux: its
``current->signal->tty`` is a pty slave whose ``driver->ops->write`` takes
bytes to the terminal. Kernel threads, workers, timers and interrupts have no
tty (``signal->tty`` is NULL), as in Linux. What modules write is kept here
until the shell takes it (after the command) and writes it on its output,
unchanged (a module writes its own "\\r\\n", as the guide's print_string does).

The objects live in kernel data (``__lkmsh_console``, kapi/tty.py)::

    0     struct tty_struct         the pty slave, "pts0"
    TTY   struct tty_driver         "pty_slave", ops -> the operations below
    DRV   struct tty_operations     write = __lkmsh_pty_write
    OPS   struct signal_struct      a command's task: tty -> the tty_struct
    SIG   struct signal_struct      kernel threads: tty = NULL
    ...   the driver's and the tty's names
"""

from __future__ import annotations

import struct

from lkmsh.kernel.component import Component
from lkmsh.kernel.cstructs import cstruct

TTY_STRUCT = cstruct(
    "struct tty_struct", "linux/tty.h", 152,
    kref=(0, 4), index=(4, 4), dev=(8, 8), driver=(16, 8), port=(24, 8), ops=(32, 8),
    ldisc=(40, 8), name=(48, 64), flags=(112, 8), count=(120, 4), receive_room=(124, 4),
    winsize=(128, 8), disc_data=(136, 8), driver_data=(144, 8),
)  # fmt: skip
TTY_DRIVER = cstruct(
    "struct tty_driver", "linux/tty_driver.h", 144,
    kref=(0, 4), cdevs=(8, 8), owner=(16, 8), driver_name=(24, 8), name=(32, 8),
    name_base=(40, 4), major=(44, 4), minor_start=(48, 4), num=(52, 4), type=(56, 2),
    subtype=(58, 2), flags=(64, 8), other=(80, 8), ttys=(88, 8), ops=(120, 8),
    tty_drivers=(128, 16),
)  # fmt: skip
TTY_OPERATIONS = cstruct(
    "struct tty_operations", "linux/tty_driver.h", 264,
    open=(24, 8), close=(32, 8), write=(56, 8), put_char=(64, 8), write_room=(80, 8),
    chars_in_buffer=(88, 8), ioctl=(96, 8), hangup=(152, 8), proc_show=(256, 8),
)  # fmt: skip
SIGNAL_STRUCT = cstruct(
    "struct signal_struct", "linux/sched/signal.h", 24,
    sigcnt=(0, 4), live=(4, 4), nr_threads=(8, 4), tty=(16, 8),
)  # fmt: skip

OFF_DRIVER = TTY_STRUCT.size
OFF_OPS = OFF_DRIVER + TTY_DRIVER.size
OFF_SIGNAL_USER = OFF_OPS + TTY_OPERATIONS.size
OFF_SIGNAL_KTHREAD = OFF_SIGNAL_USER + SIGNAL_STRUCT.size
OFF_NAMES = OFF_SIGNAL_KTHREAD + SIGNAL_STRUCT.size
NAMES = b"pty_slave\0pts\0"
BLOB_SIZE = OFF_NAMES + len(NAMES)
UNIX98_PTY_SLAVE_MAJOR = 136
TTY_DRIVER_TYPE_PTY, PTY_TYPE_SLAVE = 0x0004, 0x0002
#: more than a command writes is dropped (a module looping on write must not fill the host)
OUTPUT_LIMIT = 1 << 20


def blob(base: int, write_op: int) -> bytes:
    """The console's objects laid out at @base, its write op at @write_op."""
    out = bytearray(BLOB_SIZE)

    def put(at: int, fmt: str, value: int) -> None:
        struct.pack_into("<" + fmt, out, at, value)

    tty, drv, ops = 0, OFF_DRIVER, OFF_OPS
    put(tty + TTY_STRUCT.off("kref"), "I", 1)
    put(tty + TTY_STRUCT.off("driver"), "Q", base + drv)
    put(tty + TTY_STRUCT.off("ops"), "Q", base + ops)
    out[tty + TTY_STRUCT.off("name") : tty + TTY_STRUCT.off("name") + 4] = b"pts0"
    put(tty + TTY_STRUCT.off("count"), "i", 1)
    put(tty + TTY_STRUCT.off("receive_room"), "I", 4096)
    struct.pack_into("<4H", out, tty + TTY_STRUCT.off("winsize"), 24, 80, 0, 0)
    put(drv + TTY_DRIVER.off("kref"), "I", 1)
    put(drv + TTY_DRIVER.off("driver_name"), "Q", base + OFF_NAMES)
    put(drv + TTY_DRIVER.off("name"), "Q", base + OFF_NAMES + NAMES.index(b"pts"))
    put(drv + TTY_DRIVER.off("major"), "i", UNIX98_PTY_SLAVE_MAJOR)
    put(drv + TTY_DRIVER.off("num"), "I", 1)
    put(drv + TTY_DRIVER.off("type"), "h", TTY_DRIVER_TYPE_PTY)
    put(drv + TTY_DRIVER.off("subtype"), "h", PTY_TYPE_SLAVE)
    put(drv + TTY_DRIVER.off("ops"), "Q", base + ops)
    head = base + drv + TTY_DRIVER.off("tty_drivers")
    struct.pack_into("<QQ", out, drv + TTY_DRIVER.off("tty_drivers"), head, head)
    put(ops + TTY_OPERATIONS.off("write"), "Q", write_op)
    for sig, tty_ptr in ((OFF_SIGNAL_USER, base), (OFF_SIGNAL_KTHREAD, 0)):
        put(sig + SIGNAL_STRUCT.off("sigcnt"), "I", 1)
        put(sig + SIGNAL_STRUCT.off("live"), "I", 1)
        put(sig + SIGNAL_STRUCT.off("nr_threads"), "i", 1)
        put(sig + SIGNAL_STRUCT.off("tty"), "Q", tty_ptr)
    out[OFF_NAMES:] = NAMES
    return bytes(out)


class Console(Component):
    """What modules wrote to the shell's terminal, until the shell takes it."""

    name = "tty"

    def __init__(self) -> None:
        self.pending = bytearray()
        self.dropped = 0

    def write(self, data: bytes) -> int:
        room = max(0, OUTPUT_LIMIT - len(self.pending))
        self.pending += data[:room]
        self.dropped += len(data) - min(len(data), room)
        return len(data)

    def take(self) -> bytes:
        data, self.pending = bytes(self.pending), bytearray()
        self.dropped = 0
        return data

    def to_data(self) -> dict[str, str]:
        # a command's own output is taken before it ends; what a timer wrote after waits here
        return {"pending": self.pending.decode("latin-1")}

    def load_data(self, data: dict[str, str] | None) -> None:
        self.pending = bytearray((data or {}).get("pending", "").encode("latin-1"))
