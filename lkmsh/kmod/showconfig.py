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

from lkmsh.kmod.index import read_entries
from lkmsh.kmod.modprobecfg import ModprobeConfig, SoftDep


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
            entries = read_entries(f.read())
    except (OSError, ValueError):
        return ""
    head = prefix.encode()
    lines = [head + key + b" " + value + b"\n" for key, values in entries for _p, value in values]
    return b"".join(lines).decode("utf-8", "surrogateescape")
