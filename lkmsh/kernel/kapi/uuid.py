"""lib/uuid.c: random UUIDs and GUIDs, and parsing their 36-character text form."""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.common import cstr
from lkmsh.kernel.kapi.libstring import hex_value
from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

UUID_STRING_LEN = 36
#: where each byte of the binary form comes from in the text, by byte order
UUID_INDEX = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
GUID_INDEX = (3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15)
_SI = (0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34)


def uuid_is_valid(text: bytes) -> bool:
    if len(text) < UUID_STRING_LEN:
        return False
    for i in range(UUID_STRING_LEN):
        if i in (8, 13, 18, 23):
            if text[i] != 0x2D:
                return False
        elif hex_value(text[i]) < 0:
            return False
    return True


def parse(text: bytes, order: tuple[int, ...]) -> bytes | None:
    if not uuid_is_valid(text):
        return None
    out = bytearray(16)
    for i in range(16):
        at = _SI[i]
        out[order[i]] = hex_value(text[at]) << 4 | hex_value(text[at + 1])
    return bytes(out)


def _random(ctx: CallContext, version_at: int) -> bytes:
    b = bytearray(ctx.kernel.random.bytes(16))
    b[version_at] = (b[version_at] & 0x0F) | 0x40  # version 4
    b[8] = (b[8] & 0x3F) | 0x80  # RFC 4122 variant
    return bytes(b)


@kapi("generate_random_uuid", "void generate_random_uuid(unsigned char uuid[16])")
def generate_random_uuid(ctx: CallContext) -> None:
    ctx.mem.write(ctx.arg(0), _random(ctx, 6))


@kapi("generate_random_guid", "void generate_random_guid(unsigned char guid[16])")
def generate_random_guid(ctx: CallContext) -> None:
    ctx.mem.write(ctx.arg(0), _random(ctx, 7))


@kapi("uuid_gen", "void uuid_gen(uuid_t *u)", gpl=True)
def uuid_gen(ctx: CallContext) -> None:
    generate_random_uuid(ctx)


@kapi("guid_gen", "void guid_gen(guid_t *u)", gpl=True)
def guid_gen(ctx: CallContext) -> None:
    generate_random_guid(ctx)


@kapi("uuid_is_valid", "bool uuid_is_valid(const char *uuid)")
def uuid_is_valid_k(ctx: CallContext) -> int:
    return int(uuid_is_valid(cstr(ctx, ctx.arg(0), UUID_STRING_LEN)))


def _parse(ctx: CallContext, order: tuple[int, ...]) -> int:
    out = parse(cstr(ctx, ctx.arg(0), UUID_STRING_LEN), order)
    if out is None:
        return -errno.EINVAL
    ctx.mem.write(ctx.arg(1), out)
    return 0


@kapi("uuid_parse", "int uuid_parse(const char *uuid, uuid_t *u)")
def uuid_parse(ctx: CallContext) -> int:
    return _parse(ctx, UUID_INDEX)


@kapi("guid_parse", "int guid_parse(const char *uuid, guid_t *u)")
def guid_parse(ctx: CallContext) -> int:
    return _parse(ctx, GUID_INDEX)
