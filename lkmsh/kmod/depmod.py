"""depmod: scan a module tree, link symbols to modules, write kmod's files.

This is kmod 30's depmod, step for step, so that its output is the same
bytes (see docs/dependencies.md for the rules):

1. **Scan** ``DIR`` depth first in ``readdir`` order (``os.scandir``),
   skipping ``build`` and ``source``; a file is a module by its suffix. Two
   files with one module name: the depmod.d ``override``/``search`` rules pick
   one, else the first found stays.
2. **Order**: modules by kmod's name hash table, then stably by their line in
   ``modules.order`` (listed modules first, in that order).
3. **Symbols**: every module's exports, in that order, the last exporter of
   a name owning it (kmod's ``hash_add`` replaces); ``-F System.map`` or
   ``-E Module.symvers`` add the kernel's own exports first.
4. **Dependencies**: each module's needed symbols, in file order, name the
   modules that own them; a topological sort (Kahn's, a LIFO of modules no
   one uses) numbers the modules users-first; ``modules.dep`` lists every
   module with all its transitive dependencies by that number. Modules in a
   cycle are reported and left out.

Nothing here prints: diagnostics come back as data for the shell to show.
"""

from __future__ import annotations

import errno
import os
import re
import struct
from collections.abc import Callable

from lkmsh.errors import ElfError, KernelError
from lkmsh.kmod.cache import FactsCache
from lkmsh.kmod.compress import MODULE_EXTENSIONS, module_extension, read_module_file
from lkmsh.kmod.depmodcfg import DEFAULT_CONFIG_PATHS, DepmodConfig, config_files, load_config
from lkmsh.kmod.hashtable import KmodHash
from lkmsh.kmod.index import Index
from lkmsh.kmod.modfile import ModuleFacts, read_facts
from lkmsh.kmod.modprobecfg import underscores_checked
from lkmsh.record import Record

#: The files depmod writes, in kmod 30's order (text files also go to -n's stdout).
OUTPUT_FILES = (
    "modules.dep",
    "modules.dep.bin",
    "modules.alias",
    "modules.alias.bin",
    "modules.softdep",
    "modules.symbols",
    "modules.symbols.bin",
    "modules.builtin.bin",
    "modules.builtin.alias.bin",
    "modules.devname",
)
TEXT_FILES = tuple(f for f in OUTPUT_FILES if not f.endswith(".bin"))
INT32_MAX = 0x7FFFFFFF


class Diagnostic(Record):
    """One line depmod would log: ``depmod: LEVEL: text``."""

    _fields = ("level", "text")

    def __init__(
        self,
        level: str,  # "ERROR", "WARNING", "INFO"
        text: str,
    ):
        self.level = level
        self.text = text


class DepmodFailed(KernelError):
    """depmod could not do its job (no tree, a cycle); the diagnostics say why.
    ``errors``: kmod's ERROR lines that come before its FATAL one."""

    def __init__(self, message: str, errors: tuple[str, ...] = ()):
        super().__init__(message)
        self.errors = errors


def tree_problem(dirname: str) -> str | None:
    """Why a tree cannot be walked (``No such file or directory``, ``Not a directory``),
    or None: kmod says ``could not open directory DIR: WHY``."""
    try:
        os.scandir(dirname).close()
    except OSError as exc:
        return exc.strerror or "Input/output error"
    return None


class DepmodRequest(Record):
    """What to scan and how: kmod's depmod options."""

    _fields = (
        "dirname",
        "kversion",
        "files",
        "config_paths",
        "system_map",
        "symvers",
        "print_unknown",
        "warn_dups",
        "sym_prefix",
        "use_cache",
        "dry_run",
        "prefer_machine",
    )

    def __init__(
        self,
        dirname: str,  # absolute: BASEDIR/lib/modules/VERSION, or lkmsh's DIR
        kversion: str = "",
        files: list[str] | None = None,  # explicit modules (depmod [VERSION] FILE...), else scan
        config_paths: list[str] | None = None,  # -C
        system_map: str | None = None,  # -F
        symvers: str | None = None,  # -E
        print_unknown: bool = False,  # -e
        warn_dups: bool = False,  # -w
        sym_prefix: str = "",  # -P
        use_cache: bool = True,
        dry_run: bool = False,  # -n: only the text files are wanted (the cache may answer)
        #: lkmsh's ``depmod DIR``: when two files share a module name, one built for this
        #: ELF machine wins (a directory of modules for several architectures).
        prefer_machine: int | None = None,
    ):
        self.dirname = dirname
        self.kversion = kversion
        self.files = files
        self.config_paths = config_paths
        self.system_map = system_map
        self.symvers = symvers
        self.print_unknown = print_unknown
        self.warn_dups = warn_dups
        self.sym_prefix = sym_prefix
        self.use_cache = use_cache
        self.dry_run = dry_run
        self.prefer_machine = prefer_machine


