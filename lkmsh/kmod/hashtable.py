"""kmod's string hash table, reproduced for its iteration order.

depmod writes ``modules.symbols`` (and orders modules absent from
``modules.order``) by walking its hash tables. Matching kmod byte for byte
means walking the same table: Paul Hsieh's SuperFastHash masked to a
power-of-two bucket count, each bucket kept sorted by ``strcmp`` (kmod binary
searches it), iteration bucket by bucket. Adding an existing key replaces
its value in place, as kmod's ``hash_add``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from typing import Generic, TypeVar

V = TypeVar("V")
_M32 = 0xFFFFFFFF


def superfast_hash(key: bytes) -> int:
    """SuperFastHash as kmod's hash.c computes it (32-bit, little-endian, signed char)."""
    length = len(key)
    h = length
    rem = length & 3
    i = length - rem
    # The 16-bit little-endian halves of each 4-byte block, unpacked in one go.
    halves = iter(memoryview(key[:i]).cast("H").tolist())
    for lo, hi in zip(halves, halves, strict=False):
        h = (h + lo) & _M32
        h = ((h << 16) ^ (hi << 11) ^ h) & _M32
        h = (h + (h >> 11)) & _M32
    if rem == 3:
        h = (h + (key[i] | key[i + 1] << 8)) & _M32
        h ^= (h << 16) & _M32
        c = key[i + 2] - 256 if key[i + 2] >= 128 else key[i + 2]
        h ^= (c << 18) & _M32
        h = (h + (h >> 11)) & _M32
    elif rem == 2:
        h = (h + (key[i] | key[i + 1] << 8)) & _M32
        h ^= (h << 11) & _M32
        h = (h + (h >> 17)) & _M32
    elif rem == 1:
        c = key[i] - 256 if key[i] >= 128 else key[i]
        h = (h + c) & _M32
        h ^= (h << 10) & _M32
        h = (h + (h >> 1)) & _M32
    h ^= (h << 3) & _M32
    h = (h + (h >> 5)) & _M32
    h ^= (h << 4) & _M32
    h = (h + (h >> 17)) & _M32
    h ^= (h << 25) & _M32
    h = (h + (h >> 6)) & _M32
    return h


class KmodHash(Generic[V]):
    """A str -> value map that iterates in kmod's order."""

    def __init__(self, n_buckets: int):
        size = 1
        while size < n_buckets:
            size <<= 1
        self._mask = size - 1
        self._values: dict[str, V] = {}
        self._buckets: dict[int, list[bytes]] = {}

    def add(self, key: str, value: V) -> None:
        """Insert, or replace the value of an existing key (kmod's hash_add)."""
        if key not in self._values:
            raw = key.encode("utf-8", "surrogateescape")
            bucket = self._buckets.setdefault(superfast_hash(raw) & self._mask, [])
            bucket.insert(bisect_left(bucket, raw), raw)
        self._values[key] = value

    def add_unique(self, key: str, value: V) -> bool:
        """Insert unless present (kmod's hash_add_unique); False when present."""
        if key in self._values:
            return False
        self.add(key, value)
        return True

    def get(self, key: str) -> V | None:
        return self._values.get(key)

    def values(self) -> dict[str, V]:
        """The key -> value map itself, for lookups in bulk (read only)."""
        return self._values

    def __contains__(self, key: str) -> bool:
        return key in self._values

    def __len__(self) -> int:
        return len(self._values)

    def items(self) -> Iterator[tuple[str, V]]:
        """Bucket by bucket, each bucket in strcmp order: kmod's hash_iter."""
        values = self._values
        for pos in sorted(self._buckets):
            for raw in self._buckets[pos]:
                key = raw.decode("utf-8", "surrogateescape")
                yield key, values[key]
