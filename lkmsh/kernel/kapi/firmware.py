"""The firmware loader from module code (<linux/firmware.h>): request_firmware and its
variants, release_firmware, as drivers/base/firmware_loader/main.c of Linux 6.1
runs them.

``_request_firmware`` is main.c's: names with a ".." component are refused, a
cached image of the name is shared (a batched request), else the search path
is walked (firmware.py reads the host) for NAME, then NAME.xz; what it finds
is in a vmalloc'd kernel buffer (or the driver's, for the into-buffer calls),
``struct firmware`` is kzalloc'd for the driver. dmesg says what Linux's says
("Direct firmware load for %s failed with error %d", "loading %s failed with
error %d", the ".." refusal, xz's failure), as dev_warn with the device's
prefix. There is no sysfs fallback (CONFIG_FW_LOADER_USER_HELPER is not set in
Debian's 6.1) and no EFI-embedded firmware, so those fallbacks keep the error.

request_firmware_nowait() queues a ``struct firmware_work`` on system_wq whose
function, request_firmware_work_func, is kernel library C (klib/firmware.c):
it calls ``_request_firmware`` and then the driver's callback from the kworker,
so the callback may sleep as on Linux.
"""

from __future__ import annotations

import errno as E
import os
from typing import TYPE_CHECKING

from lkmsh.kernel.cstructs import cstruct
from lkmsh.kernel.firmware import (
    FW_MAX_SIZE,
    FW_OPT_FALLBACK_PLATFORM,
    FW_OPT_NO_WARN,
    FW_OPT_NOCACHE,
    FW_OPT_NOFALLBACK_SYSFS,
    FW_OPT_NOWAIT,
    FW_OPT_PARTIAL,
    FW_OPT_UEVENT,
    FW_OPT_USERHELPER,
    INT_MAX,
    PATH_MAX,
    FwPriv,
    Handed,
)
from lkmsh.kernel.heap import KERNEL_OWNER, KIND_VMALLOC
from lkmsh.kernel.kapi.chrdev import dev_message
from lkmsh.kernel.kapi.common import cstr, owner
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.kapi.slab import _free
from lkmsh.kernel.workqueue import WORK
from lkmsh.kernel.xzdec import XzDec, XzMode, XzRet

if TYPE_CHECKING:
    from collections.abc import Callable

    from lkmsh.kernel.callctx import CallContext
    from lkmsh.kernel.firmware import Firmware

FIRMWARE = cstruct("struct firmware", "linux/firmware.h", 24, data=(8, 8), priv=(16, 8))
FW_SIZE = 0  # size_t size: first (cstruct() cannot name "size")
FW_DATA, FW_PRIV = FIRMWARE.off("data"), FIRMWARE.off("priv")
#: drivers/base/firmware_loader/main.c's struct firmware_work (klib/firmware.c has it too)
FW_WORK_SIZE = 80
WORK_MODULE, WORK_NAME, WORK_DEVICE, WORK_CONTEXT, WORK_CONT, WORK_FLAGS = 32, 40, 48, 56, 64, 72
WORK_FUNC = "request_firmware_work_func"
GFP_MASK = 0xFFFFFFFF


def _fw(ctx: CallContext) -> Firmware:
    return ctx.kernel.firmware


def _name_bytes(ctx: CallContext, addr: int) -> bytes:
    return cstr(ctx, addr, PATH_MAX + 1)


def _shown(name: bytes) -> str:
    return name.decode("utf-8", "replace")


def _warn(ctx: CallContext, dev: int, text: str) -> None:
    dev_message(ctx, 4, dev, text)


def name_contains_dotdot(name: bytes) -> bool:
    """A ".." path component: the name may not climb out of the firmware directories."""
    return name == b".." or name.startswith(b"../") or b"/../" in name or name.endswith(b"/..")


# -- the images ----------------------------------------------------------------------


def _kernel_buffer(ctx: CallContext, size: int) -> int:
    """A vmalloc'd image buffer of the firmware loader's own."""
    return ctx.kernel.heap.alloc(size, KERNEL_OWNER, ctx.caller, kind=KIND_VMALLOC, managed=True)


