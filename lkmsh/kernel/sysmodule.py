"""/sys/module/NAME: each loaded module's directory, as kernel/module/sysfs.c and params.c make it.

``refcnt``, ``initstate`` (coming/live/going), ``coresize``, ``initsize``,
``taint``, ``version`` and ``srcversion`` (when the module has them),
``holders/`` (one entry per module using it), ``sections/`` (each section's
address, root-only) and ``parameters/`` (every ``module_param`` with a
non-zero permission, mode as given: reading shows the value as param_get_*,
writing sets it as param_set_* and returns the bytes written, a bad value
being the write's error). The files are the kernel's own, made when the
module is linked and again after a restore; they run no module code.
"""

from __future__ import annotations

import errno as E
import os
import stat as S
from typing import TYPE_CHECKING

from lkmsh.kernel.vfs import FileError, TextFile

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kernel.module import Module
    from lkmsh.kernel.params import ParamSpec

ROOT = "/sys/module"
_INITSTATE = {"loaded": "coming", "running": "live", "unloading": "going", "unloaded": "going"}


def _module(kernel: Kernel, name: str) -> Module:
    m = kernel.module_find(name)
    if m is None:
        raise FileError(f"{ROOT}/{name}: {os.strerror(E.ENODEV)}", E.ENODEV)
    return m


def _text(fn):
    return lambda k: (fn(k) + "\n").encode()


def _specs(kernel: Kernel, module: Module) -> list[ParamSpec]:
    from lkmsh.kernel.params import read_param_table

    addr, count = module.param_table
    return read_param_table(kernel.mem, addr, count, kernel.param_ops()) if count else []


def _param_file(name: str, spec: ParamSpec) -> TextFile:
    """param_attr_show/param_attr_store: the parameter's ops, a module's own ones run as its code."""
    from lkmsh.kernel import params as P

    def where(exc: P.ParamError) -> FileError:
        return FileError(f"{ROOT}/{name}/parameters/{spec.name}: {exc}", exc.err)

    def show(k: Kernel) -> bytes:
        module = _module(k, name)
        try:
            with k.running(module):
                return P.sysfs_text(k.mem, k.heap, spec, k.call)
        except P.ParamError as exc:
            raise where(exc) from None

    def store(k: Kernel, data: bytes) -> int:
        module = _module(k, name)
        value = data.decode("utf-8", "replace")
        try:
            with k.running(module):
                P.set_one(k.mem, k.heap, spec, value, name, k.log, k.call)
        except P.ParamError as exc:
            raise where(exc) from None
        return len(data)

    return TextFile(show, store if spec.perm & 0o222 else None)


def publish(kernel: Kernel, module: Module) -> None:
    """Make /sys/module/NAME and its files (called when a module is linked, and on restore)."""
    vfs = kernel.vfs
    name = module.name
    base = f"{ROOT}/{name}"
    if vfs.lookup(base) is not None:
        return
    vfs.mkdir(base, 0o755)
    files = {
        "refcnt": _text(lambda k: str(_module(k, name).refcount)),
        "initstate": _text(lambda k: _INITSTATE[_module(k, name).state.value]),
        "coresize": _text(lambda k: str(_module(k, name).size)),
        "initsize": _text(lambda k: "0"),
        "taint": _text(lambda k: _module(k, name).taints),
    }
    for key in ("version", "srcversion"):
        value = module.info(key)
        if value is not None:
            files[key] = _text(lambda k, v=value: v)
    for fname, show in files.items():
        vfs.add(f"{base}/{fname}", TextFile(show), S.S_IFREG | 0o444, size=4096)
    vfs.mkdir(f"{base}/holders", 0o755)
    if module.placements:
        vfs.mkdir(f"{base}/sections", 0o755)
        for p in module.placements:
            show = _text(lambda k, a=p.addr: f"0x{a:016x}")
            vfs.add(f"{base}/sections/{p.name}", TextFile(show), S.S_IFREG | 0o400, size=4096)
    params = [s for s in _specs(kernel, module) if s.perm]
    if params:
        vfs.mkdir(f"{base}/parameters", 0o755)
        for spec in params:
            vfs.add(
                f"{base}/parameters/{spec.name}",
                _param_file(name, spec),
                S.S_IFREG | (spec.perm & 0o777),
                size=4096,
            )
    _link_holders(kernel, module)


def unpublish(kernel: Kernel, module: Module) -> None:
    kernel.vfs.remove(f"{ROOT}/{module.name}")
    for used in module.uses:
        kernel.vfs.remove(f"{ROOT}/{used}/holders/{module.name}")


def _link_holders(kernel: Kernel, module: Module) -> None:
    """holders/ entries (links to /sys/module/HOLDER) of @module's users and in the
    modules it uses.

    Only the links that involve @module, so restoring N modules stays linear.
    """
    links = [(module.name, user) for user in module.users]
    links += [(used, module.name) for used in module.uses]
    for held, holder in links:
        holders = kernel.vfs.lookup(f"{ROOT}/{held}/holders")
        if holders is not None and holder not in holders.children:
            kernel.vfs.symlink(f"{ROOT}/{held}/holders/{holder}", f"../../{holder}")
