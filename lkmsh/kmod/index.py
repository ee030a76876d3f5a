"""kmod's binary index files (``modules.*.bin``): a path-compressed trie.

libkmod's modprobe and modinfo look names up in these instead of the text
files. The format (module-init-tools' index.c, kept by kmod): a header
(magic ``0xB007F457``, version 2.1, root offset), then nodes written
children first (post-order). A node is an optional NUL-terminated prefix, an
optional child range (first and last character, then one big-endian offset
per character of the range, 0 for none) and an optional value list (count,
then priority + NUL-terminated string per value, by ascending priority). The
high nibble of a node's offset says which parts are present.

``read_entries`` reads such a file back (``modprobe -c`` dumps two of them; the
tests compare what depmod wrote entry by entry).
"""

from __future__ import annotations

import struct

from lkmsh.errors import InvalidArgument

INDEX_MAGIC = 0xB007F457
INDEX_VERSION = (0x0002 << 16) | 0x0001
NODE_PREFIX = 0x80000000
NODE_VALUES = 0x40000000
NODE_CHILDS = 0x20000000
_U32 = struct.Struct(">I")


class _Node:
    __slots__ = ("prefix", "values", "children")

    def __init__(self, prefix: bytes = b""):
        self.prefix = prefix
        self.values: list[tuple[int, bytes]] = []  # (priority, value), kept sorted
        self.children: dict[int, _Node] = {}


class Index:
    """An in-memory index, written byte for byte as kmod's depmod writes it."""

    def __init__(self) -> None:
        self.root = _Node()

    def insert(self, key: str, value: str, priority: int) -> bool:
        """Add value under key; True when the key already had this value (a duplicate)."""
        k = _ascii(key)
        v = _ascii(value)
        node = self.root
        i = 0
        while True:
            p = node.prefix
            j = 0
            while j < len(p):
                if i + j >= len(k) or p[j] != k[i + j]:
                    # Split: node keeps p[:j]; a new child at p[j] takes the rest.
                    child = _Node(p[j + 1 :])
                    child.values, child.children = node.values, node.children
                    node.prefix = p[:j]
                    node.values = []
                    node.children = {p[j]: child}
                    break
                j += 1
            i += j
            if i == len(k):
                return _add_value(node, v, priority)
            ch = k[i]
            nxt = node.children.get(ch)
            if nxt is None:
                leaf = _Node(k[i + 1 :])
                _add_value(leaf, v, priority)
                node.children[ch] = leaf
                return False
            node = nxt
            i += 1

    def to_bytes(self) -> bytes:
        out = bytearray()
        out += _U32.pack(INDEX_MAGIC) + _U32.pack(INDEX_VERSION) + b"\0\0\0\0"
        root = _write(self.root, out)
        out[8:12] = _U32.pack(root)
        return bytes(out)


def _ascii(text: str) -> bytes:
    raw = text.encode("utf-8", "surrogateescape")
    if not raw.isascii():
        raise InvalidArgument(
            f"Module index: bad character in {text!r}: only 7-bit ASCII is supported"
        )
    return raw


def _add_value(node: _Node, value: bytes, priority: int) -> bool:
    duplicate = any(v == value for _p, v in node.values)
    at = 0
    while at < len(node.values) and node.values[at][0] < priority:
        at += 1
    node.values.insert(at, (priority, value))
    return duplicate


def _write(node: _Node, out: bytearray) -> int:
    child_offsets: list[int] = []
    first = last = 0
    if node.children:
        first, last = min(node.children), max(node.children)
        for c in range(first, last + 1):
            child = node.children.get(c)
            child_offsets.append(_write(child, out) if child is not None else 0)
    offset = len(out)
    if node.prefix:
        out += node.prefix + b"\0"
        offset |= NODE_PREFIX
    if child_offsets:
        out.append(first)
        out.append(last)
        for off in child_offsets:
            out += _U32.pack(off)
        offset |= NODE_CHILDS
    if node.values:
        out += _U32.pack(len(node.values))
        for priority, value in node.values:
            out += _U32.pack(priority & 0xFFFFFFFF) + value + b"\0"
        offset |= NODE_VALUES
    return offset


def read_entries(data: bytes) -> list[tuple[bytes, list[tuple[int, bytes]]]]:
    """Every key of an index file with its (priority, value)s, in trie order (a key's
    values, then its children by byte: kmod's ``index_mm_dump`` order). Raises
    ValueError for a file that is not a kmod index or is damaged."""
    try:
        if len(data) < 12 or _U32.unpack_from(data, 0)[0] != INDEX_MAGIC:
            raise ValueError("not a kmod index file")
        entries: list[tuple[bytes, list[tuple[int, bytes]]]] = []
        # Depth first with an explicit stack: (offset, key so far), children pushed reversed.
        stack = [(_U32.unpack_from(data, 8)[0], b"")]
        while stack:
            offset, key = stack.pop()
            pos = offset & 0x0FFFFFFF
            if offset & NODE_PREFIX:
                end = data.index(b"\0", pos)
                key, pos = key + data[pos:end], end + 1
            children = []
            if offset & NODE_CHILDS:
                first, last = data[pos], data[pos + 1]
                pos += 2
                for ch in range(first, last + 1):
                    child = _U32.unpack_from(data, pos)[0]
                    pos += 4
                    if child:
                        children.append((child, key + bytes([ch])))
            if offset & NODE_VALUES:
                values = []
                count, pos = _U32.unpack_from(data, pos)[0], pos + 4
                for _ in range(count):
                    end = data.index(b"\0", pos + 4)
                    values.append((_U32.unpack_from(data, pos)[0], data[pos + 4 : end]))
                    pos = end + 1
                entries.append((key, values))
            stack.extend(reversed(children))
    except (IndexError, struct.error) as exc:
        raise ValueError(f"damaged kmod index file: {exc}") from None
    return entries
