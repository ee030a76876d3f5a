"""depmod.d configuration: ``search``, ``override``, ``external``, ``exclude`` (kmod's
depmod.d(5)).

Read from ``/run/depmod.d``, ``/etc/depmod.d``, ``/lib/depmod.d`` (or the
``-C`` paths); files named ``*.conf``, the first of each name wins and all
are read in name order, as kmod does. Without a ``search`` line the search
list is ``updates`` alone, which makes a module under ``updates/`` win over
one of the same name elsewhere.
"""

from __future__ import annotations

import os
import re

from lkmsh.record import Record

DEFAULT_CONFIG_PATHS = ("/run/depmod.d", "/etc/depmod.d", "/lib/depmod.d")
BUILTIN_KEY = "built-in"


EXTERNAL_KEY = "external"


class Search(Record):
    _fields = ("path", "builtin", "external")

    def __init__(
        self,
        path: str,  # "" for built-in and external
        builtin: bool,
        external: bool = False,  # the ``external`` directories, in their own order
    ):
        self.path = path
        self.builtin = builtin
        self.external = external


class DepmodConfig(Record):
    _fields = ("searches", "overrides", "excludes", "externals", "problems")

    def __init__(
        self,
        searches: list[Search] | None = None,  # kmod's list: last word first
        overrides: list[str] | None = None,  # "subdir/modname", newest first
        excludes: set[str] | None = None,
        #: ``external VERSION DIR`` directories (absolute, not under -b's root), last line first
        externals: list[str] | None = None,
        problems: list[str] | None = None,  # kmod's ERR lines
    ):
        self.searches = [] if searches is None else searches
        self.overrides = [] if overrides is None else overrides
        self.excludes = set() if excludes is None else excludes
        self.externals = [] if externals is None else externals
        self.problems = [] if problems is None else problems

    def existing_wins(self, old: str, new: str, old_path: str = "", new_path: str = "") -> bool:
        """Does the module already found (key ``old``, file ``old_path``) beat ``new``?

        Keys are "reldir/NAME" cut at the module name's length, as kmod compares
        them (a module of an external directory has no relative path: its key is
        absolute and matches no override nor search subdirectory). An override
        names the winner; else the search entry a path falls under (the last
        listed match, built-in for the rest; ``external`` stands for each
        external directory, which a file's full path starts with), the
        later-listed entry winning; a tie keeps the module found first.
        """
        for ov in self.overrides:
            if ov == new:
                return False
            if ov == old:
                return True
        bprio = oldprio = newprio = -1
        i = 0
        for s in self.searches:
            if s.builtin:
                bprio = i
            elif s.external:  # kmod counts each external directory as one more entry
                for ext in self.externals:
                    if new_path.startswith(ext):
                        newprio = i
                    if old_path.startswith(ext):
                        oldprio = i
                    i += 1
            elif _under(new, s.path):
                newprio = i
            elif _under(old, s.path):
                oldprio = i
            i += 1
        if newprio < 0:
            newprio = bprio
        if oldprio < 0:
            oldprio = bprio
        return newprio <= oldprio


def _under(key: str, subdir: str) -> bool:
    """Is a module key inside a search subdirectory? A whole directory name must match:
    ``foobar/x`` is not under ``foo`` (kmod's depmod_search_order_same_prefix)."""
    if key.startswith("/"):  # an external module's key: under no subdirectory
        return False
    return key.startswith(subdir) and key[len(subdir) : len(subdir) + 1] == "/"


def config_files(paths: tuple[str, ...] | list[str]) -> list[str]:
    """Config files in name order, the first directory's file winning a name."""
    files: dict[str, str] = {}
    for path in paths:
        if os.path.isfile(path):
            files.setdefault(os.path.basename(path), path)
            continue
        try:
            names = os.listdir(path)
        except OSError:
            continue
        for name in names:
            if name.startswith(".") or len(name) < 6 or not name.endswith(".conf"):
                continue
            full = os.path.join(path, name)
            if os.path.isdir(full):
                continue
            files.setdefault(name, full)
    return [files[n] for n in sorted(files)]


def load_config(kversion: str, paths: tuple[str, ...] | list[str] | None = None) -> DepmodConfig:
    cfg = DepmodConfig()
    for filename in config_files(paths if paths else DEFAULT_CONFIG_PATHS):
        try:
            with open(filename, encoding="utf-8", errors="surrogateescape") as f:
                lines = f.read().splitlines()
        except OSError as exc:
            cfg.problems.append(f"file parse {filename}: {exc.strerror}")
            continue
        for linenum, line in enumerate(lines, 1):
            if not line or line.startswith("#"):
                continue
            words = line.split()
            if not words:
                continue
            cmd, args = words[0], words[1:]
            if cmd == "search":
                for sp in args:
                    special = sp in (BUILTIN_KEY, EXTERNAL_KEY)
                    search = Search("" if special else sp, sp == BUILTIN_KEY, sp == EXTERNAL_KEY)
                    cfg.searches.insert(0, search)
            elif cmd == "external" and len(args) >= 2:
                version, directory = args[:2]
                if _kernel_matches(version, kversion):
                    cfg.externals.insert(0, directory)
            elif cmd == "override" and len(args) >= 3:
                modname, version, subdir = args[:3]
                if _kernel_matches(version, kversion):
                    cfg.overrides.insert(0, f"{subdir}/{modname}")
            elif cmd == "exclude" and args:
                cfg.excludes.update(args)
            elif cmd in ("include", "make_map_files"):
                continue
            else:
                cfg.problems.append(
                    f"{filename}:{linenum}: ignoring bad line starting with '{cmd}'"
                )
    if not cfg.searches:
        cfg.searches.append(Search("updates", False))
    return cfg


def _kernel_matches(pattern: str, kversion: str) -> bool:
    if pattern == "*":
        return True
    try:
        return re.search(pattern, kversion) is not None
    except re.error:
        return False
