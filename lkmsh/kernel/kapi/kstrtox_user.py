"""lib/kstrtox.c's kstrto*_from_user(): a debugfs or /proc write handler's number.

As Linux: at most the longest string that can still be told apart is copied
(66 bytes, 3 for a bool), a copy that stops short is -EFAULT, and the text is
then parsed as kstrto*() parses it (a trailing newline allowed).
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from lkmsh.kernel.kapi import kstrtox
from lkmsh.kernel.kapi.common import put
from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

#: sizeof(buf) - 1 in Linux: 1 + 64 binary digits + newline (+ the terminator)
NUMBER_MAX = 1 + 8 * 8 + 1
BOOL_MAX = 3


def _user_text(ctx: CallContext, limit: int) -> bytes | None:
    """The first min(count, limit) bytes at the user pointer; None when they are not all there."""
    n = min(ctx.arg(1), limit)
    text = ctx.kernel.user.read_user(ctx.arg(0), n)
    if len(text) != n:
        return None
    return text.split(b"\0", 1)[0]  # buf[count] = '\0': an earlier NUL ends it too


def _from_user(ctx: CallContext, bits: int, signed: bool, size: int) -> int:
    text = _user_text(ctx, NUMBER_MAX)
    if text is None:
        return -errno.EFAULT
    err, value = kstrtox.kstrto_bits(text, ctx.arg(2) & 0xFFFFFFFF, bits, signed)
    if err:
        return err
    put(ctx, ctx.arg(3), value, size)
    return 0


def _family(name: str, ctype: str, bits: int, signed: bool, size: int) -> None:
    signature = f"int {name}(const char __user *s, size_t count, unsigned int base, {ctype} *res)"

    @kapi(name, signature)
    def parse(ctx: CallContext) -> int:
        return _from_user(ctx, bits, signed, size)


for _name, _ctype, _bits, _signed, _size in (
    ("kstrtoull_from_user", "unsigned long long", 64, False, 8),
    ("kstrtoll_from_user", "long long", 64, True, 8),
    ("kstrtoul_from_user", "unsigned long", 64, False, 8),
    ("kstrtol_from_user", "long", 64, True, 8),
    ("kstrtouint_from_user", "unsigned int", 32, False, 4),
    ("kstrtoint_from_user", "int", 32, True, 4),
    ("kstrtou16_from_user", "u16", 16, False, 2),
    ("kstrtos16_from_user", "s16", 16, True, 2),
    ("kstrtou8_from_user", "u8", 8, False, 1),
    ("kstrtos8_from_user", "s8", 8, True, 1),
):
    _family(_name, _ctype, _bits, _signed, _size)


@kapi(
    "kstrtobool_from_user",
    "int kstrtobool_from_user(const char __user *s, size_t count, bool *res)",
)
def kstrtobool_from_user(ctx: CallContext) -> int:
    text = _user_text(ctx, BOOL_MAX)
    if text is None:
        return -errno.EFAULT
    err, value = kstrtox.kstrtobool(text)
    if err:
        return err
    put(ctx, ctx.arg(2), int(value), 1)
    return 0