class TreeModule:
    """One module of the tree (kmod's ``struct mod``)."""

    __slots__ = (
        "name",
        "path",
        "relpath",
        "key",
        "facts",
        "sort_idx",
        "idx",
        "deps",
        "users",
        "dep_sort_idx",
        "dep_loop",
    )

    def __init__(self, name: str, path: str, relpath: str | None, key: str | None = None):
        self.name = name
        self.path = path
        self.relpath = relpath
        self.key = key  # "reldir/NAME" for depmod.d priorities (module_key: when asked)
        self.facts: ModuleFacts | None = None
        self.sort_idx = 1
        self.idx = 0
        self.deps: list[TreeModule] = []
        self.users = 0
        self.dep_sort_idx = INT32_MAX
        self.dep_loop = False

    @property
    def shown_path(self) -> str:
        """What modules.dep prints: the path under the tree, else the absolute one."""
        return self.relpath if self.relpath is not None else self.path

    @property
    def uncrelpath(self) -> str:
        """The path under the tree with ``.ko`` for its suffix (kmod's ``uncrelpath``):
        what modules.order names, even for ``.ko.xz`` files."""
        rel = self.relpath or ""
        cut = rel.rfind("/") + 1 + len(self.name)
        return rel[:cut] + ".ko"

    @property
    def modinfo(self) -> tuple[tuple[str, str], ...]:
        return self.facts.modinfo if self.facts is not None else ()

    def __repr__(self) -> str:
        return f"<TreeModule {self.name} {self.shown_path}>"


class DepmodResult(Record):
    _fields = ("modules", "symbols", "dirname", "warn_dups", "diagnostics", "cycles", "texts")

    def __init__(
        self,
        modules: list[TreeModule],  # kmod's order
        symbols: KmodHash,  # name -> owner TreeModule (None: the kernel)
        dirname: str = "",
        warn_dups: bool = False,
        diagnostics: list[Diagnostic] | None = None,
        cycles: list[list[str]] | None = None,
        texts: dict[str, str] | None = None,  # from the cache's fast path
    ):
        self.modules = modules
        self.symbols = symbols
        self.dirname = dirname
        self.warn_dups = warn_dups
        self.diagnostics = [] if diagnostics is None else diagnostics
        self.cycles = [] if cycles is None else cycles
        self.texts = texts

    def text(self, name: str) -> str:
        if self.texts is not None and name in self.texts:
            return self.texts[name]
        return TEXT_WRITERS[name](self)

    def dry_run(self) -> str:
        """``depmod -n``: the text files one after another, as kmod prints them."""
        return "".join(self.text(n) for n in TEXT_FILES)

    def direct_dependencies(self) -> dict[str, list[str]]:
        """Each module's name -> the names of the modules it uses directly (depmod --graph).
        Needs a linked run: not a dry run the cache answered with its text."""
        return {m.name: [d.name for d in m.deps] for m in self.modules}

    def dependencies(self, module: TreeModule) -> list[TreeModule]:
        """All of module's dependencies, users first (modules.dep's order)."""
        seen: dict[int, TreeModule] = {}
        stack = list(reversed(module.deps))
        while stack:
            d = stack.pop()
            if id(d) in seen:
                continue
            seen[id(d)] = d
            stack.extend(reversed(d.deps))
        return sorted(seen.values(), key=_dep_key)


def _dep_key(m: TreeModule) -> tuple[int, int]:
    return (1 if m.dep_loop else 0, m.dep_sort_idx)


ProgressFn = Callable[[int, int], None]


# -- the run ------------------------------------------------------------------------------


