"""User memory from module code (<linux/uaccess.h>): the copies behind copy_to_user,
copy_from_user, get_user, put_user, strncpy_from_user and clear_user.

They never fault: a bad user pointer gives a short count (or -EFAULT), as
Linux's exception fixups give (kernel/uaccess.py checks the ranges).
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext


@kapi(
    "_copy_to_user",
    "unsigned long _copy_to_user(void __user *to, const void *from, unsigned long n)",
)
def copy_to_user(ctx: CallContext) -> int:
    return ctx.kernel.user.copy_to_user(ctx.arg(0), ctx.arg(1), ctx.arg(2))


@kapi(
    "_copy_from_user",
    "unsigned long _copy_from_user(void *to, const void __user *from, unsigned long n)",
)
def copy_from_user(ctx: CallContext) -> int:
    return ctx.kernel.user.copy_from_user(ctx.arg(0), ctx.arg(1), ctx.arg(2))


@kapi(
    "strncpy_from_user",
    "long strncpy_from_user(char *dst, const char __user *src, long count)",
)
def strncpy_from_user(ctx: CallContext) -> int:
    return ctx.kernel.user.strncpy_from_user(ctx.arg(0), ctx.arg(1), ctx.sarg(2))


@kapi("strnlen_user", "long strnlen_user(const char __user *str, long n)")
def strnlen_user(ctx: CallContext) -> int:
    n = ctx.sarg(1)
    return ctx.kernel.user.strnlen_user(ctx.arg(0), n) if n > 0 else 0


@kapi("clear_user", "unsigned long clear_user(void __user *mem, unsigned long len)")
def clear_user(ctx: CallContext) -> int:
    return ctx.kernel.user.clear_user(ctx.arg(0), ctx.arg(1))


@kapi("check_zeroed_user", "int check_zeroed_user(const void __user *from, size_t size)")
def check_zeroed_user(ctx: CallContext) -> int:
    """1 if the user range is all zero, 0 if a byte is not, -EFAULT (behind the inline
    copy_struct_from_user)."""
    return ctx.kernel.user.check_zeroed(ctx.arg(0), ctx.arg(1))


PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4
MAP_FIXED, MAP_ANONYMOUS = 0x10, 0x20
MAP_TYPE = 0x0F
MASK64 = (1 << 64) - 1


@kapi(
    "vm_mmap",
    "unsigned long vm_mmap(struct file *file, unsigned long addr, unsigned long len,"
    " unsigned long prot, unsigned long flag, unsigned long offset)",
)
def vm_mmap(ctx: CallContext) -> int:
    """Anonymous memory in the command's task (lkmsh maps no file), at an address of its
    choosing; a kthread, which has no mm, gets -EINVAL. The error as Linux returns it:
    a negative errno in the unsigned long."""
    from lkmsh.kernel.kapi.kthread import sched_of
    from lkmsh.kernel.memory import Perm
    from lkmsh.kernel.task import Kind

    file, _hint, length, prot, flags = (ctx.arg(i) for i in range(5))
    sched = sched_of(ctx)
    task = sched.current if sched is not None else None
    if task is None or task.kind is not Kind.USER:
        return -errno.EINVAL & MASK64
    if file or not flags & MAP_ANONYMOUS:
        return -errno.ENODEV & MASK64
    if flags & MAP_FIXED or not flags & MAP_TYPE or not length:
        return -errno.EINVAL & MASK64
    if length > 1 << 40:
        return -errno.ENOMEM & MASK64
    perm = Perm(0)
    for bit, p in ((PROT_READ, Perm.R), (PROT_WRITE, Perm.W), (PROT_EXEC, Perm.X)):
        if prot & bit:
            perm |= p
    addr = ctx.kernel.user.mmap(length, perm)
    return addr if addr is not None else -errno.ENOMEM & MASK64


@kapi("vm_munmap", "int vm_munmap(unsigned long start, size_t len)")
def vm_munmap(ctx: CallContext) -> int:
    start, length = ctx.arg(0), ctx.arg(1)
    if start & 0xFFF or not length:
        return -errno.EINVAL
    ctx.kernel.user.munmap(start, length)
    return 0


@kapi(
    "copy_from_kernel_nofault",
    "long copy_from_kernel_nofault(void *dst, const void *src, size_t size)",
    gpl=True,
)
def copy_from_kernel_nofault(ctx: CallContext) -> int:
    """mm/maccess.c: -EFAULT for memory that is not there instead of an Oops; on x86-64
    a user (or non-canonical) source is refused first with -ERANGE, as
    copy_from_kernel_nofault_allowed refuses it."""
    from lkmsh.errors import BadAddress
    from lkmsh.kernel.uaccess import TASK_SIZE_MAX

    dst, src, size = ctx.arg(0), ctx.arg(1), ctx.arg(2)
    if getattr(getattr(ctx.kernel, "arch", None), "family", "") == "x86":
        canonical = src >> 47 in (0, (1 << 17) - 1)
        if src < TASK_SIZE_MAX["x86_64"] + 4096 or not canonical:
            return -errno.ERANGE & (1 << 64) - 1
    try:
        data = ctx.mem.read(src, size)
    except BadAddress:
        return -errno.EFAULT & (1 << 64) - 1
    ctx.mem.write(dst, data)
    return 0
