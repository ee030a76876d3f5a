"""modprobe: find a module by name or alias in a module directory, load it
with its dependencies through the kernel, or remove it and what it pulled in.

A ``ModuleDirectory`` reads the text files depmod wrote (``modules.dep``,
``.alias``, ``.symbols``, ``.softdep``, ``modules.builtin``) and the
modprobe.d configuration. Lookup follows kmod's order, stopping at the first
step that finds something: configuration aliases (wildcards), module names,
``symbol:`` aliases, module aliases (wildcards, ``fnmatch`` as kmod), built-in
modules. A name matches with ``-`` and ``_`` read alike.

Loading plans the way kmod does (pre softdeps, then each dependency of
modules.dep recursively, the module, post softdeps; nothing twice), skips
what the kernel has loaded, and — unlike kmod, as lkmsh promises — unloads
what this call loaded if a later step fails. Removal takes the module out,
then the dependencies nothing else uses. Nothing prints; ``Action`` records
say what happened (or, for ``--dry-run``/``--show-depends``, would).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from lkmsh.errors import AlreadyExists, Busy, KernelError, NotFound
from lkmsh.kmod.modprobecfg import (
    ModprobeConfig,
    load_modprobe_config,
    underscores,
    underscores_alias,
)

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kernel.module import Module


class ModprobeFatal(KernelError):
    """An error kmod's modprobe logs as ``modprobe: FATAL: ...`` (its LOG level),
    not ``modprobe: ERROR: ...``; the message is kmod 30's text."""


class ModuleNotFound(NotFound, ModprobeFatal):
    """No module or alias of that name in the directory (kmod: "Module x not found ...")."""

    def __init__(self, name: str, directory: str):
        super().__init__(f"Module {name} not found in directory {directory}")
        self.name = name
        self.directory = directory


class RemoveNotFound(NotFound, ModprobeFatal):
    """``modprobe -r NAME``: nothing of that name in the tree nor loaded."""


class ModuleInUse(Busy, ModprobeFatal):
    """``modprobe -r``: the module has users or references (kmod checks the refcount)."""


class RemoveRefused(ModprobeFatal):
    """``modprobe -r``: a built-in module, or (``--first-time``) one not loaded."""

    errno = errno.ENOENT


class InsertFailed(KernelError):
    """Loading one module of the plan failed; ``.module`` names it, ``.cause`` is the kernel's
    error, ``.unwound`` the modules this call had loaded and took out again (newest first)."""

    def __init__(self, module: str, cause: KernelError, unwound: Iterable[str] = ()):
        super().__init__(f"could not insert '{module}': {cause.message or cause.strerror}")
        self.errno = cause.errno
        self.module = module
        self.cause = cause
        self.unwound = list(unwound)


@dataclass
class Entry:
    """One module of the directory: its file and its dependencies' names (modules.dep order)."""

    name: str
    path: str  # absolute
    deps: list[str]


@dataclass
class Action:
    """One step: ``insmod PATH OPTIONS``, ``rmmod NAME``, ``builtin NAME`` or ``skip NAME``."""

    verb: str
    name: str
    path: str = ""
    options: str = ""

    def show(self) -> str:
        """As kmod's --show-depends/-v print it (note kmod's space before the options)."""
        if self.verb == "insmod":
            return f"insmod {self.path} {self.options}"
        if self.verb == "builtin":
            return f"builtin {self.name}"
        return f"{self.verb} {self.name}"


