"""What kmod's tools print for ``-V``/``--version``: the kmod release lkmsh follows and
its build-features line, saying what lkmsh itself can do (as kmod's says of its build).

kmod 30 prints ``kmod version 30`` then ``+ZSTD +XZ -ZLIB +LIBCRYPTO -EXPERIMENTAL``
(its build options); lkmsh reads gzip and xz with Python's standard library,
zstd when ``zstandard`` is importable, and module signatures itself.
"""

from __future__ import annotations

import importlib.util

KMOD_VERSION = "30"


def features() -> str:
    zstd = importlib.util.find_spec("zstandard") is not None
    return f"{'+' if zstd else '-'}ZSTD +XZ +ZLIB +LIBCRYPTO -EXPERIMENTAL"


def version_text() -> str:
    return f"kmod version {KMOD_VERSION}\n{features()}\n"
