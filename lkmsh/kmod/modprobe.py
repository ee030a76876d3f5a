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
from lkmsh.kmod.patterns import PatternList

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
    """One step: ``insmod PATH OPTIONS``, ``install COMMAND``, ``rmmod NAME``,
    ``builtin NAME``, ``missing NAME`` (nothing to load) or ``skip NAME``."""

    verb: str
    name: str
    path: str = ""
    options: str = ""
    command: str = ""

    def show(self) -> str | None:
        """As kmod's --show-depends/-v print it (note kmod's space before the options);
        None for a step kmod does not print."""
        if self.verb == "insmod":
            return f"insmod {self.path} {self.options}"
        if self.verb == "install":
            return f"install {self.command} {self.options}"
        if self.verb == "remove":
            return f"remove {self.command}"
        if self.verb == "builtin":
            return f"builtin {self.name}"
        if self.verb == "missing":
            return None
        return f"{self.verb} {self.name}"


@dataclass(frozen=True)
class Found:
    """One module a lookup found: its name and, when found through an alias, that alias
    (libkmod's ``name\\alias`` module object: ``options ALIAS ...`` apply to it)."""

    name: str
    alias: str | None = None


@dataclass(eq=False)
class Step:
    """One module of a probe list (libkmod's module object while it is planned)."""

    name: str
    alias: str | None = None
    required: bool = False  # the module asked for or one of its dependencies
    ignorecmd: bool = False  # its install command is not used (it has softdeps, or -i)
    visited: bool = False


