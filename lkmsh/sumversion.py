"""modpost's srcversion (Linux 6.1 scripts/mod/sumversion.c), digit for digit.

For each object of a module, in the order the module lists them, modpost
feeds its MD4 (``ModpostMD4``) with the object's source file and then with every file of the
object's dependency list (fixdep's ``deps_`` lines, gcc's ``-MMD`` output)
that lies directly in the object's own directory. Each file goes in without
whitespace, backslash-newlines or ``/* */`` comments; string literals go in
whole, spaces included (``//`` comments are kept, as modpost keeps them).
srcversion is the digest's first 23 uppercase hex digits: modpost prints the
32 into a 24-byte buffer.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lkmsh.md4 import ModpostMD4

SRCVERSION_LEN = 23
_SPACE = frozenset(b" \t\n\v\f\r")  # C's isspace() in the "C" locale
_QUOTE, _BACKSLASH, _SLASH, _STAR, _NEWLINE = b'"', 0x5C, 0x2F, 0x2A, 0x0A


@dataclass(frozen=True)
class ObjectSources:
    """One object of a module: its source and the files the compiler read for it."""

    source: Path
    deps: Sequence[Path] = ()  # in the compiler's order, the source itself not among them


def significant(text: bytes) -> bytes:
    """The bytes of one file that modpost's parse_file() hashes."""
    text = text.split(b"\0", 1)[0]  # read as a C string
    out = bytearray()
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == _BACKSLASH and i + 1 < n and text[i + 1] == _NEWLINE:
            i += 2
        elif c in _SPACE:
            i += 1
        elif c == _QUOTE[0]:  # a string, whole, up to a quote not after a backslash
            j = i + 1
            while j < n and not (text[j] == c and text[j - 1] != _BACKSLASH):
                j += 1
            out += text[i : j + 1]
            i = j + 1
        elif c == _SLASH and i + 1 < n and text[i + 1] == _STAR:
            j = i + 2
            while j < n and not (text[j - 1] == _STAR and text[j] == _SLASH):
                j += 1
            i = j + 1
        else:
            out.append(c)
            i += 1
    return bytes(out)


def srcversion(objects: Iterable[ObjectSources]) -> str:
    """The srcversion modpost gives a module built from @objects."""
    md = ModpostMD4()
    for obj in objects:
        folder = os.path.dirname(os.path.abspath(obj.source))
        for path in (obj.source, *(d for d in obj.deps if _beside(d, folder))):
            md.update(significant(Path(path).read_bytes()))
    return md.hexdigest().upper()[:SRCVERSION_LEN]


def _beside(dep: Path, folder: str) -> bool:
    """Is @dep directly in @folder (modpost: "in same dir as objfile")?"""
    return os.path.dirname(os.path.abspath(dep)) == folder


def read_depfile(text: str) -> ObjectSources:
    """gcc's ``-MMD`` output for one object: the first prerequisite is the source."""
    words = []
    for word in text.replace("\\\n", " ").partition(":")[2].split():
        if words and words[-1].endswith("\\"):  # an escaped space inside a path
            words[-1] = words[-1][:-1] + " " + word
        else:
            words.append(word)
    if not words:
        raise ValueError("dependency file names no source")
    return ObjectSources(Path(words[0]), [Path(w) for w in words[1:]])
