"""A base for plain value classes on the one-shot start-up path (see Record)."""

from __future__ import annotations

from typing import Any


class Record:
    """Value semantics (equality, hash, repr, replace) from ``_fields``, for plain classes.

    The classes every one-shot command imports (the command registry, lsmod's
    view, the state store's summary, Module) are plain classes with their own
    ``__init__`` rather than dataclasses: importing ``dataclasses`` (with
    ``inspect``) and creating the classes cost about a third of a piped
    ``lsmod``'s own start-up.
    """

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f) for f in self._fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        args = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"{type(self).__name__}({args})"

    def as_dict(self) -> dict[str, Any]:
        """The fields by name (shallow, unlike dataclasses.asdict)."""
        return {f: getattr(self, f) for f in self._fields}

    def replace(self, **changes: Any) -> Any:
        """A copy with some fields changed (dataclasses.replace)."""
        values = self.as_dict()
        values.update(changes)
        return type(self)(**values)
