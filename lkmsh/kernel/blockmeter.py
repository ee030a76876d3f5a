"""A block counter for unicorn that costs no Python call: the soft-lockup watchdog's clock.

The soft-lockup watchdog measures how long module code runs without
scheduling in *virtual* time, so the same module gives the same report on
every run. Counting needs a hook on every translated block; a Python hook
makes emulation about 100x slower and unicorn's own instruction count about
20x. This hook is 8 host instructions written into an executable page at
start-up (no compiler needed): it adds one to ``Meter.blocks`` and calls
``uc_emu_stop`` once ``blocks`` reaches ``limit`` (about 1.5x on a tight
loop). Hosts it does not know (not x86-64 or arm64 Linux/macOS-style
calling conventions) get None, and the watchdog falls back to host time.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import struct
import sys

#: x86-64 System V: (uc=rdi, address=rsi, size=edx, meter=rcx)
_X86_64 = bytes.fromhex(
    "488b01"  # mov rax, [rcx]
    "48ffc0"  # inc rax
    "488901"  # mov [rcx], rax
    "483b4108"  # cmp rax, [rcx+8]
    "7301"  # jae stop
    "c3"  # ret
    "ff6110"  # stop: jmp [rcx+16]   (uc_emu_stop(uc): rdi is still uc)
)
#: AAPCS64: (uc=x0, address=x1, size=w2, meter=x3)
_ARM64 = struct.pack(
    "<9I",
    0xF9400064,  # ldr x4, [x3]
    0x91000484,  # add x4, x4, #1
    0xF9000064,  # str x4, [x3]
    0xF9400465,  # ldr x5, [x3, #8]
    0xEB05009F,  # cmp x4, x5
    0x54000042,  # b.hs stop
    0xD65F03C0,  # ret
    0xF9400870,  # stop: ldr x16, [x3, #16]
    0xD61F0200,  # br x16
)


class Meter(ctypes.Structure):
    """One engine's count: blocks run since the watchdog was touched, the stop, uc_emu_stop."""

    _fields_ = [("blocks", ctypes.c_uint64), ("limit", ctypes.c_uint64), ("stop", ctypes.c_void_p)]


NEVER = (1 << 64) - 1


def _machine_code() -> bytes | None:
    # os.uname and sys.platform rather than the platform module (~1 ms of every start-up)
    if sys.platform == "win32":
        return None  # another calling convention
    arch = os.uname().machine.lower()
    if arch in ("x86_64", "amd64"):
        return _X86_64
    if arch in ("aarch64", "arm64") and sys.platform.startswith("linux"):
        return _ARM64
    return None


def _executable(code: bytes) -> int | None:
    """The address of @code in a page made read+execute (never writable and executable)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.mmap.restype = ctypes.c_void_p
        libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                              ctypes.c_int, ctypes.c_long]  # fmt: skip
        libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS
        page = libc.mmap(None, mmap.PAGESIZE, mmap.PROT_READ | mmap.PROT_WRITE, flags, -1, 0)
        if page in (None, ctypes.c_void_p(-1).value):
            return None
        ctypes.memmove(page, code, len(code))
        if libc.mprotect(page, mmap.PAGESIZE, mmap.PROT_READ | mmap.PROT_EXEC) != 0:
            return None
        if hasattr(libc, "__clear_cache"):  # arm64: the new code reaches the instruction cache
            libc.__clear_cache(ctypes.c_void_p(page), ctypes.c_void_p(page + len(code)))
        return page
    except (OSError, AttributeError, ValueError):
        return None


def _hook_address() -> int | None:
    code = _machine_code()
    return None if code is None else _executable(code)


#: the hook's address (a uc_cb_hookcode_t), or None on a host it does not know
HOOK: int | None = _hook_address()