@dataclass
class ModuleDirectory:
    directory: str
    entries: dict[str, Entry] = field(default_factory=dict)
    aliases: list[tuple[str, str]] = field(default_factory=list)
    symbols: dict[str, str] = field(default_factory=dict)
    builtin: set[str] = field(default_factory=set)
    config: ModprobeConfig = field(default_factory=ModprobeConfig)
    builtin_aliases: PatternList | None = None  # read on first use
    _alias_patterns: PatternList | None = field(default=None, repr=False)  # made on first use

    @classmethod
    def open(
        cls, directory: str, config_dirs: Iterable[str] = (), cmdline: str = ""
    ) -> ModuleDirectory:
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
        return cls.from_texts(directory, texts, config_dirs, cmdline)

    @classmethod
    def from_texts(
        cls,
        directory: str,
        texts: dict[str, str],
        config_dirs: Iterable[str] = (),
        cmdline: str = "",
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
        db.config = load_modprobe_config(
            list(config_dirs), {"modules.softdep": texts.get("modules.softdep", "")}, cmdline
        )
        return db

    # -- lookup --------------------------------------------------------------------------

    def lookup(self, name: str) -> list[Found]:
        """What a name or alias means, in kmod's order, stopping at the first step that
        finds something (kmod_module_new_from_lookup): configuration aliases, module
        names, ``symbol:`` aliases, install/remove commands, the tree's aliases, the
        built-in modules' aliases, built-in module names. A module an alias matches
        twice is listed twice, as kmod lists it."""
        key = underscores_alias(name)
        found = [
            Found(mod, key) for pattern, mod in self.config.aliases if fnmatchcase(key, pattern)
        ]
        if found:
            return found
        modname = underscores(name)
        if modname in self.entries:
            return [Found(modname)]
        if key.startswith("symbol:") and key in self.symbols:
            return [Found(self.symbols[key], key)]
        if any(p == key for p, _c in self.config.install) or any(
            p == key for p, _c in self.config.remove
        ):
            return [Found(key)]
        if self._alias_patterns is None:
            self._alias_patterns = PatternList(self.aliases)
        found = [Found(mod, key) for mod in self._alias_patterns.matches(key)]
        if found:
            return found
        if self.builtin_aliases is None:
            from lkmsh.kmod.builtin import BuiltinModinfo

            self.builtin_aliases = PatternList(BuiltinModinfo.read(self.directory).aliases())
        found = [Found(mod, key) for mod in self.builtin_aliases.matches(key)]
        if found:
            return list(dict.fromkeys(found))
        if modname in self.builtin:
            return [Found(modname)]
        return []

    def lookup_names(self, name: str) -> list[str]:
        return list(dict.fromkeys(f.name for f in self.lookup(name)))

    def resolve(self, name: str, use_blacklist: bool = False) -> list[Found]:
        """The modules to probe for NAME: one found by an alias is dropped when
        blacklisted (modprobe.d(5)); with ``-b`` one found by its name too."""
        found = self.lookup(name)
        if not found:
            raise ModuleNotFound(name, self.directory)
        return [
            f
            for f in found
            if not ((f.alias is not None or use_blacklist) and self.config.is_blacklisted(f.name))
        ]

    # -- planning ------------------------------------------------------------------------

    def probe_list(self, top: Found, ignore_commands: bool = False) -> list[Step]:
        """Everything to load for one module, in libkmod's order
        (kmod_module_get_probe_list): for each dependency, last of its modules.dep
        line first, that dependency's pre softdeps, it, its post softdeps; then the
        module's own pre softdeps, the module, its post softdeps. A softdep is
        probed the same way, once; a dependency may come twice (kmod's list too)."""
        pool: dict[tuple[str, str | None], Step] = {}
        out: list[Step] = []

        def obj(name: str, alias: str | None = None) -> Step:
            return pool.setdefault((name, alias), Step(name, alias))

        def deps_of(m: Step) -> list[Step]:
            entry = self.entries.get(m.name)
            return [obj(d) for d in reversed(entry.deps)] if entry is not None else []

        def fill_softdep(m: Step) -> None:
            soft = self.config.softdep_for(m.name)
            pre = [obj(f.name, f.alias) for n in soft.pre for f in self.lookup(n)] if soft else []
            post = [obj(f.name, f.alias) for n in soft.post for f in self.lookup(n)] if soft else []
            for p in pre:
                visit(p, False, False)
            out.append(m)
            m.ignorecmd = bool(pre or post)
            for p in post:
                visit(p, False, False)

        def visit(m: Step, required: bool, ignorecmd: bool) -> None:
            if m.visited:
                return
            m.visited = True
            deps = deps_of(m)
            if required:
                m.required = True
                for d in deps:
                    d.required = True
            for d in deps:
                fill_softdep(d)
            if ignorecmd:
                out.append(m)
                m.ignorecmd = True
            else:
                fill_softdep(m)

        visit(obj(top.name, top.alias), True, ignore_commands)
        return out

    def action_for(self, step: Step | str, extra: str = "") -> Action:
        """What to do for one step: ``insmod`` (options from the configuration, then
        EXTRA, joined as kmod joins them), ``install`` (a configured command),
        ``builtin``, or ``missing`` (no file: kmod prints nothing for it)."""
        if isinstance(step, str):
            step = Step(step)
        name = step.name
        options = _concat_options(self.config.options_for(name, step.alias), extra)
        command = self.config.install_command(name)
        if command is not None and not step.ignorecmd:
            return Action("install", name, options=options, command=command)
        entry = self.entries.get(name)
        if entry is None:
            return Action("builtin" if name in self.builtin else "missing", name)
        return Action("insmod", name, entry.path, options)


def _concat_options(opt: str, extra: str) -> str:
    """libkmod's module_options_concat: configured options, a blank, the command's."""
    if not opt:
        return extra
    return f"{opt} {extra}"


LoadWrapper = Callable[["Action", Callable[[], "Module"]], "Module"]
"""Runs one load of the plan by calling its second argument (and returns what it returns):
a hook to watch each load, as ``modprobe --trace`` does; it re-raises the load's error."""


@dataclass
class ProbeResult:
    actions: list[Action] = field(default_factory=list)  # what was (or would be) done
    loaded: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def plan_insert(
    db: ModuleDirectory,
    name: str,
    params: str = "",
    *,
    ignore_commands: bool = False,
    use_blacklist: bool = False,
) -> list[Action]:
    """--show-depends: every step for NAME, loaded or not, as kmod lists them."""
    actions: list[Action] = []
    for target in db.resolve(name, use_blacklist):
        for step in db.probe_list(target, ignore_commands):
            is_top = (step.name, step.alias) == (target.name, target.alias)
            actions.append(db.action_for(step, params if is_top else ""))
    return actions


class InstallCommandRefused(KernelError):
    """A modprobe.d ``install``/``remove`` command: lkmsh shows it (-n, -D) but does not
    run host shell commands for an emulated kernel."""

    errno = errno.EPERM


def probe_insert(
    kernel: Kernel,
    db: ModuleDirectory,
    name: str,
    params: str = "",
    *,
    dry_run: bool = False,
    first_time: bool = False,
    force: bool = False,
    ignore_commands: bool = False,
    use_blacklist: bool = False,
    wrap_load: LoadWrapper | None = None,
) -> ProbeResult:
    """Load NAME and what it needs, as kmod_module_probe_insert_module: modules loaded
    (or built in) are skipped, a softdep that fails is ignored; when a module NAME
    needs fails, this call's loads are unwound (lkmsh's promise, not kmod's)."""
    result = ProbeResult()
    for target in db.resolve(name, use_blacklist):
        if _in_kernel(kernel, db, target.name):
            if first_time:
                raise InsertFailed(target.name, AlreadyExists("Module already in kernel"))
            continue
        for step in db.probe_list(target, ignore_commands):
            is_top = (step.name, step.alias) == (target.name, target.alias)
            if _in_kernel(kernel, db, step.name):
                continue
            action = db.action_for(step, params if is_top else "")
            result.actions.append(action)
            if dry_run:
                continue

            def load(action: Action = action) -> Module:
                if action.verb == "install":
                    raise InstallCommandRefused(
                        f"install command not run (lkmsh runs no host commands): {action.command}"
                    )
                if action.verb == "missing":
                    raise NotFound(f"could not find module by name='{action.name}'")
                return kernel.module_load(
                    action.path, action.options, force=force, path_hint=action.path
                )

            try:
                if wrap_load is None:
                    load()
                else:
                    wrap_load(action, load)
            except KernelError as exc:
                if not step.required:
                    continue  # kmod ignores errors of softdeps
                _unwind(kernel, result)
                raise InsertFailed(step.name, exc, result.removed) from None
            result.loaded.append(step.name)
    return result


def _in_kernel(kernel: Kernel, db: ModuleDirectory, name: str) -> bool:
    """kmod's module_is_inkernel: loaded, or built in."""
    return kernel.module_find(name) is not None or (name in db.builtin and name not in db.entries)


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
    ignore_commands: bool = False,
    remove_holders: bool = False,
    wait: bool = False,
) -> ProbeResult:
    """Remove NAME, then each dependency (modules.dep, recursively) no one else uses.

    As kmod 30's rmmod_do_module: a module that is not loaded is no error
    (unless ``first_time``), a built-in one or one in use is (FATAL);
    ``remove_holders`` first removes the modules using it; with ``wait`` (-w) a
    module in use is waited for, and, as nothing in lkmsh's kernel lets go of it
    meanwhile, not removed (kmod's EAGAIN); ``ignore_commands`` (-i) leaves its
    softdeps and remove command aside."""
    result = ProbeResult()
    names = [f.name for f in db.lookup(name)]
    targets = names or [underscores(name)]
    for target in targets:
        command = None if ignore_commands else db.config.remove_command(target)
        if command is not None:
            result.actions.append(Action("remove", target, command=command))
            if not dry_run:
                raise InstallCommandRefused(
                    f"remove command not run (lkmsh runs no host commands): {command}"
                )
            continue
        module = kernel.module_find(target)
        if module is None:
            if not names:  # lkmsh also removes loaded modules the tree does not list
                raise RemoveNotFound(f"Module {name} not found.")
            if target in db.builtin:
                raise RemoveRefused(f"Module {target} is builtin.")
            if first_time:
                raise RemoveRefused(f"Module {target} is not in kernel.")
            continue
        if remove_holders:
            for holder in list(module.users):
                _remove(kernel, db, holder, result, dry_run, force, True, ignore_commands)
            if target in result.removed:
                continue  # it went as a dependency its last holder no longer needed
        users = [u for u in module.users if not (dry_run and u in result.removed)]
        if not force and (module.refcount or users):
            if wait:
                raise KernelError(
                    f"could not remove '{target}': Resource temporarily unavailable",
                    errno=errno.EAGAIN,
                )
            raise ModuleInUse(f"Module {target} is in use.", list(module.users))
        _remove(kernel, db, target, result, dry_run, force, True, ignore_commands)
    return result


