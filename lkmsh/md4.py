"""MD4 (RFC 1320), the digest modpost's srcversion is made of.

Python's hashlib has MD4 only where OpenSSL still offers it (OpenSSL 3 moved
it to the legacy provider), so lkmsh carries its own: srcversion must be the
same digits on every host.

modpost's own MD4 reads the message words with ntohl() where RFC 1320 reads
them little-endian: on the little-endian hosts kernels are built on, every
word is byte-swapped (all but the two length words). ``ModpostMD4`` is that
digest, the one srcversion's digits come from.
"""

from __future__ import annotations

import struct

_MASK = 0xFFFFFFFF
# (word index, shift) for each step of the three rounds (RFC 1320, 3.4)
_R1 = [(k, (3, 7, 11, 19)[k % 4]) for k in range(16)]
_R2 = [
    (k, (3, 5, 9, 13)[i % 4]) for i, k in enumerate(j + 4 * m for j in range(4) for m in range(4))
]
_R3 = [
    (k, (3, 9, 11, 15)[i % 4])
    for i, k in enumerate((0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15))
]


def _rotl(x: int, s: int) -> int:
    x &= _MASK
    return ((x << s) | (x >> (32 - s))) & _MASK


class MD4:
    """An incremental MD4 digest with hashlib's update()/digest()/hexdigest()."""

    name = "md4"
    digest_size = 16
    block_size = 64

    def __init__(self, data: bytes = b"") -> None:
        self._h = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476]
        self._buf = b""
        self._count = 0
        self.update(data)

    _WORDS = "<16I"  # how a 64-byte block becomes 16 message words

    def update(self, data: bytes) -> None:
        self._count += len(data)
        buf = self._buf + data
        full = len(buf) - len(buf) % 64
        for off in range(0, full, 64):
            self._compress(struct.unpack(self._WORDS, buf[off : off + 64]))
        self._buf = buf[full:]

    def _compress(self, x: tuple[int, ...]) -> None:
        a, b, c, d = self._h
        for k, s in _R1:
            a, b, c, d = d, _rotl(a + ((b & c) | (~b & d)) + x[k], s), b, c
        for k, s in _R2:
            a, b, c, d = d, _rotl(a + ((b & c) | (b & d) | (c & d)) + x[k] + 0x5A827999, s), b, c
        for k, s in _R3:
            a, b, c, d = d, _rotl(a + (b ^ c ^ d) + x[k] + 0x6ED9EBA1, s), b, c
        self._h = [(h + v) & _MASK for h, v in zip(self._h, (a, b, c, d), strict=True)]

    def digest(self) -> bytes:
        copy = type(self)()
        copy._h, copy._buf = list(self._h), self._buf
        copy.update(b"\x80" + b"\0" * ((55 - self._count) % 64))
        # the bit count goes in as two little-endian words, never swapped
        bits = struct.unpack("<2I", struct.pack("<Q", (self._count * 8) & (2**64 - 1)))
        copy._compress(struct.unpack(self._WORDS[0] + "14I", copy._buf) + bits)
        return struct.pack("<4I", *copy._h)

    def hexdigest(self) -> str:
        return self.digest().hex()


class ModpostMD4(MD4):
    """MD4 as Linux's scripts/mod/sumversion.c computes it on a little-endian host."""

    name = "md4-modpost"
    _WORDS = ">16I"
