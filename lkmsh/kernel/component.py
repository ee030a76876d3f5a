"""The one interface every stateful part of the kernel implements.

Linux's subsystems keep their own state and hear about modules through the
module notifier chain (``MODULE_STATE_GOING``: a subsystem drops what the
module registered and warns about what it forgot). lkmsh's components do the
same, and also say how their state is saved: ``Kernel`` keeps them in a list,
and saving, restoring and unloading loop over it. Adding a subsystem is adding
a component (and registering it in ``Kernel.__init__``), nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from lkmsh.kernel.module import Module

#: One dmesg line a component reports: (log level, text).
Report = tuple[int, str]


class Component:
    """A stateful part of the kernel.

    ``name`` keys its data in the state store (keep it stable: it is a saved
    key). ``to_data`` returns plain JSON data (dicts, lists, str, int, bool);
    ``load_data`` restores it into a freshly built component, after the saved
    memory regions are mapped again. ``module_going`` runs when a module is
    removed (after its exit function, or after a failed init): free what the
    module left registered and return Linux's warnings about it, which the
    kernel writes to dmesg. Components hear it newest-registered first, so a
    subsystem built on another (procfs on the heap) cleans up before it.
    """

    name: ClassVar[str]

    def to_data(self) -> Any:
        return None

    def load_data(self, data: Any) -> None:
        """Restore saved data (``None`` when the state predates this component)."""

    def restore(self, fetch: Callable[[], Any]) -> None:
        """``load_data(fetch())``; a component whose data is large may call @fetch later,
        on first use (the heap), so commands that never use it never decode it."""
        self.load_data(fetch())

    def module_going(self, module: Module) -> list[Report]:
        return []


class Part:
    """A component the kernel builds the first time it is used, not at boot.

    Importing a subsystem's module is most of what a kernel component costs a
    one-shot command (constructing all of them takes ~1.5 ms), and most commands
    use few: ``lkmsh insmod hello.ko`` needs no GPIO bank, block layer or kdb.
    ``Kernel.x = Part(...)`` is a non-data descriptor: the first ``kernel.x``
    imports ``lkmsh.kernel.<module>``, builds the class (with the kernel when
    @takes_kernel), registers it and restores its saved row; the instance then
    sits in the kernel's ``__dict__``, so later uses cost what a plain attribute
    does. ``row`` is the component's ``name`` (its saved key).
    """

    def __init__(self, row: str, where: str, *, takes_kernel: bool = True):
        self.row = row
        self.module, self.cls = where.split(":")
        self.takes_kernel = takes_kernel
        self.attr = ""

    def __set_name__(self, owner: type, attr: str) -> None:
        self.attr = attr

    def __get__(self, kernel: Any, owner: type | None = None) -> Any:
        if kernel is None:
            return self
        return kernel.build_part(self)
