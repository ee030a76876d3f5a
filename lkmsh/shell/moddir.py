"""Which module tree a command works on: one rule for depmod, modprobe and modinfo.

Its own module (no dataclasses, no kmod imports) so that a one-shot ``depmod``
imports it without the modprobe command.
"""

from __future__ import annotations

import os
from pathlib import Path

MODULE_PATH_ENV = "LKMSH_MODULE_PATH"


def bundled_modules() -> str:
    """The sample_modules directory of a source checkout."""
    return str(Path(__file__).resolve().parent.parent.parent / "sample_modules")


#: ELF e_machine numbers (lkmsh.elf.constants' EM_X86_64, EM_AARCH64), without importing
#: the ELF package (~8 ms) into a ``depmod DIR``
_EM_X86_64, _EM_AARCH64 = 62, 183


def host_machine() -> int | None:
    """The ELF machine of this host (EM_X86_64, EM_AARCH64), for modules built for several."""
    machines = {"x86_64": _EM_X86_64, "aarch64": _EM_AARCH64, "arm64": _EM_AARCH64}
    return machines.get(os.uname().machine)


def default_directory() -> str:
    return os.environ.get(MODULE_PATH_ENV) or bundled_modules()


def kernel_release() -> str:
    """lkmsh's ``uname -r``: the emulated kernel's release, kmod's default VERSION."""
    from lkmsh.kernel.release import KERNEL_RELEASE

    return KERNEL_RELEASE


def module_directory(
    moddir: str | None = None,
    root: str | None = None,
    version: str | None = None,
    moduledir: str | None = None,
) -> str:
    """The one rule of depmod, modprobe and modinfo for the tree to work on.

    ``--moddir DIR`` is DIR. With a root (``-b``/``-d``) or a version (``-S``/``-k``,
    depmod's VERSION), ROOT/lib/modules/VERSION as kmod: ROOT defaults to ``/``,
    VERSION to lkmsh's kernel release (its ``uname -r``, 6.1.0-lkmsh). That
    release's own directory, /lib/modules/6.1.0-lkmsh of lkmsh's kernel, is its
    module directory: ``$LKMSH_MODULE_PATH``, else the bundled sample_modules;
    so is the directory when nothing is given. ``--moduledir`` (depmod) replaces
    ``/lib/modules``."""
    if moddir is not None:
        return os.path.abspath(moddir)
    version = version or kernel_release()
    if root is None and moduledir is None and version == kernel_release():
        return os.path.abspath(default_directory())
    base = os.path.abspath(root) if root else ""
    under = (moduledir or "/lib/modules").rstrip("/") or ""
    if not under.startswith("/"):
        under = "/" + under
    return f"{base}{under}/{version}"


def default_config_dirs(state_path: str | os.PathLike[str] | None = None) -> list[str]:
    if state_path is None:
        from lkmsh.kernel.state import default_state_path

        state_path = default_state_path()
    return [str(Path(state_path).expanduser().parent / "modprobe.d")]
