"""User memory from module code (<linux/uaccess.h>): the copies behind copy_to_user,
copy_from_user, get_user, put_user, strncpy_from_user and clear_user.

They never fault: a bad user pointer gives a short count (or -EFAULT), as
Linux's exception fixups give (kernel/uaccess.py checks the ranges).
"""

from __future__ import annotations

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
