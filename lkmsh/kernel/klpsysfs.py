"""/sys/kernel/livepatch, as kernel/livepatch/core.c's kobjects make it in Linux 6.1.

    /sys/kernel/livepatch/<patch>/{enabled,transition,force}
    /sys/kernel/livepatch/<patch>/<object>/patched
    /sys/kernel/livepatch/<patch>/<object>/<function,sympos>/

The files are the kernel's own (no module code runs to read them); the tree
is derived data, made again from the saved patches on restore.
"""

from __future__ import annotations

import errno as E
import os
import stat as S
from typing import TYPE_CHECKING

from lkmsh.kernel.vfs import FileError, TextFile

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kernel.livepatch import Livepatch, Obj, Patch

ROOT = "/sys/kernel/livepatch"


def publish_root(kernel: Kernel) -> None:
    """klp_init(): the root kobject, there from boot."""
    kernel.vfs.mkdir(ROOT, 0o755)


def _fail(path: str, err: int) -> FileError:
    return FileError(f"{path}: {os.strerror(err)}", err)


def _bool(path: str, data: bytes) -> bool:
    from lkmsh.kernel.kapi.kstrtox import kstrtobool

    err, value = kstrtobool(data)
    if err:
        raise _fail(path, abs(err))
    return value


def _patch(kernel: Kernel, name: str, path: str) -> Patch:
    p = kernel.livepatch.find(name)
    if p is None:  # the patch is gone while the file was open
        raise _fail(path, E.ENODEV)
    return p


def publish(kernel: Kernel, lp: Livepatch, p: Patch, objects: bool = True) -> None:
    """The patch's directory and attributes (and, on restore, its objects')."""
    vfs, name = kernel.vfs, p.mod
    base = f"{ROOT}/{name}"
    if vfs.lookup(base) is not None:
        return
    vfs.mkdir(base, 0o755)

    def enabled_store(k: Kernel, data: bytes) -> int:
        path = f"{base}/enabled"
        ret = k.livepatch.set_enabled(_patch(k, name, path), _bool(path, data))
        if ret:
            raise _fail(path, -ret)
        return len(data)

    def force_store(k: Kernel, data: bytes) -> int:
        path = f"{base}/force"
        if not _bool(path, data):
            return len(data)
        ret = k.livepatch.force(_patch(k, name, path))
        if ret:
            raise _fail(path, -ret)
        return len(data)

    def enabled_show(k: Kernel) -> bytes:
        return f"{int(_patch(k, name, base).enabled)}\n".encode()

    def transition_show(k: Kernel) -> bytes:
        return f"{int(k.livepatch.transition is _patch(k, name, base))}\n".encode()

    files = (
        ("enabled", TextFile(enabled_show, enabled_store), 0o644),
        ("transition", TextFile(transition_show), 0o444),
        ("force", TextFile(lambda k: b"", force_store), 0o200),
    )
    for fname, ops, mode in files:
        vfs.add(f"{base}/{fname}", ops, S.S_IFREG | mode, size=4096)
    if objects:
        for o in p.objs:
            publish_object(kernel, lp, p, o)


def publish_object(kernel: Kernel, lp: Livepatch, p: Patch, o: Obj) -> None:
    """The object's directory, its patched attribute and a directory per function."""
    vfs = kernel.vfs
    base = f"{ROOT}/{p.mod}/{o.label}"
    if vfs.lookup(base) is not None:
        return
    vfs.mkdir(base, 0o755)
    label = o.label

    def patched_show(k: Kernel) -> bytes:
        patch = _patch(k, p.mod, base)
        obj = next((x for x in patch.objs if x.label == label), None)
        return f"{int(obj is not None and obj.patched)}\n".encode()

    vfs.add(f"{base}/patched", TextFile(patched_show), S.S_IFREG | 0o444, size=4096)
    for f in o.funcs:
        vfs.mkdir(f"{base}/{f.old_name},{f.sympos or 1}", 0o755)


def unpublish(kernel: Kernel, p: Patch) -> None:
    kernel.vfs.remove(f"{ROOT}/{p.mod}")


def unpublish_nops(kernel: Kernel, p: Patch) -> None:
    """klp_free_objects_dynamic(): the directories of an atomic replace's nops go."""
    for o in p.objs:
        base = f"{ROOT}/{p.mod}/{o.label}"
        if o.dynamic:
            kernel.vfs.remove(base)
            continue
        for f in o.funcs:
            if f.nop:
                kernel.vfs.remove(f"{base}/{f.old_name},{f.sympos or 1}")
