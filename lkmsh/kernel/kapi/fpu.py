"""Kernel-mode FPU use (<asm/fpu/api.h>): kernel_fpu_begin_mask / kernel_fpu_end."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

KFPU_387 = 1 << 0
KFPU_MXCSR = 1 << 1


@kapi("kernel_fpu_begin_mask", "void kernel_fpu_begin_mask(unsigned int kfpu_mask)", gpl=True)
def kernel_fpu_begin_mask(ctx: CallContext) -> None:
    """The FPU is the kernel's until kernel_fpu_end: MXCSR's default, a reset x87 unit."""
    mask = ctx.arg(0)
    ctx.kernel.fpu_defaults(mxcsr=bool(mask & KFPU_MXCSR), x87=bool(mask & KFPU_387))


@kapi("kernel_fpu_end", "void kernel_fpu_end(void)", gpl=True)
def kernel_fpu_end(ctx: CallContext) -> None:
    """Nothing to give back: no user program's FPU state is live in lkmsh's kernel."""


@kapi("irq_fpu_usable", "bool irq_fpu_usable(void)", gpl=True)
def irq_fpu_usable(ctx: CallContext) -> int:
    return 1