def run_depmod(req: DepmodRequest, progress: ProgressFn | None = None) -> DepmodResult:
    """Scan, read (through the cache), link and order; raise DepmodFailed for no tree."""
    diags: list[Diagnostic] = []
    why = tree_problem(req.dirname) if req.files is None else None
    if why is not None:
        # kmod loads -E/-F first (a missing one is the FATAL), then fails to search
        if req.symvers:
            _load_symvers(req, KmodHash(16), diags)
        elif req.system_map:
            _load_system_map(req, KmodHash(16), diags)
        raise DepmodFailed(
            f"could not search modules: {why}", (f"could not open directory {req.dirname}: {why}",)
        )
    cfg = load_config(req.kversion, req.config_paths) if req.files is None else DepmodConfig()
    diags.extend(Diagnostic("ERROR", p) for p in cfg.problems)

    found: list[tuple[TreeModule, int, int]] = []  # (module, size, mtime_ns)
    if req.files is None:
        found = _scan(req.dirname, cfg, diags, req.prefer_machine)
    else:
        for path in req.files:
            if not path.startswith("/"):
                raise DepmodFailed(f"{path}: not absolute path.")
            try:
                st = os.stat(path)
            except OSError as exc:
                raise DepmodFailed(f"could not create module {path}: {exc.strerror}") from None
            found.append((_new_module(req.dirname, path), st.st_size, st.st_mtime_ns))

    cache = FactsCache(req.dirname).load() if req.use_cache else None
    fingerprint = None
    if cache is not None:
        fingerprint = _fingerprint(req, found)
        payload = cache.cached_result(fingerprint) if req.dry_run else None
        # an intact file of another shape (written by other lkmsh code): computed again
        if isinstance(payload, tuple) and len(payload) == 4:
            texts, cached_diags, order_names, cycles = payload
            by_path = {m.path: m for m, _s, _t in found}
            modules = [by_path[p] for p in order_names if p in by_path]
            result = DepmodResult(
                modules, KmodHash(2048), req.dirname, req.warn_dups, diags, cycles, texts
            )
            result.diagnostics.extend(Diagnostic(lv, tx) for lv, tx in cached_diags)
            return result

    by_name: KmodHash[TreeModule] = KmodHash(512)
    for mod, _size, _mtime in found:
        by_name.add(mod.name, mod)  # _scan already resolved name clashes
    modules = [m for _n, m in by_name.items()]
    _sort_by_order_file(req.dirname, modules, diags)
    for i, m in enumerate(modules):
        m.idx = i

    stats = {m.path: (s, t) for m, s, t in found}
    todo: list[TreeModule] = []  # not in the cache (or changed): read them
    for m in modules:
        size, mtime = stats[m.path]
        facts = cache.get(m.path, size, mtime) if cache is not None else False
        if facts is False:
            todo.append(m)
        else:
            m.facts = facts
    done = len(modules) - len(todo)
    for m, (facts, problem) in zip(
        todo, _read_all([m.path for m in todo], progress, done), strict=True
    ):
        if problem is None and cache is not None:
            size, mtime = stats[m.path]
            cache.put(m.path, size, mtime, facts)
        if problem is not None:
            diags.append(Diagnostic("ERROR", f"failed to load symbols from {m.path}: {problem}"))
        m.facts = facts

    symbols: KmodHash[TreeModule | None] = KmodHash(2048)
    if req.symvers:
        _load_symvers(req, symbols, diags)
    elif req.system_map:
        _load_system_map(req, symbols, diags)
    elif req.print_unknown:
        diags.append(Diagnostic("WARNING", "-e needs -E or -F"))
        req.print_unknown = False
    crcs: dict[str, int] = {}
    for m in modules:
        if m.facts is None:
            continue
        exports = m.facts.exports
        mcrcs = m.facts.export_crcs
        for i, name in enumerate(exports):
            name = _strip_prefix(name, req.sym_prefix)
            symbols.add(name, m)
            crcs[name] = mcrcs[i] if i < len(mcrcs) else 0
    _link(req, modules, symbols, crcs, diags)
    result = DepmodResult(modules, symbols, req.dirname, req.warn_dups, diags)
    result.cycles = _calculate(modules, diags)
    if cache is not None:
        texts = {n: result.text(n) for n in TEXT_FILES}
        cache.set_result(
            fingerprint,
            (
                texts,
                [(d.level, d.text) for d in result.diagnostics],
                [m.path for m in modules],
                result.cycles,  # a tree with cycles fails from the cache too
            ),
        )
        result.texts = texts
        cache.save()
    return result


def _new_module(dirname: str, path: str) -> TreeModule:
    base = os.path.basename(path)
    relpath = path[len(dirname) + 1 :] if path.startswith(dirname + "/") else None
    return TreeModule(base.split(".", 1)[0].replace("-", "_"), path, relpath)


def module_key(m: TreeModule) -> str:
    """ "reldir/stem" (the file name up to its first dot): what depmod.d's rules compare."""
    if m.key is None:
        rel = m.relpath if m.relpath is not None else m.path
        base = rel.rsplit("/", 1)[-1]
        m.key = rel[: len(rel) - len(base)] + base.split(".", 1)[0]
    return m.key


class _Revisits:
    """Directory symlinks are followed (as kmod's fstatat does) but never into a
    directory already walked: two ``ln -s .`` links cannot make the walk endless.

    Plain directories cannot form cycles, so only a symlinked one costs a stat
    (and, the first time, one stat per directory walked so far).
    """

    def __init__(self) -> None:
        self._seen: set[tuple[int, int]] = set()
        self._plain: list[str] = []  # walked directories not yet in _seen
        self._started = False

    def enter(self, path: str) -> None:
        if self._started:
            self._add(path)
        else:
            self._plain.append(path)

    def _add(self, path: str) -> None:
        try:
            st = os.stat(path)
        except OSError:
            return
        self._seen.add((st.st_dev, st.st_ino))

    def allows(self, entry: os.DirEntry) -> bool:
        """May the walk enter this directory entry?"""
        if not entry.is_symlink():
            return True
        if not self._started:
            self._started = True
            for path in self._plain:
                self._add(path)
            self._plain.clear()
        st = entry.stat()
        return (st.st_dev, st.st_ino) not in self._seen


