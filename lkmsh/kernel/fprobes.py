"""fprobe (<linux/fprobe.h>, kernel/trace/fprobe.c): entry and exit handlers on many functions.

Linux puts an ftrace_ops on the functions an fprobe names (a glob of
ftrace's filter syntax, an array of symbols or of ftrace locations); its
handler calls the fprobe's entry_handler and, when there is an
exit_handler, hooks the return through a rethook node taken from the
fprobe's pool (nr_maxactive nodes, or two per function on one CPU; none
free: nmissed). lkmsh's functions carry no __fentry__ call, so a function's
ftrace location is its first instruction, and the hooks are kprobes.py's:
a probe there, the return address swapped for the rethook trampoline.

This module resolves what an fprobe names and keeps its registration; the
hits run in kprobes.py, beside the kprobes sharing those addresses.
"""

from __future__ import annotations

import errno as E
import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lkmsh.kernel.cstructs import cstruct

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel

#: struct ftrace_ops as lkmsh's <linux/ftrace.h> lays it out; struct fprobe follows it
OPS_SIZE = 160
FPROBE = cstruct(
    "struct fprobe",
    "linux/fprobe.h",
    OPS_SIZE + 56,
    ops__flags=(16, 8),
    nmissed=(OPS_SIZE, 8),
    flags=(OPS_SIZE + 8, 4),
    rethook=(OPS_SIZE + 16, 8),
    entry_data_size=(OPS_SIZE + 24, 8),
    nr_maxactive=(OPS_SIZE + 32, 4),
    entry_handler=(OPS_SIZE + 40, 8),
    exit_handler=(OPS_SIZE + 48, 8),
)
FPROBE_FL_DISABLED = 1
FTRACE_OPS_FL_ENABLED = 1 << 0
FTRACE_OPS_FL_SAVE_REGS = 1 << 2
#: struct fprobe_rethook_node: a rethook_node (48 bytes), the entry ip, the entry data
NODE_ENTRY_IP, NODE_DATA = 48, 56
#: struct rethook: its data (the fprobe) first
RETHOOK_SIZE = 48
#: nodes an fprobe keeps at most, however many functions it names (memory is bounded)
MAX_NODES = 1024
#: entry data an fprobe may ask per call at most (Linux allocates what is asked)
MAX_ENTRY_DATA = 1 << 16
#: symbols and addresses an array registration takes at most
MAX_ARRAY = 4096


@dataclass
class Fprobe:
    """One registered struct fprobe."""

    fp: int
    addrs: list[int]
    owner: str
    rethook: int = 0
    free: list[int] = field(default_factory=list)  # unused nodes
    nodes: list[int] = field(default_factory=list)  # all of them


def traceable(k: Kernel) -> Iterator[tuple[str, int]]:
    """(name, address) of every function an fprobe may be put on: the kernel's
    functions (exported or not), the kernel library's, each module's text."""
    from lkmsh.kernel.kimage import TRAMPOLINE

    skip = set(TRAMPOLINE.values())
    for name, addr in k.image.text.items():
        if name not in skip and addr != k.return_slot:
            yield name, addr
    if k.klib is not None:
        for s in k.klib.symbols:
            yield s.name, s.addr
    for m in k.module_list_all():
        for ms in m.symbols:
            if ms.kind in ("t", "T"):
                yield ms.name, ms.addr


def match_filter(k: Kernel, pattern: str) -> set[int]:
    """The functions ftrace's filter @pattern names: a glob over function names
    (``*``, ``?``, ``[...]``, as ftrace's MATCH_GLOB), ``GLOB:mod:MODULE`` for one
    module's."""
    glob, _, mod_name = pattern.partition(":mod:")
    module = k.module_find(mod_name) if mod_name else None
    if mod_name and module is None:
        return set()
    glob = glob or "*"
    return {
        addr
        for name, addr in traceable(k)
        if (module is None or module.contains(addr)) and fnmatch.fnmatchcase(name, glob)
    }


def lookup_symbols(k: Kernel, names: list[str]) -> list[int] | int:
    """ftrace_lookup_symbols(): each name's function address; -ENOENT when one is none."""
    found: dict[str, int] = {}
    wanted = set(names)
    for name, addr in traceable(k):
        if name in wanted and name not in found:
            found[name] = addr
    if wanted - found.keys():
        return -E.ENOENT
    return [found[n] for n in names]
