"""The depmod cache: what each module file said, keyed by path, size and mtime.

One file per module tree under ``$XDG_CACHE_HOME/lkmsh/depmod/`` (or
``LKMSH_CACHE_DIR``), written with ``marshal`` (the fastest thing Python
loads) to a temporary name and renamed, so a killed run never leaves half a
cache. A file whose size or mtime changed, and any file not seen before, is
read again; files that disappeared are dropped. The cache also keeps the last
run's output with the fingerprint of everything it was computed from (every
module's stat, modules.order, modules.builtin, the configuration, the
options): an unchanged tree costs one directory walk.

The stored version is CACHE_VERSION together with a stamp of the code that
computed it (the size and mtime of every source file of ``lkmsh.kmod``), so an
upgraded or edited lkmsh never answers from a result an older one computed.

A cache that cannot be read or written is ignored: it only ever saves time.
Each file carries a CRC-32 of its contents: a damaged file (a flipped bit
that marshal would still load as other values) is ignored and rebuilt,
never trusted.
"""

from __future__ import annotations

import marshal
import os
import zlib
from typing import Any

from lkmsh.kmod.modfile import ModuleFacts

CACHE_VERSION = 5  # 4: export CRCs read from their section (Linux >= 5.19); 5: cycles kept
#: file layout: MAGIC, the CRC-32 of the rest (4 bytes, little endian), marshal data
MAGIC = b"lkmsh-depmod-cache\n"


def code_stamp() -> tuple:
    """(CACHE_VERSION, then name, size and mtime of each .py file of lkmsh.kmod): one
    directory scan, a few dozen microseconds of an unchanged run."""
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        with os.scandir(here) as entries:
            stats = [(e.name, e.stat()) for e in entries if e.name.endswith(".py")]
        files = sorted((name, st.st_size, st.st_mtime_ns) for name, st in stats)
    except OSError:
        files = []
    return (CACHE_VERSION, *files)


def cache_dir() -> str:
    explicit = os.environ.get("LKMSH_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "lkmsh", "depmod")


class FactsCache:
    """Facts of one tree's modules; ``load`` at start, ``save`` at the end."""

    def __init__(self, tree: str, directory: str | None = None):
        # A name per tree, not a security boundary: two CRCs (zlib is loaded
        # anyway; hashlib's import alone costs a few ms of every depmod).
        raw = os.path.abspath(tree).encode("utf-8", "surrogateescape")
        digest = f"{zlib.crc32(raw):08x}{zlib.adler32(raw):08x}"
        base = os.path.join(directory or cache_dir(), digest)
        self.path = base + ".facts"  # per-module facts: large, read only on a miss
        self.result_path = base + ".result"  # the last output: small, read first
        self._old: dict[str, tuple[int, int, tuple]] = {}
        self._new: dict[str, tuple[int, int, tuple]] = {}
        self.result: tuple[Any, Any] | None = None  # (fingerprint, payload)
        self._new_result: tuple[Any, Any] | None = None
        self.hits = 0
        self.misses = 0
        self.dirty = False
        self._facts_loaded = False
        self.version = code_stamp()

    def load(self) -> FactsCache:
        blob = _read(self.result_path)
        if isinstance(blob, tuple) and len(blob) == 2 and blob[0] == self.version:
            self.result = blob[1]
        return self

    def _load_facts(self) -> None:
        if self._facts_loaded:
            return
        self._facts_loaded = True
        blob = _read(self.path)
        if (
            isinstance(blob, tuple)
            and len(blob) == 2
            and blob[0] == self.version
            and isinstance(blob[1], dict)
        ):
            self._old = blob[1]

    def get(self, path: str, size: int, mtime_ns: int) -> ModuleFacts | None | bool:
        """The cached facts (None: the file was unreadable), or False on a miss."""
        self._load_facts()
        hit = self._old.get(path)
        if hit is not None and hit[0] == size and hit[1] == mtime_ns:
            self._new[path] = hit
            self.hits += 1
            facts = hit[2]
            return ModuleFacts(*facts) if facts is not None else None
        self.misses += 1
        self.dirty = True
        return False

    def put(self, path: str, size: int, mtime_ns: int, facts: ModuleFacts | None) -> None:
        self._new[path] = (size, mtime_ns, tuple(facts) if facts is not None else None)

    def cached_result(self, fingerprint: Any) -> Any | None:
        if self.result is not None and self.result[0] == _key(fingerprint):
            return self.result[1]
        return None

    def set_result(self, fingerprint: Any, payload: Any) -> None:
        self._new_result = (_key(fingerprint), payload)
        self.dirty = True

    def save(self) -> None:
        if self._new_result is not None:
            _write(self.result_path, (self.version, self._new_result))
        if self.dirty or len(self._new) != len(self._old):
            _write(self.path, (self.version, self._new))


def _key(fingerprint: Any) -> bytes:
    """The fingerprint (a tuple per module) as one bytes value: the cache stores and
    compares that, so a warm run does not rebuild 1,121 tuples to compare them. Marshal
    format 0 writes values only (no references, no interning flags): equal tuples give
    equal bytes."""
    return marshal.dumps(fingerprint, 0)


def _read(path: str) -> Any:
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError:
        return None
    head = len(MAGIC)
    if raw[:head] != MAGIC or len(raw) < head + 4:
        return None
    body = raw[head + 4 :]
    if zlib.crc32(body) != int.from_bytes(raw[head : head + 4], "little"):
        return None  # damaged: rebuilt by this run
    try:
        return marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return None


def _write(path: str, blob: Any) -> None:
    """Write to a temporary file and rename: readers see the old or the new file."""
    import tempfile  # only when writing (its import is a few ms of every run)

    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        try:
            body = marshal.dumps(blob)
            with os.fdopen(fd, "wb") as f:
                f.write(MAGIC + zlib.crc32(body).to_bytes(4, "little") + body)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except (OSError, ValueError):
        pass
