"""modinfo's view of a module file, as kmod 30 builds it (kmod_module_get_info).

The ``.modinfo`` strings in file order (a string without ``=`` is a key with
an empty value), then, for a signed module, the signature fields. The file
may be compressed. Lookup by name (``modinfo -b ROOT -k VERSION NAME``) goes
through the tree's modules.dep and modules.alias, as kmod's does.
"""

from __future__ import annotations

from lkmsh.elf.sections import parse_header
from lkmsh.elf.signature import split_signature
from lkmsh.kmod.compress import read_module_file
from lkmsh.kmod.modfile import modinfo_strings, section_table
from lkmsh.kmod.signature import signature_fields


def module_info(path: str) -> list[tuple[str, str]]:
    """kmod's info list for a module file; KernelError (ElfError) when unreadable."""
    data = read_module_file(path)
    size, sig = split_signature(data)
    header, _sec0 = parse_header(data, size)
    where = section_table(data, size, header).get(".modinfo")
    info = modinfo_strings(data[where[1] : where[1] + where[2]]) if where else []
    if sig is not None:
        info.extend(signature_fields(sig))
    return info
