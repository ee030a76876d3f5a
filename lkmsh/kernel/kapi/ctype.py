"""lib/ctype.c: the character-class table behind <linux/ctype.h>'s isalpha() and kin."""

from __future__ import annotations

U, L, D, C, P, S, X, SP = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80


def _cls(c: int) -> int:
    """The classes of byte @c as Linux's _ctype[] gives them (ISO 8859-1)."""
    if c in (0x20, 0xA0):
        return S | SP
    if 9 <= c <= 13:
        return C | S
    if c < 0x20 or 0x7F <= c <= 0x9F:
        return C
    if 0x30 <= c <= 0x39:
        return D
    if 0x41 <= c <= 0x5A:
        return U | (X if c <= 0x46 else 0)
    if 0x61 <= c <= 0x7A:
        return L | (X if c <= 0x66 else 0)
    if c < 0x80 or 0xA1 <= c <= 0xBF or c in (0xD7, 0xF7):
        return P
    return U if c <= 0xDE else L  # 0xc0-0xde capitals, 0xdf-0xff small letters


CTYPE = bytes(_cls(c) for c in range(256))
