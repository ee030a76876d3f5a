"""The persistent kernel: one SQLite file that one-shot commands share.

Each command runs in one transaction (``BEGIN IMMEDIATE``): it restores the
kernel, runs, saves and commits, so a crash or ``kill -9`` leaves the state of
before and parallel scripts serialise instead of losing updates. Saving writes
only what changed since the load (a command touching one module rewrites one
module row and its regions, not 3 MB of memory).

Choices (figures from the development machine, 256 modules, 3 MB of regions):

* Journal: WAL. Crash safety is the same as with a rollback journal (either
  way a transaction is atomic and a killed writer leaves the state of
  before). WAL wins on concurrency: readers never wait for a writer, while in
  rollback mode a writer locks readers out during its commit, and for the rest
  of its transaction once a large save spills its page cache into the file.
  One-shot command times measured the same in both modes (within noise,
  about 40 ms for a 256-module state). The cost: ``-wal``/``-shm`` files beside
  the database, no network file systems, and reading from a read-only
  directory needs the immutable fallback in :meth:`StateStore._reader`.
* ``synchronous=NORMAL``: in WAL mode a commit is then not fsync'ed (the WAL
  is synced at checkpoints). A killed process loses nothing (the data is in
  the OS page cache); a power cut may lose the last commands but can never
  corrupt the file. FULL buys durability against power loss, which a kernel
  *model* does not need, with an fsync per command.
* Region bytes: zlib level 1 for regions of 16 KiB and more when it halves
  them (a sparse 4 MiB heap region shrinks to 2% and reads back faster
  inflated than raw: 5.6 against 7.4 ms); smaller regions stay raw, since 768
  raw pages read in 1.5 ms and inflating them takes 4 ms.
* SQLite INTEGER is signed 64-bit; kernel addresses such as
  0xffffffffa0000000 are stored in two's complement and converted back on
  load. JSON columns keep Python's arbitrary ints as they are (but turn
  tuples into lists and int dict keys into strings: components must be
  plain JSON data).

This module imports only the standard library, the errors and the plain-data
contract: ``lsmod`` reads the module table through :meth:`StateStore.read_summary`
without building a kernel.
"""

from __future__ import annotations

import errno as _errno
import json
import os
import sqlite3
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from lkmsh.errors import REBOOT_HINT, KernelError, StateError
from lkmsh.kernel.module import Module, ModuleState
from lkmsh.kernel.snapshot import (
    FORMAT_VERSION,
    ChecksumError,
    ComponentRows,
    KernelState,
    RegionImage,
    Saved,
    checked,
    text_crc,
)
from lkmsh.record import Record

#: ``PRAGMA application_id`` of an lkmsh state file: "LKMS" in ASCII.
APPLICATION_ID = 0x4C4B4D53
#: ``PRAGMA user_version``: the layout of the tables below. 2 added modules.modinfo
#: (read only by what needs the records), 3 the crc32 of each module record and
#: component row (a tampered one is corrupt, never an internal error later); an
#: older file is upgraded in place when first written.
SCHEMA_VERSION = 3
MAGIC = "lkmsh-state"
BUSY_TIMEOUT_S = 30.0

HINT = f"{REBOOT_HINT}, or use --state"

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE modules(
    seq INTEGER PRIMARY KEY,   -- grows with load order: lsmod order is seq DESC
    name TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    refcount INTEGER NOT NULL,
    state TEXT NOT NULL,
    users TEXT NOT NULL,       -- comma-separated, as lsmod's "Used by"
    taints TEXT NOT NULL,
    base INTEGER NOT NULL,     -- two's complement, as regions.vaddr
    record TEXT NOT NULL,      -- Module.to_dict() as JSON, without "symbols" and "modinfo"
    symbols TEXT NOT NULL,     -- its "symbols" list as JSON: most of the bytes, and lsmod needs none
    modinfo TEXT,              -- its .modinfo records as JSON (schema 1: NULL, they are in record)
    crc INTEGER                -- crc32 of record (NULL: a row written before schema 3)
);
CREATE TABLE components(
    name TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    crc INTEGER                -- crc32 of data, checked when it is decoded (NULL: before schema 3)
);
CREATE TABLE regions(
    vaddr INTEGER PRIMARY KEY, -- two's complement of the 64-bit address
    size INTEGER NOT NULL,
    name TEXT NOT NULL,
    owner TEXT,
    perms BLOB NOT NULL,
    data BLOB NOT NULL,
    crc INTEGER NOT NULL,      -- crc32 of the uncompressed data
    enc INTEGER NOT NULL       -- 0 raw, 1 zlib
);
"""

#: meta keys that exist from creation on; the others describe a saved kernel.
_FILE_KEYS = ("magic", "schema_version", "generation")
_ENC_RAW, _ENC_ZLIB = 0, 1
_ZLIB_LEVEL = 1
_COMPRESS_MIN = 16 << 10  # smaller regions read back faster raw than inflated
_U64 = 1 << 64
_I64 = 1 << 63


def default_state_path() -> Path:
    """``$LKMSH_STATE``, else ``$XDG_STATE_HOME/lkmsh/kernel.sqlite``, else ``~/.local/state/...``."""
    env = os.environ.get("LKMSH_STATE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_STATE_HOME")
    # The XDG spec says relative values are invalid and must be ignored.
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "state"
    return base / "lkmsh" / "kernel.sqlite"


# -- plain data -----------------------------------------------------------------


class StateSummary(Record):
    """What ``lsmod`` and ``/proc/modules`` need, read without building a kernel."""

    _fields = ("modules", "taints", "arch", "kapi_digest", "meta", "generation")

    def __init__(
        self,
        modules: list[Module],  # newest first, as lsmod
        taints: str,
        arch: str,
        kapi_digest: str,
        meta: dict[str, Any] | None = None,
        generation: int = 0,
    ):
        self.modules = modules
        self.taints = taints
        self.arch = arch
        self.kapi_digest = kapi_digest
        self.meta = {} if meta is None else meta
        self.generation = generation


class _Exportable(Protocol):
    def export_state(self) -> KernelState: ...


K = TypeVar("K", bound=_Exportable)
T = TypeVar("T")


class _BadFile(StateError):
    """The file's content is unusable (foreign, corrupt, newer): reboot may replace it."""


