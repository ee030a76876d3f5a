"""lkmsh: a loadable-kernel-module system in a Python package."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["Kernel", "__version__"]


def __getattr__(name: str):
    # Lazy, so that `import lkmsh` stays cheap on the one-shot path.
    if name == "Kernel":
        from lkmsh.kernel.kernel import Kernel

        return Kernel
    raise AttributeError(name)
