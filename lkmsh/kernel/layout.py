"""The kernel's virtual address map (x86-64), in one place; see docs/abi.md."""

from __future__ import annotations

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
PAGE_MASK = ~(PAGE_SIZE - 1)

#: Kernel text: one trap slot per kernel API function (Linux's _text).
KERNEL_TEXT_BASE = 0xFFFFFFFF81000000
KERNEL_TEXT_SIZE = 0x01000000
#: Kernel variables modules may use (jiffies, ...).
KERNEL_DATA_BASE = 0xFFFFFFFF82000000
KERNEL_DATA_SIZE = 0x01000000
#: One page just below _text holding the CPU's return slot (where a call from
#: Python into module code ends); outside the trap range on purpose.
CPU_RETURN_PAGE = KERNEL_TEXT_BASE - PAGE_SIZE

#: Modules area (Linux's MODULES_VADDR); 1 GiB keeps every module within
#: +-2 GiB of kernel text, so PC32 calls into trap slots always fit.
MODULES_BASE = 0xFFFFFFFFA0000000
MODULES_SIZE = 0x40000000

#: Direct map (Linux's PAGE_OFFSET): the slab heap lives here.
DIRECT_MAP_BASE = 0xFFFF888000000000
DIRECT_MAP_SIZE = 1 << 40

#: Stacks for calls into module code (Linux's vmalloc area, where vmapped
#: stacks live).
STACKS_BASE = 0xFFFFC90000000000
STACKS_SIZE = 1 << 32
STACK_SIZE = 16 * 1024
STACK_GUARD = PAGE_SIZE

#: Where the emulated machine's physical memory starts (backing of regions).
PHYS_BASE = 0x100000
PHYS_LIMIT = 1 << 46


def page_align_down(value: int) -> int:
    return value & PAGE_MASK


def page_align_up(value: int) -> int:
    return (value + PAGE_SIZE - 1) & PAGE_MASK


def is_canonical(vaddr: int) -> bool:
    """x86-64 48-bit canonical form: bits 63..47 all equal."""
    top = vaddr >> 47
    return top == 0 or top == (1 << 17) - 1
