"""KUnit's kernel functions: failed expectations, aborts, try-catch.

``kunit_do_failed_assertion`` gets the assertion record a failed
KUNIT_EXPECT_*/KUNIT_ASSERT_* built (layouts of <kunit/assert.h>) and the
address of its format function; the text is lib/kunit/assert.c's, word for
word, printed with kunit_err() as lib/kunit/test.c's kunit_fail() does. The
runner is lkmsh/kernel/kunit.py; the resource API (kunit_kmalloc_array,
kunit_kfree, kunit_cleanup, ...) is C in lkmsh/klib/kunit_resource.c.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.common import cstr, decode, formatter, owner
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.kunit import (
    FAILURE,
    INDENT,
    K_STATUS,
    K_TRY_CATCH,
    RunningCase,
)

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

SUB = INDENT
SUBSUB = INDENT * 2
KUNIT_LOG_SIZE = 512
ASSERTION, EXPECTATION = 0, 1
GFP_ZERO = 0x100
MASK64 = (1 << 64) - 1


def _s64(v: int) -> int:
    v &= MASK64
    return v - (1 << 64) if v >> 63 else v


def _text(ctx: CallContext, addr: int) -> str:
    return decode(cstr(ctx, addr)) if addr else "(null)"


def _binary_texts(ctx: CallContext, a: int) -> tuple[str, str, str]:
    """(operation, left_text, right_text) of the kunit_binary_assert_text at *a."""
    t = ctx.mem.read_u64(a)
    m = ctx.mem
    return _text(ctx, m.read_u64(t)), _text(ctx, m.read_u64(t + 8)), _text(ctx, m.read_u64(t + 16))


def _expected(ctx: CallContext, a: int) -> tuple[str, str, str]:
    op, left, right = _binary_texts(ctx, a)
    return f"{SUB}Expected {left} {op} {right}, but\n", left, right


def _fmt_fail(ctx: CallContext, a: int) -> str:
    return ""


def _fmt_unary(ctx: CallContext, a: int) -> str:
    cond = _text(ctx, ctx.mem.read_u64(a))
    if ctx.mem.read_u8(a + 8):
        return f"{SUB}Expected {cond} to be true, but is false\n"
    return f"{SUB}Expected {cond} to be false, but is true\n"


def _fmt_ptr_not_err(ctx: CallContext, a: int) -> str:
    text = _text(ctx, ctx.mem.read_u64(a))
    value = ctx.mem.read_u64(a + 8)
    if not value:
        return f"{SUB}Expected {text} is not null, but is\n"
    if value >= MASK64 - 4095 + 1:
        return f"{SUB}Expected {text} is not error, but is: {_s64(value)}\n"
    return ""


def _fmt_binary(ctx: CallContext, a: int) -> str:
    out, left, right = _expected(ctx, a)
    lv, rv = _s64(ctx.mem.read_u64(a + 8)), _s64(ctx.mem.read_u64(a + 16))
    if left != str(lv):
        out += f"{SUBSUB}{left} == {lv} ({lv & MASK64:#x})\n"
    if right != str(rv):
        out += f"{SUBSUB}{right} == {rv} ({rv & MASK64:#x})"
    return out


def _fmt_binary_ptr(ctx: CallContext, a: int) -> str:
    out, left, right = _expected(ctx, a)
    lv, rv = ctx.mem.read_u64(a + 8), ctx.mem.read_u64(a + 16)
    return out + f"{SUBSUB}{left} == {lv:016x}\n{SUBSUB}{right} == {rv:016x}"


def _is_str_literal(text: str, value: str) -> bool:
    return len(text) >= 2 and text[0] == '"' and text[-1] == '"' and text[1:-1] == value


def _fmt_binary_str(ctx: CallContext, a: int) -> str:
    out, left, right = _expected(ctx, a)
    lv, rv = _text(ctx, ctx.mem.read_u64(a + 8)), _text(ctx, ctx.mem.read_u64(a + 16))
    if not _is_str_literal(left, lv):
        out += f'{SUBSUB}{left} == "{lv}"\n'
    if not _is_str_literal(right, rv):
        out += f'{SUBSUB}{right} == "{rv}"'
    return out


def _hexdump(buf: bytes, other: bytes) -> str:
    out = SUBSUB
    for i, b in enumerate(buf):
        if i and not i % 16:
            out += "\n" + SUBSUB
        out += f"<{b:02x}>" if b != other[i] else f" {b:02x} "
    return out


def _fmt_mem(ctx: CallContext, a: int) -> str:
    out, left, right = _expected(ctx, a)
    m = ctx.mem
    lp, rp, size = m.read_u64(a + 8), m.read_u64(a + 16), m.read_u64(a + 24)
    size = min(size, 1 << 16)
    lb, rb = m.read(lp, size), m.read(rp, size)
    out += f"{SUBSUB}{left} ==\n" + _hexdump(lb, rb) + "\n"
    out += f"{SUBSUB}{right} ==\n" + _hexdump(rb, lb)
    return out


#: the format functions a failed assertion names, by kernel symbol
FORMATS: dict[str, Callable[[CallContext, int], str]] = {
    "kunit_fail_assert_format": _fmt_fail,
    "kunit_unary_assert_format": _fmt_unary,
    "kunit_ptr_not_err_assert_format": _fmt_ptr_not_err,
    "kunit_binary_assert_format": _fmt_binary,
    "kunit_binary_ptr_assert_format": _fmt_binary_ptr,
    "kunit_binary_str_assert_format": _fmt_binary_str,
    "kunit_mem_assert_format": _fmt_mem,
}


def _case(ctx: CallContext, test: int) -> RunningCase:
    return ctx.kernel.kunit.case_for(test)


def _message(ctx: CallContext, fmt: int, first: int) -> str:
    if not fmt:
        return ""
    return "\n" + decode(formatter(ctx).format(cstr(ctx, fmt), ctx.varargs(first)))


@kapi(
    "kunit_do_failed_assertion",
    "void kunit_do_failed_assertion(struct kunit *test, const struct kunit_loc *loc,"
    " enum kunit_assert_type type, const struct kunit_assert *assert,"
    " assert_format_t assert_format, const char *fmt, ...)",
    gpl=True,
)
def kunit_do_failed_assertion(ctx: CallContext) -> None:
    test, loc, kind, assertion, fmt_fn, fmt = (ctx.arg(i) for i in range(6))
    mem = ctx.mem
    mem.write_u32(test + K_STATUS, FAILURE)  # kunit_set_failure()
    line = mem.read_u32(loc) & 0xFFFFFFFF
    file = _text(ctx, mem.read_u64(loc + 8))
    which = "ASSERTION" if kind == ASSERTION else "EXPECTATION"
    slot = ctx.kernel.kernel_function_at(fmt_fn) or "kunit_fail_assert_format"
    body = FORMATS.get(slot, _fmt_fail)(ctx, assertion)
    message = _message(ctx, fmt, 6)
    if slot == "kunit_fail_assert_format":  # assert.c prints its message as "%pV", no "\n"
        message = message[1:]
    text = f"{which} FAILED at {file}:{line}\n{body}{message}"
    ctx.kernel.kunit.err(_case(ctx, test), text)
    if kind == ASSERTION:
        ctx.kernel.kunit.throw(test + K_TRY_CATCH)  # kunit_abort()


def _assert_format(name: str):
    @kapi(
        name,
        f"void {name}(const struct kunit_assert *assert, const struct va_format *message,"
        " struct string_stream *stream)",
        gpl=True,
    )
    def impl(ctx: CallContext) -> None:
        """Called directly (not through a failed assertion): print what it would add."""
        text = FORMATS[name](ctx, ctx.arg(0))
        runner = ctx.kernel.kunit
        if runner.current is not None and text:
            runner.err(runner.current, text)

    return impl


for _name in FORMATS:
    _assert_format(_name)


@kapi(
    "kunit_try_catch_throw",
    "void kunit_try_catch_throw(struct kunit_try_catch *try_catch)",
    gpl=True,
)
def kunit_try_catch_throw(ctx: CallContext) -> None:
    ctx.kernel.kunit.throw(ctx.arg(0))


@kapi(
    "kunit_try_catch_run",
    "void kunit_try_catch_run(struct kunit_try_catch *try_catch, void *context)",
    gpl=True,
)
def kunit_try_catch_run(ctx: CallContext) -> None:
    """try(context) in a kthread of its own, waited for; catch(context) if it threw."""
    from lkmsh.kernel.kunit import COMPLETION_SIZE, TC_CATCH, TC_CONTEXT, TryCall

    try_catch, context = ctx.arg(0), ctx.arg(1)
    kernel = ctx.kernel
    ctx.mem.write_u64(try_catch + TC_CONTEXT, context)
    catch = ctx.mem.read_u64(try_catch + TC_CATCH)
    completion = kernel.heap.alloc(COMPLETION_SIZE, owner(ctx), ctx.caller, zero=True)
    if not completion:
        return None

    def run_catch() -> None:
        if catch:
            kernel.call(catch, [context])

    left = kernel.kunit.left_behind
    try:
        kernel.kunit.try_catch_run(
            try_catch, TryCall(kernel.kunit, try_catch), run_catch, completion
        )
    finally:
        if kernel.kunit.left_behind == left:  # a thread left behind would complete it
            kernel.heap.free(completion, ctx.caller)
    return None


@kapi("kunit_log_append", "void kunit_log_append(char *log, const char *fmt, ...)", gpl=True)
def kunit_log_append(ctx: CallContext) -> None:
    log = ctx.arg(0)
    if not log:
        return
    have = cstr(ctx, log, KUNIT_LOG_SIZE)
    left = KUNIT_LOG_SIZE - len(have) - 1
    if left <= 0:
        return
    line = formatter(ctx).format(cstr(ctx, ctx.arg(1)), ctx.varargs(2))[: KUNIT_LOG_SIZE - 1]
    ctx.mem.write(log + len(have), line[:left] + b"\0")


@kapi("kunit_enabled", "bool kunit_enabled(void)", gpl=True)
def kunit_enabled(ctx: CallContext) -> int:
    return 1


def _case_addrs(ctx: CallContext, suite: int) -> list[int]:
    return ctx.kernel.kunit._cases(suite)


@kapi(
    "kunit_suite_num_test_cases",
    "size_t kunit_suite_num_test_cases(struct kunit_suite *suite)",
    gpl=True,
)
def kunit_suite_num_test_cases(ctx: CallContext) -> int:
    return len(_case_addrs(ctx, ctx.arg(0)))


@kapi(
    "kunit_test_case_num",
    "unsigned int kunit_test_case_num(struct kunit_suite *suite, struct kunit_case *test_case)",
    gpl=True,
)
def kunit_test_case_num(ctx: CallContext) -> int:
    cases = _case_addrs(ctx, ctx.arg(0))
    return cases.index(ctx.arg(1)) + 1 if ctx.arg(1) in cases else 0


@kapi(
    "kunit_suite_has_succeeded",
    "enum kunit_status kunit_suite_has_succeeded(struct kunit_suite *suite)",
    gpl=True,
)
def kunit_suite_has_succeeded(ctx: CallContext) -> int:
    from lkmsh.kernel.kunit import S_INIT_ERR

    suite = ctx.arg(0)
    return ctx.kernel.kunit._suite_status(
        ctx.mem.read_u32(suite + S_INIT_ERR), _case_addrs(ctx, suite)
    )