@dataclass
class ModuleDirectory:
    directory: str
    entries: dict[str, Entry] = field(default_factory=dict)
    aliases: list[tuple[str, str]] = field(default_factory=list)
    symbols: dict[str, str] = field(default_factory=dict)
    builtin: set[str] = field(default_factory=set)
    config: ModprobeConfig = field(default_factory=ModprobeConfig)

    @classmethod
    def open(cls, directory: str, config_dirs: Iterable[str] = ()) -> ModuleDirectory:
        """Read a module directory's databases; a missing modules.dep is ENOENT."""
        directory = os.path.abspath(directory)
        dep_file = os.path.join(directory, "modules.dep")
        try:
            with open(dep_file, encoding="utf-8", errors="surrogateescape") as f:
                texts = {"modules.dep": f.read()}
        except OSError as exc:
            raise NotFound(
                f"could not open {dep_file}: {exc.strerror} (run 'depmod {directory}' first)",
                errno=exc.errno or errno.ENOENT,
            ) from None
        for name in ("modules.alias", "modules.symbols", "modules.softdep", "modules.builtin"):
            texts[name] = "\n".join(_lines(os.path.join(directory, name)))
        return cls.from_texts(directory, texts, config_dirs)

    @classmethod
    def from_texts(
        cls, directory: str, texts: dict[str, str], config_dirs: Iterable[str] = ()
    ) -> ModuleDirectory:
        """The databases from depmod's text files (read from disk, or made in memory)."""
        db = cls(os.path.abspath(directory))
        for line in texts.get("modules.dep", "").splitlines():
            path, colon, rest = line.partition(":")
            if not colon:
                continue
            name = _modname(path)
            db.entries.setdefault(
                name,
                Entry(name, _absolute(db.directory, path), [_modname(p) for p in rest.split()]),
            )
        for line in texts.get("modules.alias", "").splitlines():
            words = line.split()
            if len(words) == 3 and words[0] == "alias":
                db.aliases.append((underscores_alias(words[1]), words[2]))
        for line in texts.get("modules.symbols", "").splitlines():
            words = line.split()
            if len(words) == 3 and words[0] == "alias" and words[1].startswith("symbol:"):
                db.symbols.setdefault(words[1], words[2])
        for line in texts.get("modules.builtin", "").splitlines():
            if line.strip():
                db.builtin.add(_modname(line.strip()))
        db.config = load_modprobe_config(list(config_dirs))
        db.config.parse(texts.get("modules.softdep", ""), "modules.softdep")
        return db

    # -- lookup --------------------------------------------------------------------------

    def lookup(self, name: str) -> tuple[list[str], bool]:
        """Module names for a name or alias, and whether it was an alias (kmod's order)."""
        key = underscores_alias(name)
        found = [mod for pattern, mod in self.config.aliases if fnmatchcase(key, pattern)]
        if found:
            return _unique(found), True
        modname = underscores(name)
        if modname in self.entries:
            return [modname], False
        if key.startswith("symbol:") and key in self.symbols:
            return [self.symbols[key]], True
        found = [mod for pattern, mod in self.aliases if fnmatchcase(key, pattern)]
        if found:
            return _unique(found), True
        if modname in self.builtin:
            return [modname], False
        return [], False

    def resolve(self, name: str) -> list[str]:
        """Module names to load for NAME: aliases drop blacklisted modules (modprobe.d(5))."""
        names, via_alias = self.lookup(name)
        if not names:
            raise ModuleNotFound(name, self.directory)
        if via_alias:
            names = [n for n in names if n not in self.config.blacklist]
        return names

    # -- planning ------------------------------------------------------------------------

    def probe_list(self, modname: str) -> list[str]:
        """Everything to load for modname, in order: pre softdeps, dependencies, it, post."""
        out: list[str] = []
        seen: set[str] = set()

        def visit(name: str, with_softdeps: bool) -> None:
            if name in seen:
                return
            seen.add(name)
            soft = self.config.softdeps.get(name) if with_softdeps else None
            if soft is not None:
                for pre in soft.pre:
                    for resolved in self._soft(pre):
                        visit(resolved, True)
            entry = self.entries.get(name)
            if entry is not None:
                for dep in entry.deps:
                    visit(dep, False)
            out.append(name)
            if soft is not None:
                for post in soft.post:
                    for resolved in self._soft(post):
                        visit(resolved, True)

        visit(modname, True)
        return out

    def _soft(self, name: str) -> list[str]:
        names, _ = self.lookup(name)
        return names

    def action_for(self, name: str, extra: str = "") -> Action:
        entry = self.entries.get(name)
        if entry is None:
            if name in self.builtin:
                return Action("builtin", name)
            raise ModuleNotFound(name, self.directory)
        options = " ".join(o for o in (self.config.options_for(name), extra) if o)
        return Action("insmod", name, entry.path, options)


LoadWrapper = Callable[["Action", Callable[[], "Module"]], "Module"]
"""Runs one load of the plan by calling its second argument (and returns what it returns):
a hook to watch each load, as ``modprobe --trace`` does; it re-raises the load's error."""


@dataclass
class ProbeResult:
    actions: list[Action] = field(default_factory=list)  # what was (or would be) done
    loaded: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def plan_insert(db: ModuleDirectory, name: str, params: str = "") -> list[Action]:
    """--show-depends: every step for NAME, loaded or not."""
    actions: list[Action] = []
    for modname in db.resolve(name):
        for dep in db.probe_list(modname):
            actions.append(db.action_for(dep, params if dep == modname else ""))
    return actions


