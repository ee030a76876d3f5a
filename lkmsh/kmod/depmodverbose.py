"""What kmod 30's ``depmod -v`` adds: one line per symbol a module takes from another.

kmod prints ``PATH needs "SYMBOL": OWNER_PATH`` on stdout while it links the
modules (before any output file), module by module in its order, each
module's needed symbols in their order, only for the first symbol taken from
each owner (the one that made it a dependency). Symbols the kernel provides
(from System.map or Module.symvers) and unknown ones print nothing.
"""

from __future__ import annotations

from lkmsh.kmod.depmod import DepmodResult, _strip_prefix


def needs_lines(result: DepmodResult, sym_prefix: str = "") -> str:
    """The ``needs`` lines of a linked run (not one the cache answered with text)."""
    owner_of = result.symbols.values()
    out: list[str] = []
    for m in result.modules:
        if m.facts is None:
            continue
        seen: set[int] = set()
        for name in m.facts.needs:
            key = _strip_prefix(name[1:] if name.startswith(".") else name, sym_prefix)
            owner = owner_of.get(key)
            if owner is None or owner is m or id(owner) in seen:
                continue
            seen.add(id(owner))
            out.append(f'{m.path} needs "{key}": {owner.path}\n')
    return "".join(out)