def _decompress_xz(ctx: CallContext, dev: int, priv: FwPriv, packed: bytes) -> int:
    """fw_decompress_xz(): into the driver's buffer in one shot, else into pages."""

    def fetch(off: int, n: int) -> bytes:
        return packed[off : off + n]

    out = bytearray()

    def emit(off: int, piece: bytes) -> None:
        out[off : off + len(piece)] = piece

    if priv.data:  # a pre-allocated buffer: single-shot mode
        room = priv.allocated_size
        ret, _, made = XzDec(XzMode.SINGLE, 0).run(fetch, len(packed), room, emit)
    else:  # pages grown as the output needs them, up to lkmsh's bound
        ret, _, made = XzDec(XzMode.DYNALLOC, 0xFFFFFFFF).run(
            fetch, len(packed), FW_MAX_SIZE + 1, emit
        )
        if ret is XzRet.OK and made > FW_MAX_SIZE:
            return -E.ENOMEM  # fw_grow_paged_buf() finding no page
    if ret is not XzRet.STREAM_END:
        _warn(ctx, dev, f"xz decompression failed (xz_ret={int(ret)})")
        return -E.ENOMEM if ret is XzRet.MEM_ERROR else -E.EINVAL
    if priv.data:
        ctx.mem.write(priv.data, bytes(out[:made]))
    else:
        buf = _kernel_buffer(ctx, max(made, 1))
        if not buf:
            return -E.ENOMEM
        ctx.kernel.mem.write(buf, bytes(out[:made]))
        priv.data, priv.own_data = buf, True
    priv.size = made
    return 0


def _filesystem(
    ctx: CallContext,
    dev: int,
    priv: FwPriv,
    suffix: str,
    decompress: Callable[[CallContext, int, FwPriv, bytes], int] | None,
) -> int:
    """fw_get_filesystem_firmware(): each directory of the search path in turn."""
    fw = _fw(ctx)
    rc = -E.ENOENT
    into = not decompress and bool(priv.data)
    msize = priv.allocated_size if into else INT_MAX
    partial = bool(priv.opt_flags & FW_OPT_PARTIAL) and into
    for base in fw.search_paths():
        path = f"{base}/{priv.name}{suffix}"
        if len(os.fsencode(path)) >= PATH_MAX:
            rc = -E.ENAMETOOLONG
            break
        priv.size = 0
        got = fw.read_file(path, priv.offset, min(msize, FW_MAX_SIZE), partial)
        if not isinstance(got, int) and not into and not decompress:
            buf = _kernel_buffer(ctx, max(len(got), 1))  # kernel_read_file's vmalloc
            if not buf:
                got = -E.ENOMEM
            else:
                ctx.kernel.mem.write(buf, got)
                priv.data, priv.own_data = buf, True
        if isinstance(got, int):
            rc = got
            if rc != -E.ENOENT:
                _warn(ctx, dev, f"loading {_shown(os.fsencode(path))} failed with error {rc}")
            continue
        rc = 0
        if decompress:
            rc = decompress(ctx, dev, priv, got)
            if rc:
                continue
        else:
            if into:
                ctx.mem.write(priv.data, got)  # the driver's buffer: its permissions hold
            priv.size = len(got)
        break
    return rc


# -- _request_firmware -----------------------------------------------------------------


def _release(ctx: CallContext, fw: int) -> None:
    """release_firmware(): the image's reference, then the struct firmware."""
    if not fw:
        return
    state = _fw(ctx)
    h = state.handed.pop(fw, None)
    priv = h.priv if h is not None else ctx.mem.read_u64(fw + FW_PRIV)
    if priv in state.privs:
        state.put_priv(priv)
    elif not priv:  # loaded directly (no fw_priv): its data is the loader's vmalloc
        data = ctx.mem.read_u64(fw + FW_DATA)
        if data and ctx.kernel.heap.lookup(data) is not None:
            _free(ctx, data, KIND_VMALLOC)
    _free(ctx, fw)


def request(
    ctx: CallContext, fw_p: int, name_addr: int, dev: int, buf: int, size: int, offset: int,
    opt_flags: int,
) -> int:  # fmt: skip
    """_request_firmware(): 0 and *@fw_p set, or -errno and *@fw_p NULL."""
    if not fw_p:
        return -E.EINVAL
    state = _fw(ctx)
    fw = 0
    ret = _request(ctx, state, name_addr, dev, buf, size, offset, opt_flags)
    if isinstance(ret, tuple):
        ret, fw = ret
    ctx.mem.write_u64(fw_p, fw)
    return ret


