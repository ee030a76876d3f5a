"""%pGp, %pGv and %pGg: page, VMA and GFP flags by name, as Linux 6.1 prints them.

The tables are include/trace/events/mmflags.h's, in its order (composite GFP
masks first, so GFP_KERNEL prints as one name); the page layout is the one
lkmsh's <linux/page-flags-layout.h> declares (only a zone field, in the top
three bits). Bits no name covers print as a hex number after the names.
"""

from __future__ import annotations

from collections.abc import Sequence

PAGE_FLAG_NAMES = (  # enum pageflags, in mmflags.h's print order
    (0, "locked"), (7, "waiters"), (8, "error"), (1, "referenced"), (2, "uptodate"),
    (3, "dirty"), (4, "lru"), (5, "active"), (6, "workingset"), (9, "slab"),
    (10, "owner_priv_1"), (11, "arch_1"), (12, "reserved"), (13, "private"),
    (14, "private_2"), (15, "writeback"), (16, "head"), (17, "mappedtodisk"),
    (18, "reclaim"), (19, "swapbacked"), (20, "unevictable"), (21, "mlocked"),
)  # fmt: skip
NR_PAGEFLAGS = 22
#: (name, shift, width) of the fields above the flags: section, node, zone, ...
PAGE_FIELDS = (("zone", 61, 3),)

VMA_FLAG_NAMES = (
    (0x1, "read"), (0x2, "write"), (0x4, "exec"), (0x8, "shared"), (0x10, "mayread"),
    (0x20, "maywrite"), (0x40, "mayexec"), (0x80, "mayshare"), (0x100, "growsdown"),
    (0x200, "uffd_missing"), (0x400, "pfnmap"), (0x1000, "uffd_wp"), (0x2000, "locked"),
    (0x4000, "io"), (0x8000, "seqread"), (0x10000, "randread"), (0x20000, "dontcopy"),
    (0x40000, "dontexpand"), (0x80000, "lockonfault"), (0x100000, "account"),
    (0x200000, "noreserve"), (0x400000, "hugetlb"), (0x800000, "sync"),
    (0x1000000, "arch_1"), (0x2000000, "wipeonfork"), (0x4000000, "dontdump"),
    (0x10000000, "mixedmap"), (0x20000000, "hugepage"), (0x40000000, "nohugepage"),
    (0x80000000, "mergeable"),
)  # fmt: skip

_RECLAIM, _DIRECT = 0xC00, 0x400
_USER = _RECLAIM | 0x40 | 0x80 | 0x100000
_HIGHUSER_MOVABLE = _USER | 0x02 | 0x08
_TRANSHUGE_LIGHT = (_HIGHUSER_MOVABLE | 0x40000 | 0x80000 | 0x2000) & ~_RECLAIM
GFP_FLAG_NAMES = (
    (_TRANSHUGE_LIGHT | _DIRECT, "GFP_TRANSHUGE"), (_TRANSHUGE_LIGHT, "GFP_TRANSHUGE_LIGHT"),
    (_HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE"), (_USER | 0x02, "GFP_HIGHUSER"),
    (_USER, "GFP_USER"), (0xCC0 | 0x400000, "GFP_KERNEL_ACCOUNT"), (0xCC0, "GFP_KERNEL"),
    (_RECLAIM | 0x40, "GFP_NOFS"), (0x20 | 0x200 | 0x800, "GFP_ATOMIC"),
    (_RECLAIM, "GFP_NOIO"), (0x800, "GFP_NOWAIT"), (0x01, "GFP_DMA"),
    (0x02, "__GFP_HIGHMEM"), (0x04, "GFP_DMA32"), (0x20, "__GFP_HIGH"),
    (0x200, "__GFP_ATOMIC"), (0x40, "__GFP_IO"), (0x80, "__GFP_FS"),
    (0x2000, "__GFP_NOWARN"), (0x4000, "__GFP_RETRY_MAYFAIL"), (0x8000, "__GFP_NOFAIL"),
    (0x10000, "__GFP_NORETRY"), (0x40000, "__GFP_COMP"), (0x100, "__GFP_ZERO"),
    (0x80000, "__GFP_NOMEMALLOC"), (0x20000, "__GFP_MEMALLOC"), (0x100000, "__GFP_HARDWALL"),
    (0x200000, "__GFP_THISNODE"), (0x10, "__GFP_RECLAIMABLE"), (0x08, "__GFP_MOVABLE"),
    (0x400000, "__GFP_ACCOUNT"), (0x1000, "__GFP_WRITE"), (_RECLAIM, "__GFP_RECLAIM"),
    (0x400, "__GFP_DIRECT_RECLAIM"), (0x800, "__GFP_KSWAPD_RECLAIM"),
    (0x800000, "__GFP_ZEROTAGS"),
)  # fmt: skip


def format_flags(flags: int, names: Sequence[tuple[int, str]]) -> str:
    """format_flags(): each name whose whole mask is set, '|'-joined, then what is left."""
    out: list[str] = []
    for mask, name in names:
        if not flags:
            break
        if flags & mask == mask:
            out.append(name)
            flags &= ~mask
    if flags:
        out.append(f"{flags:#x}")
    return "|".join(out)


def page_flags(flags: int) -> str:
    """format_page_flags(): the number, then (names|field=value...)."""
    parts = []
    main = flags & ((1 << NR_PAGEFLAGS) - 1)
    if main:
        parts.append(format_flags(main, [(1 << bit, name) for bit, name in PAGE_FLAG_NAMES]))
    for name, shift, width in PAGE_FIELDS:
        parts.append(f"{name}={flags >> shift & ((1 << width) - 1)}")
    return f"{flags:#x}({'|'.join(parts)})"
