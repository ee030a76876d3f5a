"""``modprobe -c``: the configuration as libkmod holds it, then its two indexes dumped.

The output is kmod 30's: each kind of directive in its own block (blacklist,
install, remove, alias, options, softdep), in the order read, softdeps
rebuilt from their parts as kmod rebuilds them (``pre: a b`` directly
followed by ``post: c``, without a blank: kmod's own quirk); then
``modules.alias.bin`` and ``modules.symbols.bin`` walked as kmod's
``index_mm_dump`` walks them (a key's values, then its children by byte).
"""

from __future__ import annotations

import os
import struct

from lkmsh.kmod.index import INDEX_MAGIC, NODE_CHILDS, NODE_PREFIX, NODE_VALUES
from lkmsh.kmod.modprobecfg import ModprobeConfig, SoftDep

_U32 = struct.Struct(">I")
_OFFSET_MASK = 0x0FFFFFFF


def plain_softdep(dep: SoftDep) -> str:
    """kmod_softdep_get_plain_softdep: ``pre: A B`` then ``post: C``, joined as kmod joins."""
    text = ""
    if dep.pre:
        text += "pre: " + " ".join(dep.pre)
    if dep.post:
        text += "post: " + " ".join(dep.post)
    return text


def show_config(config: ModprobeConfig, directory: str) -> str:
    out = [f"blacklist {name}\n" for name in config.blacklist]
    out += [f"install {name} {cmd}\n" for name, cmd in config.install]
    out += [f"remove {name} {cmd}\n" for name, cmd in config.remove]
    out += [f"alias {alias} {name}\n" for alias, name in config.aliases]
    out += [f"options {name} {opts}\n" for name, opts in config.options]
    out += [f"softdep {dep.pattern} {plain_softdep(dep)}\n" for dep in config.softdeps]
    out.append("\n# End of configuration files. Dumping indexes now:\n\n")
    for name in ("modules.alias.bin", "modules.symbols.bin"):
        out.append(dump_index(os.path.join(directory, name), "alias "))
    return "".join(out)


def dump_index(path: str, prefix: str) -> str:
    """Every key and value of a kmod index file, ``PREFIXKEY VALUE`` a line, in trie
    order; nothing for a missing or damaged file (kmod prints nothing then either)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return ""
    if len(data) < 12 or _U32.unpack_from(data, 0)[0] != INDEX_MAGIC:
        return ""
    lines: list[bytes] = []
    # Depth first with an explicit stack: (offset, key so far), children pushed reversed.
    stack = [(_U32.unpack_from(data, 8)[0], prefix.encode())]
    try:
        while stack:
            offset, key = stack.pop()
            pos = offset & _OFFSET_MASK
            if offset & NODE_PREFIX:
                end = data.index(b"\0", pos)
                key += data[pos:end]
                pos = end + 1
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
                count = _U32.unpack_from(data, pos)[0]
                pos += 4
                for _ in range(count):
                    end = data.index(b"\0", pos + 4)
                    lines.append(key + b" " + data[pos + 4 : end] + b"\n")
                    pos = end + 1
            stack.extend(reversed(children))
    except (ValueError, IndexError, struct.error):
        return ""
    return b"".join(lines).decode("utf-8", "surrogateescape")