def probe_insert(
    kernel: Kernel,
    db: ModuleDirectory,
    name: str,
    params: str = "",
    *,
    dry_run: bool = False,
    first_time: bool = False,
    force: bool = False,
    wrap_load: LoadWrapper | None = None,
) -> ProbeResult:
    """Load NAME and what it needs; unwind this call's loads if a step fails."""
    result = ProbeResult()
    targets = db.resolve(name)
    for target in targets:
        if first_time and kernel.module_find(target) is not None:
            raise InsertFailed(target, AlreadyExists("Module already in kernel"))
        for dep in db.probe_list(target):
            action = db.action_for(dep, params if dep == target else "")
            if action.verb == "builtin" or kernel.module_find(dep) is not None:
                continue
            result.actions.append(action)
            if dry_run:
                continue

            def load(action: Action = action) -> Module:
                return kernel.module_load(
                    action.path, action.options, force=force, path_hint=action.path
                )

            try:
                if wrap_load is None:
                    load()
                else:
                    wrap_load(action, load)
            except KernelError as exc:
                _unwind(kernel, result)
                raise InsertFailed(dep, exc, result.removed) from None
            result.loaded.append(dep)
    return result


def _unwind(kernel: Kernel, result: ProbeResult) -> None:
    """Unload, newest first, what this call loaded (a failure later in the plan)."""
    for name in reversed(result.loaded):
        try:
            kernel.module_unload(name)
        except KernelError:
            continue
        result.removed.append(name)
    result.loaded.clear()


def probe_remove(
    kernel: Kernel,
    db: ModuleDirectory,
    name: str,
    *,
    dry_run: bool = False,
    force: bool = False,
    first_time: bool = False,
) -> ProbeResult:
    """Remove NAME, then each dependency (modules.dep, recursively) no one else uses.

    As kmod 30's rmmod_do_module: a module that is not loaded is no error
    (unless ``first_time``), a built-in one or one in use is (FATAL)."""
    result = ProbeResult()
    names, _ = db.lookup(name)
    targets = names or [underscores(name)]
    for target in targets:
        module = kernel.module_find(target)
        if module is None:
            if not names:  # lkmsh also removes loaded modules the tree does not list
                raise RemoveNotFound(f"Module {name} not found.")
            if target in db.builtin:
                raise RemoveRefused(f"Module {target} is builtin.")
            if first_time:
                raise RemoveRefused(f"Module {target} is not in kernel.")
            continue
        if not force and (module.refcount or module.users):
            raise ModuleInUse(f"Module {target} is in use.", list(module.users))
        _remove(kernel, db, target, result, dry_run, force, top=True)
    return result


def _remove(
    kernel: Kernel,
    db: ModuleDirectory,
    name: str,
    result: ProbeResult,
    dry_run: bool,
    force: bool,
    top: bool,
) -> None:
    soft = db.config.softdeps.get(name)
    if soft is not None:
        for post in reversed(soft.post):
            for resolved in db._soft(post):
                _remove_if_unused(kernel, db, resolved, result, dry_run)
    result.actions.append(Action("rmmod", name))
    if not dry_run:
        kernel.module_unload(name, force=force and top)
    result.removed.append(name)
    entry = db.entries.get(name)
    deps = entry.deps if entry is not None else []
    for dep in deps:
        _remove_if_unused(kernel, db, dep, result, dry_run)
    if soft is not None:
        for pre in reversed(soft.pre):
            for resolved in db._soft(pre):
                _remove_if_unused(kernel, db, resolved, result, dry_run)


def _remove_if_unused(
    kernel: Kernel, db: ModuleDirectory, name: str, result: ProbeResult, dry_run: bool
) -> None:
    module = kernel.module_find(name)
    if module is None or name in result.removed:
        return
    users = [u for u in module.users if not (dry_run and u in result.removed)]
    if users or module.extra_refs or module.permanent:
        return
    try:
        _remove(kernel, db, name, result, dry_run, False, top=False)
    except KernelError:
        return


def _modname(path: str) -> str:
    return underscores(os.path.basename(path).split(".", 1)[0])


def _absolute(directory: str, path: str) -> str:
    return path if path.startswith("/") else os.path.join(directory, path)


def _lines(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            return f.read().splitlines()
    except OSError:
        return []


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))
