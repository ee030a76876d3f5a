"""The floor under a kernel call: unicorn calling an empty Python function, nothing else.

Module code reaches a kernel function through a code hook: unicorn leaves the
translated code and calls back into Python through ctypes. This measures that
alone, on a bare engine (no lkmsh): a loop of ``call slot`` where the slot is a
``ret`` with an empty hook registered with libunicorn directly, the cheapest
way Python can be called from emulated code. lkmsh's kernel-call figures are
budgeted as multiples of it.
"""

from __future__ import annotations

import ctypes
import struct
import time
from collections.abc import Callable

BASE = 0x100000
_HOOK = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint32, ctypes.c_void_p)


def _loop(n: int) -> tuple[bytes, int, int]:
    """x86-64: ``mov $n, %ebx; 1: call slot; dec %rbx; jnz 1b; nop``; the slot is ``ret``."""
    code = b"\xbb" + struct.pack("<I", n)  # mov $n, %ebx
    code += b"\xe8" + struct.pack("<i", 0x20 - 10)  # call BASE+0x20 (from BASE+10)
    code += b"\x48\xff\xcb\x75\xf6"  # dec %rbx; jnz back to the call
    end = len(code)
    code += b"\x90" * (0x20 - len(code)) + b"\xc3"  # the slot: ret
    return code, end, 0x20


def _engine(code: bytes):
    """A bare x86-64 unicorn engine (no lkmsh) with @code at BASE."""
    import unicorn
    from unicorn import unicorn_const as uc_const

    uc = unicorn.Uc(uc_const.UC_ARCH_X86, uc_const.UC_MODE_64)
    uc.ctl_set_tcg_buffer_size(16 << 20)
    uc.mem_map(BASE, 0x10000)
    uc.mem_write(BASE, code)
    return uc


def callback_seconds(n: int) -> float:
    """CPU seconds for ``n`` round trips into an empty Python hook (one engine, warm)."""
    from unicorn import unicorn_const as uc_const
    from unicorn import x86_const
    from unicorn.unicorn_py3.unicorn import uclib

    code, end, slot = _loop(n)
    uc = _engine(code)
    uc.reg_write(x86_const.UC_X86_REG_RSP, BASE + 0x8000)
    hook = _HOOK(lambda _uc, _address, _size, _data: None)
    handle = ctypes.c_size_t()
    uclib.uc_hook_add(
        uc._uch,
        ctypes.byref(handle),
        uc_const.UC_HOOK_CODE,
        ctypes.cast(hook, ctypes.c_void_p),
        None,
        ctypes.c_uint64(BASE + slot),
        ctypes.c_uint64(BASE + slot),
    )
    t = time.process_time()
    uc.emu_start(BASE, BASE + end)
    return time.process_time() - t


def per_callback(n: int) -> float:
    """Seconds per round trip: (n + 1000) trips minus 1000, so set-up cancels out."""
    return (callback_seconds(n + 1000) - callback_seconds(1000)) / n


#: bench/csrc/spin_body.h's loop byte for byte (add %rbx,%rax; imul %rcx,%rax;
#: xor %rbx,%rax; dec %rbx; jnz), one block a round: rax acc, rbx n, rcx k
SPIN_LOOP = bytes.fromhex("4801d8 480fafc1 4831d8 48ffcb 75f1")
#: gcc 12 -O2's loop of bench/csrc/xorshift_body.h as in the bench's module (sub/jb,
#: then the three shift-xors, the add and a jmp back: two blocks a round): rdx n,
#: rax x, rsi acc
_XORSHIFT_ROUND = "4889c1 48c1e10d 4831c8 4889c1 48c1e907 4831c8 4889c1 48c1e111 4831c8 4801c6"
XORSHIFT_LOOP = bytes.fromhex(f"4883ea01 7223 {_XORSHIFT_ROUND} ebd7")


def bare_run(code: bytes, regs: dict[str, int]) -> Callable[[], float]:
    """A timer of x86-64 @code on one bare engine, translated once: each call runs it
    from @regs and returns its CPU seconds. No hook of any kind and no lkmsh, so the
    emulator's own floor for that code on this machine."""
    from unicorn import x86_const

    uc = _engine(code)
    ids = {getattr(x86_const, f"UC_X86_REG_{name.upper()}"): value for name, value in regs.items()}

    def run() -> float:
        for reg, value in ids.items():
            uc.reg_write(reg, value)
        t = time.process_time()
        uc.emu_start(BASE, BASE + len(code))
        return time.process_time() - t

    run()  # translation
    return run