class StateBusy(StateError):
    """Another command holds the write lock: retrying helps, rebooting would not."""

    errno = _errno.EBUSY


def lock_holder(path: str | os.PathLike[str]) -> str | None:
    """Who holds a POSIX lock on ``path``, from /proc/locks: "pid N: its command line"."""
    try:
        st = os.stat(path)
        with open("/proc/locks") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    want = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    for line in lines:
        fields = line.split()
        if len(fields) >= 6 and fields[1] == "POSIX" and fields[5] == want:
            pid = fields[4]
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                return f"pid {pid}"
            text = " ".join(a.decode("utf-8", "backslashreplace") for a in argv if a)
            return f"pid {pid}: {text}" if text else f"pid {pid}"
    return None


class _Snapshot(Record):
    """What the database holds, as of ``generation``, so a save writes only differences.

    ``stale`` means the rows are unknown: the next save clears the tables first.
    """

    _fields = ("generation", "meta", "modules", "components", "regions", "stale")

    def __init__(
        self,
        generation: int,
        meta: dict[str, str] | None = None,
        modules: dict[str, tuple[Any, ...]] | None = None,  # name -> StateStore._module_rows' row
        components: dict[str, str] | None = None,
        regions: dict[int, tuple[int, str, str | None, bytes, bytes]] | None = None,
        stale: bool = False,
    ):
        self.generation = generation
        self.meta = {} if meta is None else meta
        self.modules = {} if modules is None else modules
        self.components = {} if components is None else components
        self.regions = {} if regions is None else regions
        self.stale = stale


# -- conversions ----------------------------------------------------------------


def _to_i64(value: int) -> int:
    if not 0 <= value < _U64:
        raise StateError(f"cannot save address {value:#x}: not a 64-bit address")
    return value - _U64 if value >= _I64 else value


def _from_i64(value: int) -> int:
    return value + _U64 if value < 0 else value


def _dumps(obj: Any, what: str) -> str:
    """Compact JSON; text holding undecodable bytes (names and values read with
    surrogateescape) is written with \\udcXX escapes, which json.loads turns back
    into the very same string: those bytes survive a save, and SQLite gets valid UTF-8."""
    try:
        text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError) as e:
        raise StateError(f"cannot save kernel state: {what} is not plain data ({e})") from None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(obj, separators=(",", ":"), ensure_ascii=True)
    return text


def _encode(data: bytes) -> tuple[bytes, int]:
    if len(data) < _COMPRESS_MIN:
        return data, _ENC_RAW
    packed = zlib.compress(data, _ZLIB_LEVEL)
    if len(packed) <= len(data) >> 1:
        return packed, _ENC_ZLIB
    return data, _ENC_RAW


# -- the store ------------------------------------------------------------------