def _scan(
    dirname: str, cfg: DepmodConfig, diags: list[Diagnostic], prefer_machine: int | None = None
) -> list[tuple[TreeModule, int, int]]:
    """kmod's depmod_modules_search: depth first, readdir order, priorities on clashes."""
    found: dict[str, tuple[TreeModule, int, int]] = {}
    skip = {"build", "source"} | cfg.excludes
    walked = _Revisits()
    cut = len(os.path.join(dirname, ""))  # entry.path is dirname/relpath

    def walk(directory: str, inside: bool = True) -> None:
        walked.enter(directory)
        try:
            it = os.scandir(directory)
        except OSError as exc:
            diags.append(
                Diagnostic("ERROR", f"could not open directory {directory}: {exc.strerror}")
            )
            return
        with it:
            for entry in it:
                name = entry.name
                if name in skip:
                    continue
                try:
                    # A module by its suffix (checked first: most entries are modules).
                    if name.endswith(MODULE_EXTENSIONS) and module_extension(name):
                        if not entry.is_file():
                            if entry.is_dir() and walked.allows(entry):
                                walk(entry.path, inside)
                            continue
                        st = entry.stat()
                    else:
                        if entry.is_dir() and walked.allows(entry):
                            walk(entry.path, inside)
                        continue
                except OSError as exc:
                    diags.append(Diagnostic("ERROR", f"fstatat({entry.path}): {exc.strerror}"))
                    continue
                path = entry.path
                rel = path[cut:] if inside else None  # an external module: its full path
                mod = TreeModule(name.split(".", 1)[0].replace("-", "_"), path, rel)
                old = found.get(mod.name)
                if old is not None:
                    if _existing_wins(cfg, old[0], mod, prefer_machine):
                        continue
                    del found[mod.name]
                found[mod.name] = (mod, st.st_size, st.st_mtime_ns)

    walk(dirname)
    for external in cfg.externals:  # depmod.d's ``external`` directories, after the tree
        walk(external, False)
    return list(found.values())


def _existing_wins(
    cfg: DepmodConfig, old: TreeModule, new: TreeModule, prefer_machine: int | None
) -> bool:
    if prefer_machine is not None:
        old_ok = _machine(old.path) == prefer_machine
        new_ok = _machine(new.path) == prefer_machine
        if old_ok != new_ok:
            return old_ok
    return cfg.existing_wins(module_key(old), module_key(new), old.path, new.path)


def _machine(path: str) -> int | None:
    """e_machine of an uncompressed ELF file (None when unreadable or compressed)."""
    try:
        with open(path, "rb") as f:
            head = f.read(20)
    except OSError:
        return None
    if len(head) < 20 or head[:4] != b"\x7fELF":
        return None
    return int.from_bytes(head[18:20], "little")


def _sort_by_order_file(dirname: str, modules: list[TreeModule], diags: list[Diagnostic]) -> None:
    why = tree_problem(dirname)  # kmod opens the tree first (depmod FILE... of no tree)
    if why is not None:
        diags.append(Diagnostic("WARNING", f"could not open directory {dirname}: {why}"))
        return
    path = os.path.join(dirname, "modules.order")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        diags.append(
            Diagnostic("WARNING", f"could not open modules.order at {dirname}: {exc.strerror}")
        )
        return
    lines = data.split(b"\n")
    if lines and lines[-1]:
        diags.append(Diagnostic("ERROR", f"{path}:{len(lines)} corrupted line misses '\\n'"))
        return
    lines.pop()
    total = len(lines) + 1
    by_rel = {m.uncrelpath: m for m in modules if m.relpath is not None}
    for idx, raw in enumerate(lines, 1):
        m = by_rel.get(raw.decode("utf-8", "surrogateescape"))
        if m is not None:
            m.sort_idx = idx - total
    modules.sort(key=lambda m: (m.dep_loop, m.sort_idx))


#: Larger uncompressed files are mapped rather than read: only the few sections
#: depmod needs are then touched (reading is faster for the usual sizes).
_MAP_OVER = 16 << 20
#: From this many files to read, a forked child reads every other one (two CPUs).
_FORK_OVER = 200

Read = tuple["ModuleFacts | None", "str | None"]


def _read_all(paths: list[str], progress: ProgressFn | None, done: int = 0) -> list[Read]:
    """Every file's facts (or why not), in order; a big cold tree is read by two
    processes when two CPUs are there, the child's facts coming back marshalled
    (kmod reads in one thread, but Python's reading is what a cold run costs)."""
    total = done + len(paths)

    def read(some: list[str], report: bool) -> list[Read]:
        out = []
        for n, path in enumerate(some):
            out.append(_read(path))
            if report and progress is not None and n % 16 == 0:
                progress(done + 2 * n + 1 if forked else done + n + 1, total)
        return out

    forked = len(paths) >= _FORK_OVER and _may_fork()
    out = _read_forked(paths, read) if forked else read(paths, True)
    if progress is not None and total:
        progress(total, total)
    return out