def _request(
    ctx: CallContext, state: Firmware, name_addr: int, dev: int, buf: int, size: int,
    offset: int, opt_flags: int,
) -> int | tuple[int, int]:  # fmt: skip
    name = _name_bytes(ctx, name_addr) if name_addr else b""
    if not name:
        return -E.EINVAL
    if name_contains_dotdot(name):
        _warn(ctx, dev, f"Firmware load for '{_shown(name)}' refused, path contains '..' component")
        return -E.EINVAL
    key = os.fsdecode(name)
    # _request_firmware_prepare(): the struct firmware, a shared or a new fw_priv
    heap = ctx.kernel.heap
    fw = heap.alloc(FIRMWARE.size, owner(ctx), ctx.caller, zero=True)
    if not fw:
        _warn_err(ctx, dev, "_request_firmware_prepare: kmalloc(struct firmware) failed")
        return -E.ENOMEM
    shared = None if opt_flags & (FW_OPT_NOCACHE | FW_OPT_PARTIAL) else state.lookup(key)
    if shared is not None:  # a batched request: the image is there already
        shared.refs += 1
        _assigned(ctx, state, fw, shared)
        return 0, fw
    addr = state.alloc_priv()
    if not addr:
        _free(ctx, fw)
        return -E.ENOMEM
    priv = FwPriv(addr, key, opt_flags, data=buf, allocated_size=size if buf else 0,
                  offset=offset, cached=not opt_flags & FW_OPT_NOCACHE)  # fmt: skip
    state.add_priv(priv)
    ctx.mem.write_u64(fw + FW_PRIV, addr)
    ret = _filesystem(ctx, dev, priv, "", None)
    nondirect = not opt_flags & FW_OPT_PARTIAL  # only full reads decompress or fall back
    if ret == -E.ENOENT and nondirect:
        ret = _filesystem(ctx, dev, priv, ".xz", _decompress_xz)
    # firmware_fallback_platform(): no EFI-embedded firmware (-ENOENT stays)
    if ret:
        if not opt_flags & FW_OPT_NO_WARN:
            _warn(ctx, dev, f"Direct firmware load for {_shown(name)} failed with error {ret}")
        # firmware_fallback_sysfs(): CONFIG_FW_LOADER_USER_HELPER is not set, the error stays
    else:
        ret = _assign(ctx, state, fw, priv, dev)
    if ret < 0:
        state.put_priv(addr)
        _free(ctx, fw)
        return ret
    return 0, fw


def _warn_err(ctx: CallContext, dev: int, text: str) -> None:
    dev_message(ctx, 3, dev, text)


def _assigned(ctx: CallContext, state: Firmware, fw: int, priv: FwPriv) -> None:
    """fw_set_page_data(): the driver's struct firmware points at the image."""
    mem = ctx.kernel.mem
    mem.write_u64(fw + FW_SIZE, priv.size)
    mem.write_u64(fw + FW_DATA, priv.data)
    mem.write_u64(fw + FW_PRIV, priv.addr)
    state.handed[fw] = Handed(fw, priv.addr, owner(ctx))


def _assign(ctx: CallContext, state: Firmware, fw: int, priv: FwPriv, dev: int) -> int:
    """assign_fw(): an empty image is -ENOENT; a cached uevent request's name goes into
    the device's devres list."""
    if not priv.size:
        return -E.ENOENT
    if dev and priv.opt_flags & FW_OPT_UEVENT and not priv.opt_flags & FW_OPT_NOCACHE:
        state.add_devm_name(dev, priv.name)
    _assigned(ctx, state, fw, priv)
    return 0


# -- the API ------------------------------------------------------------------------------


def _sync(ctx: CallContext, flags: int) -> int:
    return request(ctx, ctx.arg(0), ctx.arg(1), ctx.arg(2), 0, 0, 0, flags)


@kapi(
    "request_firmware",
    "int request_firmware(const struct firmware **fw, const char *name, struct device *device)",
)
def request_firmware(ctx: CallContext) -> int:
    return _sync(ctx, FW_OPT_UEVENT)


@kapi(
    "firmware_request_nowarn",
    "int firmware_request_nowarn(const struct firmware **fw, const char *name, "
    "struct device *device)",
    gpl=True,
)
def firmware_request_nowarn(ctx: CallContext) -> int:
    return _sync(ctx, FW_OPT_UEVENT | FW_OPT_NO_WARN)


@kapi(
    "request_firmware_direct",
    "int request_firmware_direct(const struct firmware **fw, const char *name, "
    "struct device *device)",
    gpl=True,
)
def request_firmware_direct(ctx: CallContext) -> int:
    return _sync(ctx, FW_OPT_UEVENT | FW_OPT_NO_WARN | FW_OPT_NOFALLBACK_SYSFS)


@kapi(
    "firmware_request_platform",
    "int firmware_request_platform(const struct firmware **fw, const char *name, "
    "struct device *device)",
    gpl=True,
)
def firmware_request_platform(ctx: CallContext) -> int:
    return _sync(ctx, FW_OPT_UEVENT | FW_OPT_FALLBACK_PLATFORM)


@kapi(
    "request_firmware_into_buf",
    "int request_firmware_into_buf(const struct firmware **firmware_p, const char *name, "
    "struct device *device, void *buf, size_t size)",
)
def request_firmware_into_buf(ctx: CallContext) -> int:
    name = _name_bytes(ctx, ctx.arg(1)) if ctx.arg(1) else b""
    if _fw(ctx).cache_is_setup(ctx.arg(2), os.fsdecode(name)):
        return -E.EOPNOTSUPP
    return request(ctx, ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.arg(4), 0,
                   FW_OPT_UEVENT | FW_OPT_NOCACHE)  # fmt: skip