def plan_remove(
    kernel: Kernel,
    db: ModuleDirectory,
    name: str,
    *,
    ignore_commands: bool = False,
    remove_holders: bool = False,
) -> list[Action]:
    """``modprobe -r --show-depends NAME``: kmod 30 shows the removal without asking
    whether the module is loaded or in use (its ``ignore_loaded``), as
    rmmod_do_module walks it: the post softdeps (last first, each walked the same
    way), with --remove-holders the modules using it, the module (or its remove
    command), the modules of its modules.dep line nothing uses any more (loaded,
    count 0: kmod reads their refcnt), the pre softdeps (last first). A softdep loop
    is walked once round (kmod's recursion would not end)."""
    found = db.lookup(name)
    if not found:
        raise RemoveNotFound(f"Module {name} not found.")
    actions: list[Action] = []
    for f in found:
        _plan_remove(kernel, db, f.name, actions, ignore_commands, remove_holders, set())
    return actions


def _plan_remove(
    kernel: Kernel,
    db: ModuleDirectory,
    name: str,
    actions: list[Action],
    ignore_commands: bool,
    holders: bool,
    walking: set[str],
) -> None:
    if name in walking:
        return
    walking.add(name)
    soft = None if ignore_commands else db.config.softdep_for(name)
    command = None if ignore_commands else db.config.remove_command(name)
    for post in reversed(soft.post if soft is not None else []):
        for resolved in db.lookup_names(post):
            _plan_remove(kernel, db, resolved, actions, ignore_commands, False, walking)
    module = kernel.module_find(name)
    if holders and module is not None:
        for holder in list(module.users):
            _plan_remove(kernel, db, holder, actions, ignore_commands, False, walking)
    if command is not None:
        actions.append(Action("remove", name, command=command))
    else:
        actions.append(Action("rmmod", name))
        entry = db.entries.get(name)
        for dep in entry.deps if entry is not None else []:
            used = kernel.module_find(dep)
            if used is not None and not used.refcount and not used.users:
                actions.append(Action("rmmod", dep))
    for pre in reversed(soft.pre if soft is not None else []):
        for resolved in db.lookup_names(pre):
            _plan_remove(kernel, db, resolved, actions, ignore_commands, False, walking)


def _remove(
    kernel: Kernel,
    db: ModuleDirectory,
    name: str,
    result: ProbeResult,
    dry_run: bool,
    force: bool,
    top: bool,
    ignore_commands: bool = False,
) -> None:
    soft = None if ignore_commands else db.config.softdep_for(name)
    if soft is not None:
        for post in reversed(soft.post):
            for resolved in db.lookup_names(post):
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
            for resolved in db.lookup_names(pre):
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
