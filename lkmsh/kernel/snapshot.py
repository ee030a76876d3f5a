"""A kernel as plain data: what the state store saves and a new process restores.

Everything here is JSON-able except region bytes, so the store can keep the
module table in its own columns (cheap for `lsmod`) and the memory as blobs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, MutableMapping
from typing import Any

from lkmsh.record import Record

FORMAT_VERSION = 1


class ComponentRows(MutableMapping[str, Any]):
    """Components' saved data as the store read it: each row is decoded when first asked for.

    A one-shot command that never touches the heap never decodes its
    65,536 records; ``raw`` gives the store the text of a row nobody decoded,
    so saving it again costs nothing. A row that is not JSON raises ValueError
    when asked for (the kernel reports the state file as corrupt).
    """

    def __init__(self, texts: dict[str, str]):
        self._texts = texts
        self._values: dict[str, Any] = {}

    def raw(self, name: str) -> str | None:
        """The saved text of @name if nobody decoded (and so possibly changed) it."""
        return None if name in self._values else self._texts.get(name)

    def __getitem__(self, name: str) -> Any:
        if name not in self._values:
            self._values[name] = json.loads(self._texts[name])
        return self._values[name]

    def __setitem__(self, name: str, value: Any) -> None:
        self._values[name] = value
        self._texts.setdefault(name, "")

    def __delitem__(self, name: str) -> None:
        del self._texts[name]
        self._values.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)


class RegionImage(Record):
    _fields = ("vaddr", "size", "name", "owner", "perms", "data")

    def __init__(
        self,
        vaddr: int,
        size: int,
        name: str,
        owner: str | None,
        perms: bytes,  # one Perm byte per page
        data: bytes,
    ):
        self.vaddr = vaddr
        self.size = size
        self.name = name
        self.owner = owner
        self.perms = perms
        self.data = data


class KernelState(Record):
    _fields = (
        "arch",
        "kapi_digest",
        "config",
        "meta",
        "modules",
        "components",
        "regions",
        "format_version",
    )

    def __init__(
        self,
        arch: str,
        kapi_digest: str,
        config: dict[str, Any],
        meta: dict[str, Any],  # taints, sequence numbers, boot id
        modules: list[dict[str, Any]],  # Module.to_dict(), newest first
        #: "symbols", "heap", "dmesg", "clock", "procfs": plain data (a ComponentRows once loaded)
        components: MutableMapping[str, Any],
        regions: list[RegionImage] | None = None,
        format_version: int = FORMAT_VERSION,
    ):
        self.arch = arch
        self.kapi_digest = kapi_digest
        self.config = config
        self.meta = meta
        self.modules = modules
        self.components = components
        self.regions = [] if regions is None else regions
        self.format_version = format_version