@kapi(
    "request_partial_firmware_into_buf",
    "int request_partial_firmware_into_buf(const struct firmware **firmware_p, "
    "const char *name, struct device *device, void *buf, size_t size, size_t offset)",
)
def request_partial_firmware_into_buf(ctx: CallContext) -> int:
    name = _name_bytes(ctx, ctx.arg(1)) if ctx.arg(1) else b""
    if _fw(ctx).cache_is_setup(ctx.arg(2), os.fsdecode(name)):
        return -E.EOPNOTSUPP
    return request(ctx, ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.arg(4), ctx.arg(5),
                   FW_OPT_UEVENT | FW_OPT_NOCACHE | FW_OPT_PARTIAL)  # fmt: skip


@kapi("release_firmware", "void release_firmware(const struct firmware *fw)")
def release_firmware(ctx: CallContext) -> None:
    _release(ctx, ctx.arg(0))


@kapi(
    "firmware_request_cache",
    "int firmware_request_cache(struct device *device, const char *name)",
    gpl=True,
)
def firmware_request_cache(ctx: CallContext) -> int:
    name = _name_bytes(ctx, ctx.arg(1)) if ctx.arg(1) else b""
    _fw(ctx).add_devm_name(ctx.arg(0), os.fsdecode(name))
    return 0


@kapi(
    "firmware_request_builtin",
    "bool firmware_request_builtin(struct firmware *fw, const char *name)",
    gpl=True,
)
def firmware_request_builtin(ctx: CallContext) -> int:
    """CONFIG_EXTRA_FIRMWARE is empty (Debian's): no firmware is built in."""
    return 0


# -- request_firmware_nowait ----------------------------------------------------------------


@kapi(
    "request_firmware_nowait",
    "int request_firmware_nowait(struct module *module, bool uevent, const char *name, "
    "struct device *device, gfp_t gfp, void *context, "
    "void (*cont)(const struct firmware *fw, void *context))",
)
def request_firmware_nowait(ctx: CallContext) -> int:
    k = ctx.kernel
    module_addr, uevent, name_addr, dev = ctx.arg(0), ctx.arg(1) & 0xFF, ctx.arg(2), ctx.arg(3)
    heap, who = k.heap, owner(ctx)
    work = heap.alloc(FW_WORK_SIZE, who, ctx.caller, zero=True, gfp=ctx.arg(4) & GFP_MASK)
    if not work:
        return -E.ENOMEM
    name = _name_bytes(ctx, name_addr) if name_addr else b""
    copy = heap.alloc(len(name) + 1, who, ctx.caller, gfp=ctx.arg(4) & GFP_MASK)
    if not copy:  # kstrdup_const()
        _free(ctx, work)
        return -E.ENOMEM
    k.mem.write(copy, name + b"\0")
    flags = FW_OPT_NOWAIT | (FW_OPT_UEVENT if uevent else FW_OPT_USERHELPER)
    module = k.module_by_struct(module_addr) if module_addr else None
    refused = 0
    if not uevent and _fw(ctx).cache_is_setup(dev, os.fsdecode(name)):
        refused = -E.EOPNOTSUPP
    elif module_addr and (module is None or not k.module_get(module)):
        refused = -E.EFAULT  # try_module_get() failed
    if refused:
        _free(ctx, copy)
        _free(ctx, work)
        return refused
    mem = k.mem
    for off, value in ((WORK_MODULE, module_addr), (WORK_NAME, copy), (WORK_DEVICE, dev),
                       (WORK_CONTEXT, ctx.arg(5)), (WORK_CONT, ctx.arg(6))):  # fmt: skip
        mem.write_u64(work + off, value)
    mem.write_u32(work + WORK_FLAGS, flags)
    entry = work + WORK.off("entry")  # INIT_WORK
    mem.write_u64(entry, entry)
    mem.write_u64(entry + 8, entry)
    mem.write_u64(work + WORK.off("func"), k.klib_function(WORK_FUNC))
    wqs = k.workqueues
    wqs.queue(wqs.system("system_wq"), work)  # schedule_work()
    return 0


@kapi(
    "_request_firmware",
    "int _request_firmware(const struct firmware **firmware_p, const char *name, "
    "struct device *device, void *buf, size_t size, size_t offset, u32 opt_flags)",
)
def _request_firmware(ctx: CallContext) -> int:
    """main.c's static function, for request_firmware_work_func (klib/firmware.c): not an
    export (kimage.py's KERNEL_ONLY)."""
    a = ctx.arg
    return request(ctx, a(0), a(1), a(2), a(3), a(4), a(5), a(6) & 0xFFFFFFFF)
