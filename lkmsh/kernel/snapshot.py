"""A kernel as plain data: what the state store saves and a new process restores.

Everything here is JSON-able except region bytes, so the store can keep the
module table in its own columns (cheap for `lsmod`) and the memory as blobs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FORMAT_VERSION = 1


@dataclass
class RegionImage:
    vaddr: int
    size: int
    name: str
    owner: str | None
    perms: bytes  # one Perm byte per page
    data: bytes


@dataclass
class KernelState:
    arch: str
    kapi_digest: str
    config: dict[str, Any]
    meta: dict[str, Any]  # taints, sequence numbers, boot id
    modules: list[dict[str, Any]]  # Module.to_dict(), newest first
    components: dict[str, Any]  # "symbols", "heap", "dmesg", "clock", "procfs": plain data
    regions: list[RegionImage] = field(default_factory=list)
    format_version: int = FORMAT_VERSION