def _may_fork() -> bool:
    import sys

    if not hasattr(os, "fork") or not hasattr(os, "sched_getaffinity"):
        return False
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return False  # forking a threaded process (the REPL) is not safe
    cpus = len(os.sched_getaffinity(0))
    # A second CPU that other work keeps busy makes the child a wait, not a help (at
    # a load of 13 on 2 CPUs a cold run forked took 0.75 s, median of 10, against
    # 0.65 s in one process): fork only when the load leaves a CPU idle.
    return cpus > 1 and os.getloadavg()[0] <= cpus - 1


def _read_forked(paths: list[str], read: Callable[[list[str], bool], list[Read]]) -> list[Read]:
    """The child reads paths[1::2] and marshals its answers down a pipe; the parent
    reads paths[0::2]; anything wrong with the child and the parent reads its share."""
    import marshal

    theirs_paths = paths[1::2]
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: read, send, leave without running any of the parent's exits
        status = 1
        try:
            os.close(rfd)
            answers = [
                (tuple(f) if f is not None else None, p) for f, p in read(theirs_paths, False)
            ]
            with os.fdopen(wfd, "wb") as pipe:
                pipe.write(marshal.dumps(answers))
            status = 0
        finally:
            os._exit(status)
    os.close(wfd)
    mine = read(paths[0::2], True)
    with os.fdopen(rfd, "rb") as pipe:
        blob = pipe.read()
    _pid, status = os.waitpid(pid, 0)
    theirs: list[Read] | None = None
    if status == 0:
        try:
            theirs = [
                (ModuleFacts(*f) if f is not None else None, p) for f, p in marshal.loads(blob)
            ]
        except (EOFError, ValueError, TypeError):
            theirs = None
    if theirs is None or len(theirs) != len(theirs_paths):
        theirs = read(theirs_paths, False)
    out: list[Read] = []
    for i in range(len(paths)):
        out.append(mine[i // 2] if i % 2 == 0 else theirs[i // 2])
    return out


def _read(path: str) -> tuple[ModuleFacts | None, str | None]:
    """One module's facts, or (None, why) in kmod's words."""
    try:
        if path.endswith(".ko"):
            with open(path, "rb", buffering=0) as f:
                size = os.fstat(f.fileno()).st_size
                if size == 0:
                    raise ElfError("empty file")
                if size <= _MAP_OVER:
                    return read_facts(f.readall()), None
                import mmap

                with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
                    return read_facts(m), None
        return read_facts(read_module_file(path)), None
    except ElfError:
        return None, _elf_problem(path)
    except KernelError as exc:
        return None, os.strerror(exc.errno)
    except OSError as exc:
        return None, exc.strerror or str(exc)
    except (ValueError, IndexError, struct.error):  # a table too short for its count
        return None, _elf_problem(path)


def _elf_problem(path: str) -> str:
    """libkmod's errno for a bad file: ENOEXEC without the ELF magic, else EINVAL."""
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError as exc:
        return exc.strerror or str(exc)
    magic = head == b"\x7fELF" or module_extension(path) != ".ko"
    return os.strerror(errno.EINVAL if magic else errno.ENOEXEC)


def _strip_prefix(name: str, prefix: str) -> str:
    return name[1:] if prefix and name.startswith(prefix) else name


def _add_fake_symbols(symbols: KmodHash) -> None:
    symbols.add("__this_module", None)  # the loader provides it
    symbols.add("_GLOBAL_OFFSET_TABLE_", None)  # S390 fakes it


def _load_symvers(req: DepmodRequest, symbols: KmodHash, diags: list[Diagnostic]) -> None:
    """Module.symvers: CRC, symbol, where (only vmlinux lines are the kernel's)."""
    try:
        with open(req.symvers, encoding="utf-8", errors="surrogateescape") as f:  # type: ignore[arg-type]
            lines = f.read().splitlines()
    except OSError as exc:
        raise DepmodFailed(f"could not load {req.symvers}: {exc.strerror}") from None
    crcs = req.__dict__.setdefault("_kernel_crcs", {})
    for linenum, line in enumerate(lines, 1):
        words = line.replace("\t", " ").split()
        if len(words) < 3 or words[2] != "vmlinux":
            continue
        try:
            crc = int(words[0], 16)
        except ValueError:
            diags.append(
                Diagnostic("ERROR", f"{req.symvers}:{linenum} Invalid symbol version {words[0]}")
            )
            continue
        name = _strip_prefix(words[1], req.sym_prefix)
        symbols.add(name, None)
        crcs[name] = crc
    _add_fake_symbols(symbols)


def _load_system_map(req: DepmodRequest, symbols: KmodHash, diags: list[Diagnostic]) -> None:
    """System.map: "ADDR TYPE __ksymtab_NAME" lines are the kernel's exports."""
    try:
        with open(req.system_map, encoding="utf-8", errors="surrogateescape") as f:  # type: ignore[arg-type]
            lines = f.read().splitlines()
    except OSError as exc:
        raise DepmodFailed(f"could not load {req.system_map}: {exc.strerror}") from None
    for linenum, line in enumerate(lines, 1):
        parts = line.split(" ", 2)
        if len(parts) < 3:
            diags.append(Diagnostic("ERROR", f"{req.system_map}:{linenum}: invalid line: {line}"))
            continue
        if parts[2].startswith("__ksymtab_"):
            symbols.add(_strip_prefix(parts[2][len("__ksymtab_") :], req.sym_prefix), None)
    _add_fake_symbols(symbols)


def _link(
    req: DepmodRequest,
    modules: list[TreeModule],
    symbols: KmodHash,
    crcs: dict[str, int],
    diags: list[Diagnostic],
) -> None:
    """Each needed symbol's owner becomes a dependency, once, in need order."""
    kernel_crcs = req.__dict__.get("_kernel_crcs", {})
    check = bool(req.symvers)
    owner_of = symbols.values()
    plain = not (check or req.print_unknown or req.sym_prefix)
    for m in modules:
        facts = m.facts
        if facts is None:
            continue
        needs = facts.needs
        if plain and "\0." not in "\0" + "\0".join(needs):
            # The common case, at C speed: owners in need order, each once.
            owners = dict.fromkeys(map(owner_of.get, needs))
            owners.pop(None, None)
            m.deps.extend(owners)
            for owner in owners:
                owner.users += 1
            continue
        deps = m.deps
        weak = set(facts.weak)
        need_crcs = facts.need_crcs
        for i, name in enumerate(needs):
            is_weak = i in weak
            key = name[1:] if name.startswith(".") else name
            key = _strip_prefix(key, req.sym_prefix)
            if key not in owner_of:
                if req.print_unknown and not is_weak:
                    diags.append(Diagnostic("WARNING", f"{m.path} needs unknown symbol {name}"))
                continue
            owner = owner_of[key]
            if check and not is_weak:
                have = kernel_crcs.get(key, 0) if owner is None else crcs.get(key, 0)
                if have != need_crcs[i] and req.print_unknown:
                    diags.append(
                        Diagnostic("WARNING", f"{m.path} disagrees about version of symbol {name}")
                    )
            if owner is None or owner in deps:
                continue
            deps.append(owner)
            owner.users += 1


def _calculate(modules: list[TreeModule], diags: list[Diagnostic]) -> list[list[str]]:
    """Kahn's sort as kmod does it; modules left over are in cycles (reported)."""
    users = [m.users for m in modules]
    roots = [i for i, u in enumerate(users) if u == 0]
    n_sorted = 0
    while roots:
        src = modules[roots.pop()]
        src.dep_sort_idx = n_sorted
        n_sorted += 1
        for dst in src.deps:
            users[dst.idx] -= 1
            if users[dst.idx] == 0:
                roots.append(dst.idx)
    if n_sorted == len(modules):
        return []
    stuck = [m for i, m in enumerate(modules) if users[i] != 0]
    for m in stuck:
        m.dep_loop = True
        m.dep_sort_idx = INT32_MAX
    cycles, in_cycles = _find_cycles(stuck)
    for cycle in cycles:
        diags.append(Diagnostic("ERROR", "Cycle detected: " + " -> ".join(cycle)))
    diags.append(Diagnostic("ERROR", f"Found {in_cycles} modules in dependency cycles!"))
    return cycles


def _find_cycles(stuck: list[TreeModule]) -> tuple[list[list[str]], int]:
    """The cycles as kmod 30 reports them, and how many modules they hold.

    The modules the sort left (in cycles, or used by one) are kmod's roots: a
    circular list in module order whose head, after an element is removed,
    is the element that followed it (libkmod's ``kmod_list_remove_data``), so
    taking a module off the roots also decides which root comes next. Each
    root in turn (taken off first) is walked depth first, a LIFO of
    (module, path) with a module's dependencies pushed in need order; a module
    seen by any walk is marked visited, and never unmarked:

    - the root, popped when visited: a cycle, the path then the root (a root
      an earlier walk visited is reported alone, ``Cycle detected: m``, as
      kmod reports it); the path's modules are counted and taken off the roots;
    - a module without dependencies: taken off the roots;
    - else its dependencies are pushed (a visited one again: kmod re-walks).

    kmod's walk never ends when it reaches a cycle that does not hold its root
    (it goes round until its memory runs out); lkmsh does not go round such a
    cycle (docs/dependencies.md).
    """
    ring = list(stuck)
    head = 0

    def take_off(m: TreeModule) -> None:
        nonlocal head
        for at, r in enumerate(ring):
            if r is m:
                del ring[at]
                head = at if at < len(ring) else 0
                return

    in_loops: dict[int, None] = {}
    visited: set[int] = set()
    cycles: list[list[str]] = []
    while ring:
        root = ring[head]
        take_off(root)
        stack: list[tuple[TreeModule, tuple[TreeModule, ...]]] = [(root, ())]
        while stack:
            m, parents = stack.pop()
            if m is root and id(m) in visited:
                cycles.append([p.name for p in parents] + [root.name])
                for p in parents:
                    in_loops[id(p)] = None
                    take_off(p)
                continue
            if m in parents:
                continue  # a cycle without the root: where kmod's walk never ends
            visited.add(id(m))
            if not m.deps:
                take_off(m)
                continue
            path = (*parents, m)
            stack.extend((dep, path) for dep in m.deps)
    return cycles, len(in_loops)


def _fingerprint(req: DepmodRequest, found: list[tuple[TreeModule, int, int]]) -> tuple:
    """Everything a run's output depends on besides the module bytes' stat."""

    def stat_of(path: str | None) -> tuple:
        if not path:
            return ()
        try:
            st = os.stat(path)
        except OSError:
            return ("missing", path)
        return (path, st.st_size, st.st_mtime_ns)

    config = ()
    if req.files is None:
        config = tuple(stat_of(p) for p in config_files(req.config_paths or DEFAULT_CONFIG_PATHS))
    return (
        req.dirname,
        req.kversion,
        tuple(req.files or ()),
        req.print_unknown,
        req.warn_dups,
        req.sym_prefix,
        stat_of(req.system_map),
        stat_of(req.symvers),
        stat_of(os.path.join(req.dirname, "modules.order")),
        config,
        tuple((m.path, s, t) for m, s, t in found),
    )


# -- the text files ------------------------------------------------------------------------


def output_deps(r: DepmodResult) -> str:
    out = []
    for m in r.modules:
        if m.dep_loop:
            continue
        line = m.shown_path + ":"
        if m.deps:
            line += "".join(" " + d.shown_path for d in r.dependencies(m) if not d.dep_loop)
        out.append(line + "\n")
    return "".join(out)


def output_aliases(r: DepmodResult) -> str:
    out = ["# Aliases extracted from modules themselves.\n"]
    for m in r.modules:
        out.extend(f"alias {v} {m.name}\n" for k, v in m.modinfo if k == "alias")
    return "".join(out)


def output_softdeps(r: DepmodResult) -> str:
    out = ["# Soft dependencies extracted from modules themselves.\n"]
    for m in r.modules:
        out.extend(f"softdep {m.name} {v}\n" for k, v in m.modinfo if k == "softdep")
    return "".join(out)


def output_symbols(r: DepmodResult) -> str:
    out = ["# Aliases for symbols, used by symbol_request().\n"]
    out.extend(
        f"alias symbol:{name} {owner.name}\n"
        for name, owner in r.symbols.items()
        if owner is not None
    )
    return "".join(out)


_DEVNUM = re.compile(r"(char|block)-major-(\d+)-(\d+)")


def devname_entry(
    modinfo: tuple[tuple[str, str], ...] | list[tuple[str, str]],
) -> tuple[str, str, int, int] | None:
    """(devname, 'c'|'b', major, minor) when a module asks for a device node."""
    devname = None
    kind = ""
    major = minor = 0
    for key, value in modinfo:
        if key != "alias":
            continue
        if value.startswith("devname:"):
            devname = value[len("devname:") :]
        else:
            match = _DEVNUM.match(value)
            if match:
                kind = "c" if match.group(1) == "char" else "b"
                major, minor = int(match.group(2)) & 0xFFFFFFFF, int(match.group(3)) & 0xFFFFFFFF
        if kind and devname is not None:
            return devname, kind, major, minor
    return None


def output_devname(r: DepmodResult) -> str:
    out = []
    for m in r.modules:
        entry = devname_entry(m.modinfo)
        if entry is not None:
            if not out:
                out.append("# Device nodes to trigger on-demand module loading.\n")
            devname, kind, major, minor = entry
            out.append(f"{m.name} {devname} {kind}{major}:{minor}\n")
    return "".join(out)


TEXT_WRITERS: dict[str, Callable[[DepmodResult], str]] = {
    "modules.dep": output_deps,
    "modules.alias": output_aliases,
    "modules.softdep": output_softdeps,
    "modules.symbols": output_symbols,
    "modules.devname": output_devname,
}


# -- the binary indexes --------------------------------------------------------------------


def alias_normalize(alias: str) -> str | None:
    """'-' becomes '_' outside [...] ranges; None for an unmatched bracket (libkmod)."""
    return underscores_checked(alias)


def output_deps_bin(r: DepmodResult) -> bytes:
    idx = Index()
    for m in r.modules:
        if m.dep_loop:
            continue
        line = (
            m.shown_path
            + ":"
            + "".join(" " + d.shown_path for d in r.dependencies(m) if not d.dep_loop)
        )
        if idx.insert(m.name, line, m.idx) and r.warn_dups:
            r.diagnostics.append(Diagnostic("WARNING", f"duplicate module deps:\n{line}"))
    return idx.to_bytes()


def output_aliases_bin(r: DepmodResult) -> bytes:
    idx = Index()
    for m in r.modules:
        for key, value in m.modinfo:
            if key != "alias":
                continue
            alias = alias_normalize(value)
            if alias is None:
                r.diagnostics.append(Diagnostic("WARNING", f"Unmatched bracket in {value}"))
                continue
            if idx.insert(alias, m.name, m.idx) and r.warn_dups:
                r.diagnostics.append(
                    Diagnostic("WARNING", f"duplicate module alias:\n{alias} {m.name}")
                )
    return idx.to_bytes()


def output_symbols_bin(r: DepmodResult) -> bytes:
    idx = Index()
    for name, owner in r.symbols.items():
        if owner is None:
            continue
        if idx.insert("symbol:" + name, owner.name, owner.idx) and r.warn_dups:
            r.diagnostics.append(
                Diagnostic("WARNING", f"duplicate module syms:\nsymbol:{name} {owner.name}")
            )
    return idx.to_bytes()


def output_builtin_bin(r: DepmodResult) -> bytes:
    path = os.path.join(r.dirname, "modules.builtin")
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            lines = f.read().splitlines(keepends=True)
    except OSError as exc:
        r.diagnostics.append(
            Diagnostic("WARNING", f"could not open modules.builtin at {r.dirname}: {exc.strerror}")
        )
        return b""
    idx = Index()
    for line in lines:
        if not line[:1].isalpha():
            r.diagnostics.append(Diagnostic("ERROR", f"Invalid modules.builtin line: {line}"))
            continue
        idx.insert(os.path.basename(line.rstrip("\n")).split(".", 1)[0].replace("-", "_"), "", 0)
    return idx.to_bytes()


def read_builtin_modinfo(dirname: str) -> list[tuple[str, str, str]] | None:
    """modules.builtin.modinfo as (module, key, value) records, or None if absent,
    read as kmod 30's depmod reads it (lkmsh.kmod.builtin.indexed_records)."""
    from lkmsh.kmod.builtin import indexed_records

    try:
        with open(os.path.join(dirname, "modules.builtin.modinfo"), "rb") as f:
            data = f.read()
    except OSError:
        return None
    return list(indexed_records(data.decode("utf-8", "surrogateescape").split("\0")))


def output_builtin_alias_bin(r: DepmodResult) -> bytes:
    records = read_builtin_modinfo(r.dirname)
    if records is None:
        r.diagnostics.append(
            Diagnostic(
                "WARNING",
                f"could not open modules.builtin.modinfo at {r.dirname}: No such file or directory",
            )
        )
        return b""
    idx = Index()
    for mod, key, value in records:
        if key != "alias":
            continue
        alias = alias_normalize(value)
        if alias is None:
            r.diagnostics.append(Diagnostic("WARNING", f"Unmatched bracket in {value}"))
            continue
        idx.insert(alias, mod, 0)
    return idx.to_bytes()  # kmod writes the (empty) index even without any alias


BIN_WRITERS: dict[str, Callable[[DepmodResult], bytes]] = {
    "modules.dep.bin": output_deps_bin,
    "modules.alias.bin": output_aliases_bin,
    "modules.symbols.bin": output_symbols_bin,
    "modules.builtin.bin": output_builtin_bin,
    "modules.builtin.alias.bin": output_builtin_alias_bin,
}


def write_files(r: DepmodResult, directory: str | None = None) -> list[str]:
    """Write every file (text and .bin) as NAME.tmp then rename, as kmod does."""
    directory = directory or r.dirname
    why = tree_problem(directory)
    if why is not None:
        raise DepmodFailed(f"could not open directory {directory}: {why}")
    written = []
    for name in OUTPUT_FILES:
        payload: bytes
        if name in TEXT_WRITERS:
            payload = r.text(name).encode("utf-8", "surrogateescape")
        else:
            payload = BIN_WRITERS[name](r)
        tmp = os.path.join(directory, name + ".tmp")
        try:
            with open(tmp, "wb") as f:
                f.write(payload)
            os.replace(tmp, os.path.join(directory, name))
        except OSError as exc:
            raise DepmodFailed(
                f"could not write {os.path.join(directory, name)}: {exc.strerror}"
            ) from None
        written.append(name)
    return written


def up_to_date(dirname: str) -> bool:
    """``depmod -A``: is modules.dep newer than every module file (kmod's test)?"""
    try:
        dep_mtime = int(os.stat(os.path.join(dirname, "modules.dep")).st_mtime)
    except OSError:
        return False

    walked = _Revisits()

    def walk(directory: str) -> bool:
        walked.enter(directory)
        try:
            it = os.scandir(directory)
        except OSError:
            return True
        with it:
            for entry in it:
                if entry.name in ("build", "source"):
                    continue
                try:
                    if entry.is_dir():
                        if walked.allows(entry) and not walk(entry.path):
                            return False
                    elif module_extension(entry.name) and int(entry.stat().st_mtime) > dep_mtime:
                        return False
                except OSError:
                    continue
        return True

    return walk(dirname)