class StateStore:
    """One state file. Cheap to construct: nothing is opened until it is used.

    Thread-safe: operations on one store serialise on a lock; processes
    serialise on SQLite's write lock (waiting up to ``busy_timeout`` seconds).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        kapi_digest: str | None = None,
        busy_timeout: float = BUSY_TIMEOUT_S,
    ):
        self.path = Path(path)
        self.kapi_digest = kapi_digest  # when given, a state saved with another is refused
        self.busy_timeout = busy_timeout
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._identity: tuple[int, int] | None = None  # (st_dev, st_ino) _conn has open
        self._snap: _Snapshot | None = None
        self._pending: _Snapshot | None = None  # what the file holds once the open save commits

    def __repr__(self) -> str:
        return f"StateStore({str(self.path)!r})"

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            self._snap = None

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public operations -------------------------------------------------------

    def read_summary(self, *, full: bool = False) -> StateSummary | None:
        """The module table and taints; None when no kernel was saved. Never creates the file.

        By default each Module holds only what lsmod and /proc/modules print
        (name, size, state, base, taints, users, extra_refs), read
        from plain columns; parsing the JSON records of 256 modules would cost
        several times more. ``full=True`` gives complete modules, symbols included.
        """

        def summary(conn: sqlite3.Connection, meta: dict[str, str]) -> StateSummary:
            try:
                modules = self._full_modules(conn) if full else self._lean_modules(conn)
                kmeta = json.loads(meta.get("meta", "{}"))
                generation = int(meta.get("generation", "0"))
            except ChecksumError as e:
                raise StateError.corrupt(str(e)) from None
            except (ValueError, TypeError, KeyError) as e:
                raise self._corrupt(f"bad module record: {e}") from None
            return StateSummary(
                modules=modules,
                taints=meta.get("taints", ""),
                arch=meta.get("arch", ""),
                kapi_digest=meta["kapi_digest"],
                meta=kmeta,
                generation=generation,
            )

        return self._read_saved(summary)

    def read_components(self, *names: str) -> dict[str, Any] | None:
        """Only these components' saved data (``dmesg`` reads the log without building a
        kernel); None when no kernel was saved. Never creates the file."""

        def components(conn: sqlite3.Connection, meta: dict[str, str]) -> dict[str, Any]:
            marks = ",".join("?" * len(names))
            crc = _column(conn, 3, "crc")
            rows = conn.execute(
                f"SELECT name, data, {crc} FROM components WHERE name IN ({marks})", names
            )
            try:
                return {name: json.loads(checked(data, crc, name)) for name, data, crc in rows}
            except (ValueError, TypeError) as e:  # worded as the kernel's own restore says it
                raise StateError.corrupt(f"component record: {e}") from None

        return self._read_saved(components)

    def _read_snapshot(self, read: Callable[[sqlite3.Connection], T], empty: Any = None) -> Any:
        """``read(conn)`` in one read snapshot of the file; @empty when there is no file
        or it has no tables yet. Never creates the file."""
        if not self.path.exists():
            return empty
        conn, is_empty = self._reader()
        try:
            return empty if is_empty else read(conn)
        except sqlite3.Error as e:
            raise self._db_error(e, reading=True) from None
        finally:
            conn.close()

    def _read_saved(self, read: Callable[[sqlite3.Connection, dict[str, str]], T]) -> T | None:
        """``read(conn, meta)`` in one read snapshot of a saved kernel; None when none is."""

        def saved(conn: sqlite3.Connection) -> T | None:
            meta = dict(conn.execute("SELECT key, value FROM meta"))
            if "kapi_digest" not in meta:
                return None
            self._check_state_format(meta)
            return read(conn, meta)

        return self._read_snapshot(saved)

    def read_config(self) -> dict[str, Any] | None:
        """The saved kernel's configuration (its command line...); None when no kernel
        was saved. Cheap: one meta row, no kernel built. Never creates the file."""

        def config(conn: sqlite3.Connection) -> dict[str, Any] | None:
            row = conn.execute("SELECT value FROM meta WHERE key = 'config'").fetchone()
            try:
                value = json.loads(row[0]) if row else None
            except (ValueError, TypeError) as e:
                raise self._corrupt(f"bad kernel config: {e}") from None
            return value if isinstance(value, dict) else None

        return self._read_snapshot(config)

    @staticmethod
    def _lean_modules(conn: sqlite3.Connection) -> list[Module]:
        out = []
        rows = conn.execute(
            "SELECT name, size, refcount, state, users, taints, base FROM modules ORDER BY seq DESC"
        )
        for name, size, refcount, state, users, taints, base in rows:
            used_by = users.split(",") if users else []
            out.append(
                Module(
                    name=name,
                    state=ModuleState(state),
                    size=size,
                    base=_from_i64(base),
                    taints=taints,
                    users=used_by,
                    extra_refs=refcount - len(used_by),
                )
            )
        return out

    @staticmethod
    def _full_modules(conn: sqlite3.Connection) -> list[Module]:
        """Complete modules; their symbols and .modinfo are decoded when first used."""
        modinfo, crc = _column(conn, 2, "modinfo"), _column(conn, 3, "crc")
        rows = conn.execute(
            f"SELECT record, symbols, {modinfo}, {crc}, name FROM modules ORDER BY seq DESC"
        ).fetchall()
        dicts = _parse_records([checked(r[0], r[3], f"module {r[4]}") for r in rows])
        for d, (_, syms, mi, _, _) in zip(dicts, rows, strict=True):
            d["symbols"] = Saved(syms)
            if mi is not None or "modinfo" not in d:
                d["modinfo"] = Saved(mi)
        return [Module.from_dict(d) for d in dicts]

    def generation(self) -> int:
        """How many saves the file has seen (0 if it does not exist); cheap.

        A REPL that keeps its kernel in memory compares this with the value it
        loaded or saved to see whether another process changed the state.
        """

        def saves(conn: sqlite3.Connection) -> int:
            row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
            try:
                return int(row[0]) if row else 0
            except ValueError:
                raise self._corrupt("bad generation") from None

        return self._read_snapshot(saves, empty=0)

    def load(self) -> KernelState | None:
        """The saved kernel, or None (no file yet, or rebooted). Never creates the file."""
        with self._lock:
            if not self.path.exists():
                return None
            conn = self._writer()
            with self._guarded():
                conn.execute("BEGIN")
                state = self._load_in_tx(conn)
                conn.execute("COMMIT")
                return state

    @contextmanager
    def _guarded(self) -> Iterator[None]:
        """Any failure inside rolls the open transaction back; SQLite errors become one line."""
        try:
            yield
        except sqlite3.Error as e:
            self._abort()
            raise self._db_error(e) from None
        except BaseException:
            self._abort()
            raise

    def save(self, state: KernelState) -> None:
        """Write state in its own transaction (the REPL's write-through after each command)."""
        with self._lock:
            conn = self._writer(create=True)
            with self._guarded():
                self._begin_immediate(conn)
                self._save_in_tx(conn, state)
                self._commit(conn)

    def transaction(
        self, factory: Callable[[KernelState | None], K], *, reuse: K | None = None
    ) -> Transaction[K]:
        """One command: ``with store.transaction(factory) as tx: ... tx.kernel ...``.

        ``factory`` builds the kernel from the saved state (None: no kernel yet).
        ``reuse``: a kernel this store loaded or saved before; it is used as is
        when no other process changed the file since (the REPL's fast path),
        else the file is loaded again.
        """
        return Transaction(self, factory, reuse)

    def reset(self) -> None:
        """``lkmsh reboot``: forget the kernel. A file that is not usable is replaced."""
        with self._lock:
            try:
                conn = self._writer(create=True)
                with self._guarded():
                    self._begin_immediate(conn)
                    gen = self._read_generation(conn)
                    conn.execute("DELETE FROM modules")
                    conn.execute("DELETE FROM components")
                    conn.execute("DELETE FROM regions")
                    keep = ",".join("?" * len(_FILE_KEYS))
                    conn.execute(f"DELETE FROM meta WHERE key NOT IN ({keep})", _FILE_KEYS)
                    self._set_meta(conn, "generation", str(gen + 1))
                    self._commit(conn)
                    self._snap = _Snapshot(gen + 1, stale=True)
            except _BadFile:
                self._replace()

    # -- transactions ----------------------------------------------------------

    def _load_in_tx(self, conn: sqlite3.Connection) -> KernelState | None:
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        gen = self._parse_int(meta.get("generation", "0"), "generation")
        if "kapi_digest" not in meta:
            self._snap = _Snapshot(gen, meta=meta, stale=True)
            return None
        fmt = self._check_state_format(meta)
        digest = meta["kapi_digest"]
        if self.kapi_digest is not None and digest != self.kapi_digest:
            raise StateError(
                f"state file {self.path} was saved with another kernel API table "
                f"(digest {digest}, this lkmsh {self.kapi_digest}), so its module images "
                f"are stale ({HINT})"
            )
        snap = _Snapshot(gen, meta=meta)
        try:
            # A module's symbols and .modinfo are read from the file when first used
            # (kallsyms, an Oops, modinfo): most commands never read those bytes.
            rows = conn.execute(
                "SELECT seq, name, record, crc FROM modules ORDER BY seq DESC"
            ).fetchall()
            modules = _parse_records([checked(r[2], r[3], f"module {r[1]}") for r in rows])
            for (seq, name, record, _), d in zip(rows, modules, strict=True):
                d["symbols"] = Saved(fetch=partial(self._fetch_bulk, "symbols", name))
                if "modinfo" not in d:  # else a row of schema 1: the records are in it
                    d["modinfo"] = Saved(fetch=partial(self._fetch_bulk, "modinfo", name))
                snap.modules[name] = (seq, record, d["symbols"], d.get("modinfo"))
            texts, crcs = {}, {}
            for name, data, crc in conn.execute("SELECT name, data, crc FROM components"):
                texts[name], crcs[name] = data, crc
            components = ComponentRows(texts, crcs)  # checked and decoded when the kernel asks
            snap.components.update(texts)
            regions = []
            for vaddr, size, name, owner, perms, blob, crc, enc in conn.execute(
                "SELECT vaddr, size, name, owner, perms, data, crc, enc FROM regions"
            ):
                vaddr = _from_i64(vaddr)
                data = zlib.decompress(blob) if enc == _ENC_ZLIB else bytes(blob)
                if zlib.crc32(data) != crc:
                    raise self._corrupt(f"region {name} at {vaddr:#x} fails its checksum")
                perms = bytes(perms)
                regions.append(RegionImage(vaddr, size, name, owner, perms, data))
                snap.regions[vaddr] = (size, name, owner, perms, data)
            regions.sort(key=lambda r: r.vaddr)
            state = KernelState(
                arch=meta.get("arch", ""),
                kapi_digest=digest,
                config=json.loads(meta.get("config", "{}")),
                meta=json.loads(meta.get("meta", "{}")),
                modules=modules,
                components=components,
                regions=regions,
                format_version=fmt,
            )
        except ChecksumError as e:
            raise StateError.corrupt(str(e)) from None
        except (ValueError, TypeError, zlib.error) as e:
            raise self._corrupt(str(e)) from None
        self._snap = snap
        return state

    def _save_in_tx(self, conn: sqlite3.Connection, state: KernelState) -> None:
        """Write the differences between state and what the file holds; bump the generation."""
        gen = self._read_generation(conn)
        snap = self._snap
        rewrite = snap is None or snap.generation != gen or snap.stale
        # Module rows first: a row to write may need bulk text still in the file.
        rows = self._module_rows(state, {} if rewrite or snap is None else snap.modules)
        if rewrite:
            # Someone else wrote since we looked (or we never did): rewrite everything.
            conn.execute("DELETE FROM modules")
            conn.execute("DELETE FROM components")
            conn.execute("DELETE FROM regions")
            snap = _Snapshot(gen, meta=dict(conn.execute("SELECT key, value FROM meta")))
        new = _Snapshot(gen)
        changed = False

        # meta
        new.meta = {k: v for k, v in snap.meta.items() if k in _FILE_KEYS}
        new.meta.update(
            magic=MAGIC,
            schema_version=str(SCHEMA_VERSION),
            state_format=str(state.format_version),
            arch=state.arch,
            kapi_digest=state.kapi_digest,
            config=_dumps(state.config, "the kernel config"),
            meta=_dumps(state.meta, "the kernel meta data"),
            taints=str(state.meta.get("taints", "")),
        )
        for key, value in new.meta.items():
            if key != "generation" and snap.meta.get(key) != value:
                self._set_meta(conn, key, value)
                changed = True

        # modules
        gone = [(n,) for n in snap.modules if n not in rows]
        if gone:
            conn.executemany("DELETE FROM modules WHERE name = ?", gone)
            changed = True
        for d in state.modules:
            name = d["name"]
            row, texts = rows[name]
            new.modules[name] = row
            if texts is not None:
                users = d.get("users") or []
                conn.execute(
                    "INSERT OR REPLACE INTO modules(seq, name, size, refcount, state, users, taints,"
                    " base, record, symbols, modinfo, crc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        row[0],
                        name,
                        int(d.get("size", 0)),
                        len(users) + int(d.get("extra_refs", 0)),
                        str(d.get("state", "")),
                        ",".join(users),
                        str(d.get("taints", "")),
                        _to_i64(int(d.get("base", 0))),
                        row[1],
                        *texts,
                        text_crc(row[1]),
                    ),
                )
                changed = True

        # components
        gone = [(n,) for n in snap.components if n not in state.components]
        if gone:
            conn.executemany("DELETE FROM components WHERE name = ?", gone)
            changed = True
        rows = state.components
        for name in rows:
            kept = rows.raw(name) if isinstance(rows, ComponentRows) else None
            if kept is None:
                value = rows[name]
                kept = value.text() if isinstance(value, Saved) else None
            data = kept if kept is not None else _dumps(value, f"component {name}")
            new.components[name] = data
            if snap.components.get(name) != data:
                conn.execute(
                    "INSERT OR REPLACE INTO components(name, data, crc) VALUES (?, ?, ?)",
                    (name, data, text_crc(data)),
                )
                changed = True

        # regions: compare the bytes themselves (a memcmp, and usually the very
        # object we loaded); crc32 guards the blobs against corruption on disk
        live = {r.vaddr for r in state.regions}
        gone = [(_to_i64(v),) for v in snap.regions if v not in live]
        if gone:
            conn.executemany("DELETE FROM regions WHERE vaddr = ?", gone)
            changed = True
        for r in state.regions:
            raw, perms = bytes(r.data), bytes(r.perms)
            new.regions[r.vaddr] = sig = (r.size, r.name, r.owner, perms, raw)
            old = snap.regions.get(r.vaddr)
            if old is not None and (old[4] is raw or old == sig):
                continue
            blob, enc = _encode(raw)
            conn.execute(
                "INSERT OR REPLACE INTO regions(vaddr, size, name, owner, perms, data, crc, enc)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (_to_i64(r.vaddr), r.size, r.name, r.owner, perms, blob, zlib.crc32(raw), enc),
            )
            changed = True

        if changed:
            new.generation = gen + 1
            self._set_meta(conn, "generation", str(new.generation))
        new.meta["generation"] = str(new.generation)
        self._pending = new

    @staticmethod
    def _module_rows(
        state: KernelState, old: dict[str, tuple[Any, ...]]
    ) -> dict[str, tuple[tuple[Any, ...], tuple[str, str] | None]]:
        """Each module's row signature (seq, record, symbols, modinfo) and, if the file
        does not hold that row yet, the symbols and modinfo texts to write.

        Seqs are kept where the order allows (loading one more module writes one
        row, not 256); a bulk field nobody decoded is its Saved object in the
        signature, so an unchanged module costs neither a read nor a write of it.
        """
        names = [d["name"] for d in state.modules]
        seqs = _assign_seqs(names, {n: row[0] for n, row in old.items()})
        out: dict[str, tuple[tuple[Any, ...], tuple[str, str] | None]] = {}
        for d in state.modules:
            name = d["name"]
            rest = {k: v for k, v in d.items() if k not in ("symbols", "modinfo")}
            record = _dumps(rest, f"module {name}")
            bulk = [
                v if isinstance(v, Saved) else _dumps(v, f"the {what} of module {name}")
                for what, v in (
                    ("symbols", d.get("symbols", [])),
                    ("modinfo", d.get("modinfo", [])),
                )
            ]
            row = (seqs[name], record, *bulk)
            texts = None
            if old.get(name) != row:
                syms, mi = (v.text() if isinstance(v, Saved) else v for v in bulk)
                texts = (syms, mi)
            out[name] = (row, texts)
        return out

    def _fetch_bulk(self, column: str, name: str) -> str:
        """A module's saved symbols or .modinfo text, read when a restored module first
        needs it (within the command's transaction: the rows it restored)."""
        with self._lock:
            try:
                conn = self._conn if self._conn is not None else self._writer()
                row = conn.execute(
                    f"SELECT {column} FROM modules WHERE name = ?", (name,)
                ).fetchone()
            except sqlite3.Error as e:
                raise self._db_error(e) from None
        if row is None or not isinstance(row[0], str):
            raise self._corrupt(f"module {name} has no {column} row")
        return row[0]

    # -- connections -----------------------------------------------------------

    def _reader(self) -> tuple[sqlite3.Connection, bool]:
        """A read-only connection in a read transaction (one consistent snapshot).

        Also says whether the file is empty (created, never initialised).
        """
        for immutable in (False, True):
            conn = self._connect(readonly=True, immutable=immutable)
            try:
                conn.execute("BEGIN")
                return conn, self._check_file(conn, allow_empty=True) == 0
            except sqlite3.Error as e:
                conn.close()
                code = getattr(e, "sqlite_errorname", "") or ""
                # Reading a WAL database needs a -shm file, which a read-only
                # directory forbids. Without a -wal file nobody can be writing
                # it (a writer needs one), so reading it as immutable is exact.
                if (
                    immutable
                    or not code.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN"))
                    or os.path.exists(f"{self.path}-wal")
                ):
                    raise self._db_error(e, reading=True) from None
            except BaseException:
                conn.close()
                raise
        raise AssertionError("unreachable")

    def _connect(self, readonly: bool = False, immutable: bool = False) -> sqlite3.Connection:
        if os.path.isdir(self.path):
            raise StateError(
                f"{self.path}: Is a directory (name the state file, not its directory)"
            )
        try:
            if readonly:
                uri = "file:" + _uri_path(self.path) + "?mode=ro"
                if immutable:
                    uri += "&immutable=1"
                conn = sqlite3.connect(
                    uri, uri=True, timeout=self.busy_timeout, isolation_level=None
                )
            else:
                conn = sqlite3.connect(
                    self.path,
                    timeout=self.busy_timeout,
                    isolation_level=None,
                    check_same_thread=False,
                )
        except sqlite3.Error as e:
            raise self._db_error(e) from None
        return conn

    def _writer(self, create: bool = False) -> sqlite3.Connection:
        """The store's read-write connection, opened, checked and (if new) initialised.

        A connection kept from an earlier command is used only while the path
        still names the file it opened: after an ``rm`` or another process's
        reboot that recreated the file, writes through it would go to a deleted
        inode and be lost, so it is closed and the path opened afresh.
        """
        if self._conn is not None:
            if self._identity == _file_identity(self.path):
                return self._conn
            self._conn.close()
            self._conn = None
            self._snap = None
        if create:
            self._create_file()
        conn = self._connect()
        try:
            # One read snapshot: another process may be initialising the file right
            # now, and separate reads could see its header before its tables.
            conn.execute("BEGIN")
            try:
                version = self._check_file(conn, allow_empty=True)
            finally:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if mode.lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            if version < SCHEMA_VERSION:
                self._init_schema(conn)
        except sqlite3.Error as e:
            conn.close()
            raise self._db_error(e) from None
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self._identity = _file_identity(self.path)
        self._snap = None
        return conn

    def _create_file(self) -> None:
        """Create the file (mode 0600) and its directory (0700, as XDG asks) if missing."""
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        except FileExistsError:
            return
        except OSError as e:
            raise StateError(
                f"cannot create state file {self.path}: {e.strerror} "
                "(check the directory's permissions, or use --state)"
            ) from None
        try:
            os.fchmod(fd, 0o600)  # exactly 0600 whatever the umask
        finally:
            os.close(fd)

    def _check_file(self, conn: sqlite3.Connection, allow_empty: bool) -> int:
        """Raise unless the file is an lkmsh state file we understand; its schema
        version (0: empty; below SCHEMA_VERSION: a writer upgrades it)."""
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if app_id == 0 and version == 0:
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables == 0 and allow_empty:
                return 0
            raise self._foreign()
        if app_id != APPLICATION_ID:
            raise self._foreign()
        if version > SCHEMA_VERSION:
            raise _BadFile(
                f"state file {self.path} has format version {version}, newer than this "
                f"lkmsh understands ({SCHEMA_VERSION}) (upgrade lkmsh, or {HINT})"
            )
        if version < 1:
            raise _BadFile(
                f"state file {self.path} has an unknown format version {version} ({HINT})"
            )
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'magic'").fetchone()
        except sqlite3.OperationalError:
            row = None  # no meta table
        if row is None or row[0] != MAGIC:
            raise self._foreign()
        return version

    def _init_schema(self, conn: sqlite3.Connection) -> None:
        """Create the tables in an empty file, or upgrade an older schema in place."""
        self._begin_immediate(conn)
        try:
            # Another process may have initialised it while we waited for the lock.
            version = self._check_file(conn, allow_empty=True)
            if version == 0:
                # Not executescript(): it would COMMIT the open transaction first.
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.executemany(
                    "INSERT INTO meta(key, value) VALUES (?, ?)",
                    [("magic", MAGIC), ("generation", "0")],
                )
            if version == 1:
                # Schema 1 kept .modinfo in the record: its rows stay readable as they
                # are (NULL modinfo) and move to the column when next written.
                conn.execute("ALTER TABLE modules ADD COLUMN modinfo TEXT")
            if 1 <= version <= 2:  # rows without a crc are read unchecked until rewritten
                conn.execute("ALTER TABLE modules ADD COLUMN crc INTEGER")
                conn.execute("ALTER TABLE components ADD COLUMN crc INTEGER")
            if version < SCHEMA_VERSION:
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                self._set_meta(conn, "schema_version", str(SCHEMA_VERSION))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _owned_by_lkmsh(self) -> bool:
        """Whether the file's raw SQLite header carries lkmsh's application id.

        Read from the bytes, not through SQLite, so a corrupt lkmsh file is
        still recognised while someone else's file is never taken for ours.
        """
        try:
            with open(self.path, "rb") as f:
                header = f.read(72)
        except FileNotFoundError:
            return True
        except OSError:
            return False
        if not header:
            return True  # empty: nothing to lose
        return header[:16] == b"SQLite format 3\0" and (
            len(header) < 72 or int.from_bytes(header[68:72], "big") == APPLICATION_ID
        )

    def _replace(self) -> None:
        """Delete an unusable file (and its WAL/journal, which must not be replayed) and start anew."""
        if not self._owned_by_lkmsh():
            raise StateError(
                f"state file {self.path} is not an lkmsh state file; not replacing it "
                "(remove it yourself, or use --state)"
            )
        self.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                os.unlink(f"{self.path}{suffix}")
            except FileNotFoundError:
                pass
            except OSError as e:
                raise StateError(
                    f"cannot replace state file {self.path}: {e.strerror} (use --state)"
                ) from None
        self._writer(create=True)

    def _begin_immediate(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")

    def _commit(self, conn: sqlite3.Connection) -> None:
        conn.execute("COMMIT")
        pending = getattr(self, "_pending", None)
        if pending is not None:
            self._snap = pending
            self._pending = None

    def _abort(self) -> None:
        """Roll back whatever is open; our picture of the file is no longer trusted."""
        self._snap = None
        self._pending = None
        conn = self._conn
        if conn is None:
            return
        try:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        except sqlite3.Error:
            # The connection is unusable; SQLite rolls back on close (or on the
            # next open, from the journal/WAL).
            conn.close()
            self._conn = None

    # -- small helpers -----------------------------------------------------------

    def _check_state_format(self, meta: dict[str, str]) -> int:
        fmt = self._parse_int(meta.get("state_format", "0"), "state format")
        if fmt > FORMAT_VERSION:
            raise _BadFile(
                f"state file {self.path} holds a kernel of format {fmt}, newer than this "
                f"lkmsh understands ({FORMAT_VERSION}) (upgrade lkmsh, or {HINT})"
            )
        return fmt

    @staticmethod
    def _set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def _read_generation(self, conn: sqlite3.Connection) -> int:
        row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return self._parse_int(row[0] if row else "0", "generation")

    def _parse_int(self, text: str, what: str) -> int:
        try:
            return int(text)
        except ValueError:
            raise self._corrupt(f"bad {what} {text!r}") from None

    def _foreign(self) -> _BadFile:
        return _BadFile(
            f"state file {self.path} is not an lkmsh state file (use --state or LKMSH_STATE "
            "to name another file)"
        )

    def _corrupt(self, detail: str) -> _BadFile:
        return _BadFile(f"state file {self.path} is corrupt: {detail} ({HINT})")

    def _db_error(self, e: sqlite3.Error, reading: bool = False) -> StateError:
        """One line for the user, from SQLite's error code."""
        if isinstance(e, StateError):
            return e
        code = getattr(e, "sqlite_errorname", "") or ""
        p = self.path
        if code == "SQLITE_NOTADB":
            return self._foreign()
        if code.startswith("SQLITE_CORRUPT"):
            return self._corrupt(str(e))
        if code.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")) and reading:
            return StateError(
                f"cannot read state file {p} (check the permissions of the file and its "
                "directory, or use --state)"
            )
        if code.startswith("SQLITE_READONLY"):
            return StateError(
                f"state file {p} is read-only, so the kernel cannot be saved "
                "(check the permissions of the file and its directory, or use --state)"
            )
        if code.startswith("SQLITE_CANTOPEN") or code == "SQLITE_PERM":
            return StateError(
                f"cannot open state file {p} (check the permissions of the file and its "
                "directory, or use --state)"
            )
        if code == "SQLITE_FULL":
            return StateError(
                f"cannot save state file {p}: disk full (free some space, or use --state)"
            )
        if code.startswith("SQLITE_BUSY") or code.startswith("SQLITE_LOCKED"):
            holder = lock_holder(str(p))
            who = f" ({holder})" if holder else ""
            return StateBusy(
                f"state file {p} is locked by another lkmsh command{who}; gave up after "
                f"{self.busy_timeout:g} s: retry when it has finished"
            )
        if code == "SQLITE_ERROR" and "no such" in str(e):
            return self._corrupt(str(e))  # a table or column is missing: reboot replaces it
        if code.startswith("SQLITE_IOERR"):
            return StateError(f"I/O error on state file {p}: {e} (check the disk, or use --state)")
        return StateError(f"state file {p}: {e} ({HINT})")


class Transaction(Generic[K]):
    """One command against the stored kernel; see :meth:`StateStore.transaction`.

    On normal exit, and when a :class:`KernelError` escapes (a failed insmod
    leaves dmesg lines, as on Linux), the kernel is saved and committed. Any
    other exception, KeyboardInterrupt and a :class:`StateError` (the file was
    found corrupt) included, rolls back: the file keeps the state of before.
    """

    def __init__(
        self, store: StateStore, factory: Callable[[KernelState | None], K], reuse: K | None
    ):
        self._store = store
        self._factory = factory
        self._reuse = reuse
        self._kernel: K | None = None
        self._conn: sqlite3.Connection | None = None

    @property
    def kernel(self) -> K:
        if self._kernel is None:
            raise RuntimeError("the transaction is not open")
        return self._kernel

    def __enter__(self) -> Transaction[K]:
        store = self._store
        store._lock.acquire()
        try:
            conn = store._writer(create=True)
            with store._guarded():
                store._begin_immediate(conn)
                snap = store._snap
                if (
                    self._reuse is not None
                    and snap is not None
                    and not snap.stale
                    and snap.generation == store._read_generation(conn)
                ):
                    self._kernel = self._reuse
                else:
                    self._kernel = self._factory(store._load_in_tx(conn))
        except BaseException:
            store._lock.release()
            raise
        self._conn = conn
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        store = self._store
        try:
            # A command that found the file corrupt saves nothing (no fresh crc on bad data).
            if exc_type is None or (
                issubclass(exc_type, KernelError) and not issubclass(exc_type, StateError)
            ):
                self._save()
            else:
                store._abort()
        finally:
            self._conn = None
            store._lock.release()
        return False

    def _save(self) -> None:
        store, conn = self._store, self._conn
        assert conn is not None and self._kernel is not None
        with store._guarded():
            store._save_in_tx(conn, self._kernel.export_state())
            store._commit(conn)


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _column(conn: sqlite3.Connection, since: int, name: str) -> str:
    """@name, or NULL in a file older than schema @since (a reader does not upgrade)."""
    return name if conn.execute("PRAGMA user_version").fetchone()[0] >= since else "NULL"


def _parse_records(records: list[str]) -> list[dict[str, Any]]:
    """Module dicts from their record texts."""
    # One parse of a JSON array is several times faster than one per module.
    dicts = json.loads("[" + ",".join(records) + "]")
    if len(dicts) != len(records):
        raise ValueError("module records run into each other")
    for d in dicts:
        if not isinstance(d, dict):
            raise ValueError("a module record is not an object")
    return dicts


def _assign_seqs(names: list[str], old: dict[str, int]) -> dict[str, int]:
    """Increasing seqs for names (given newest first), keeping old ones where order allows."""
    if len(set(names)) != len(names):
        raise StateError("cannot save kernel state: two modules have the same name")
    seqs: dict[str, int] = {}
    last = 0
    for name in reversed(names):
        seq = old.get(name)
        if seq is None or seq <= last:
            seq = last + 1
        seqs[name] = last = seq
    return seqs


def _uri_path(path: Path) -> str:
    """The path as an SQLite URI path: only '%', '?' and '#' need escaping."""
    text = str(path.absolute())
    return text.replace("%", "%25").replace("?", "%3f").replace("#", "%23")


__all__ = [
    "APPLICATION_ID",
    "SCHEMA_VERSION",
    "StateStore",
    "StateSummary",
    "Transaction",
    "default_state_path",
]
