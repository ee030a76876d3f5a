"""unicorn's exit check after every guest load and store, switched off where it is not needed.

unicorn 2.1 follows each translated memory access (and each code hook) with a
call to ``helper_check_exit_request``, so that a memory hook calling
``uc_emu_stop`` stops right after that access: about 40% of the time of
memory-heavy code (a 64-byte memcpy is 20 such calls). lkmsh registers no
memory hook while module code runs (only the exact-address probe of a fault
does, and it switches the checks back on), and every translated block still
starts with the same check (``gen_tb_start``, not switchable), so a stop from
the block meter, the watchdog thread or Ctrl-C still lands at the next block,
before it runs a single instruction.

The switch is unicorn's own ``uc_struct.no_exit_request`` (it uses it for ARM
IT blocks), read by the code generator at translation time; unicorn does not
offer it through ``uc_ctl``. Its offset is read out of libunicorn's generator
function ``check_exit_request_<arch>``, whose first instructions load it (the
x86-64 build's ``mov rsi, [rdi + tcg_ctx.uc]; cmp byte [rsi + OFFSET], 0``).
Any other build or host: None, and the checks stay (slower, same behaviour).
"""

from __future__ import annotations

import ctypes
import struct
from typing import Any

#: mov rsi, [rdi + disp32]; then cmp byte [rsi + disp32], 0; je rel8; ret
_MOV_RSI_RDI = bytes.fromhex("488bb7")
_CMPB_RSI = bytes.fromhex("80be")


def flag_offset(lib: Any, uc_arch_suffix: str) -> int | None:
    """The offset of ``no_exit_request`` in ``uc_struct``, or None when it cannot be read safely."""
    try:
        fn = getattr(lib, f"check_exit_request_{uc_arch_suffix}")
        at = ctypes.cast(fn, ctypes.c_void_p).value
        if at is None:
            return None
        code = ctypes.string_at(at, 17)
    except (AttributeError, OSError, TypeError, ValueError):
        return None
    if code[0:3] != _MOV_RSI_RDI or code[7:9] != _CMPB_RSI or code[13] != 0:
        return None
    if code[14] != 0x74 or code[16] != 0xC3:  # je over a ret: "if (flag) return;"
        return None
    (offset,) = struct.unpack_from("<i", code, 9)
    return offset if 0 < offset < 1 << 16 else None


class ExitChecks:
    """One engine's switch: ``on`` is unicorn's default, ``off`` the fast translation."""

    def __init__(self, uch: int, offset: int):
        self._flag = ctypes.c_bool.from_address(uch + offset)
        if self._flag.value:  # not the zeroed field this module expects: leave it alone
            raise ValueError("no_exit_request already set")

    @property
    def on(self) -> bool:
        return not self._flag.value

    def set(self, on: bool) -> bool:
        """Checks after memory accesses in code translated from now on; whether that changed."""
        if self.on == on:
            return False
        self._flag.value = not on
        return True
