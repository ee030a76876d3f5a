"""Call traces as Linux prints them: every module frame, then the kernel path that ran it.

Modules are built with frame pointers, so the reliable frames come from the
frame-record chain (``[fp]`` the caller's fp, ``[fp+8]`` the return address;
x86-64's rbp chain and arm64's x29 records have the same shape). On x86-64
Linux's frame-pointer unwinder also prints every other text address it finds
on the stack, marked ``? `` (a leaf function without a frame leaves its
caller's return address there); arm64's unwinder prints frame records only.

Below the module code, the kernel functions that called it: module code runs
from lkmsh's Python kernel, so those frames are named as Linux 6.1 names them
for the same job (``do_one_initcall`` for an init, ``__do_sys_delete_module``
for an exit, the read path for a /proc file). Their offsets are nominal: no
machine code of lkmsh's stands behind them.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel

MAX_FRAMES = 16  # module frames a trace shows, at most (a runaway recursion)
MAX_SCAN_WORDS = 2048  # stack words a ``? `` scan looks at, at most

_X86_SYSCALL = (("do_syscall_64", 0x3B, 0x90), ("entry_SYSCALL_64_after_hwframe", 0x63, 0xCD))
_ARM64_SYSCALL = (
    ("invoke_syscall", 0x48, 0x114),
    ("el0_svc_common.constprop.0", 0x44, 0xF4),
    ("do_el0_svc", 0x2C, 0xD4),
    ("el0_svc", 0x2C, 0x84),
    ("el0t_64_sync_handler", 0xBC, 0x140),
    ("el0t_64_sync", 0x18C, 0x190),
)
_INIT = (
    ("do_one_initcall", 0x56, 0x230),
    ("do_init_module", 0x4A, 0x200),
    ("load_module", 0x1F3E, 0x2240),
    ("__do_sys_finit_module", 0xAC, 0x120),
)
_READ = (
    ("seq_read_iter", 0x11F, 0x460),
    ("seq_read", 0xAD, 0xE0),
    ("proc_reg_read", 0x57, 0xA0),
    ("vfs_read", 0xA6, 0x2E0),
    ("ksys_read", 0x67, 0xF0),
)


class KernelPath(enum.Enum):
    """Which kernel code runs the module code: what the trace shows below it."""

    INIT = "init"
    EXIT = "exit"
    PROC_READ = "proc_read"
    FILE_OPEN = "file_open"
    FILE_READ = "file_read"
    FILE_WRITE = "file_write"
    FILE_LSEEK = "file_lseek"
    FILE_IOCTL = "file_ioctl"
    FILE_RELEASE = "file_release"
    KUNIT = "kunit"  # a KUnit case, in its kunit_try_catch kthread
    KTHREAD = "kthread"  # a kthread's function (kthread_run)
    WORKER = "worker"  # a work item, in a kworker


_OPEN = (
    ("do_dentry_open", 0x1E6, 0x400),
    ("vfs_open", 0x2D, 0x40),
    ("path_openat", 0xB3D, 0x1000),
    ("do_filp_open", 0xB1, 0x160),
    ("do_sys_openat2", 0x9F, 0x160),
)
_FILE = {
    KernelPath.FILE_OPEN: _OPEN,
    KernelPath.FILE_READ: (("vfs_read", 0xA6, 0x2E0), ("ksys_read", 0x67, 0xF0)),
    KernelPath.FILE_WRITE: (("vfs_write", 0xCB, 0x3A0), ("ksys_write", 0x67, 0xF0)),
    KernelPath.FILE_LSEEK: (("ksys_lseek", 0x82, 0xC0),),
    KernelPath.FILE_IOCTL: (),
    KernelPath.FILE_RELEASE: (("__fput", 0x95, 0x280), ("task_work_run", 0x59, 0xA0)),
}
_X86_CALL = {
    KernelPath.FILE_OPEN: (("__x64_sys_openat", 0x55, 0x90),),
    KernelPath.FILE_IOCTL: (("__x64_sys_ioctl", 0x8D, 0xD0),),
}
_ARM64_CALL = {
    KernelPath.FILE_OPEN: ("__arm64_sys_openat", 0x68, 0xA0),
    KernelPath.FILE_READ: ("__arm64_sys_read", 0x24, 0x40),
    KernelPath.FILE_WRITE: ("__arm64_sys_write", 0x24, 0x40),
    KernelPath.FILE_LSEEK: ("__arm64_sys_lseek", 0x24, 0x40),
    KernelPath.FILE_IOCTL: ("__arm64_sys_ioctl", 0xAC, 0xF0),
    KernelPath.FILE_RELEASE: ("do_notify_resume", 0x1F0, 0x12C0),
}

_PATHS = {
    ("x86_64", KernelPath.INIT): (*_INIT, *_X86_SYSCALL),
    ("x86_64", KernelPath.EXIT): (("__do_sys_delete_module.constprop.0", 0x19C, 0x2B0),)
    + _X86_SYSCALL,
    ("x86_64", KernelPath.PROC_READ): (*_READ, *_X86_SYSCALL),
    ("aarch64", KernelPath.INIT): (
        *_INIT,
        ("__arm64_sys_finit_module", 0x28, 0x40),
        *_ARM64_SYSCALL,
    ),
    ("aarch64", KernelPath.EXIT): (("__arm64_sys_delete_module", 0x1A0, 0x2A0), *_ARM64_SYSCALL),
    ("aarch64", KernelPath.PROC_READ): (*_READ, ("__arm64_sys_read", 0x24, 0x40), *_ARM64_SYSCALL),
}
#: kunit_try_catch_run() runs each case in a kthread of its own (lib/kunit/try-catch.c)
_KUNIT = (
    ("kunit_try_run_case", 0x57, 0x90),
    ("kunit_generic_run_threadfn_adapter", 0x1C, 0x40),
    ("kthread", 0xE7, 0x110),
)
_WORKER = (("process_one_work", 0x1C7, 0x380), ("worker_thread", 0x4D, 0x380))
_KTHREAD = (("kthread", 0xE7, 0x110),)
for _arch, _fork in (
    ("x86_64", ("ret_from_fork", 0x22, 0x30)),
    ("aarch64", ("ret_from_fork", 0x10, 0x20)),
):
    _PATHS[(_arch, KernelPath.KUNIT)] = (*_KUNIT, _fork)
    _PATHS[(_arch, KernelPath.KTHREAD)] = (*_KTHREAD, _fork)
    _PATHS[(_arch, KernelPath.WORKER)] = (*_WORKER, *_KTHREAD, _fork)
for _path, _frames in _FILE.items():
    _PATHS[("x86_64", _path)] = (*_frames, *_X86_CALL.get(_path, ()), *_X86_SYSCALL)
    _PATHS[("aarch64", _path)] = (*_frames, _ARM64_CALL[_path], *_ARM64_SYSCALL)


def kernel_frames(arch: str, path: KernelPath | None) -> list[str]:
    """The kernel's own frames below the module code, as the trace prints them."""
    if path is None:
        return []
    return [f" {name}+{off:#x}/{size:#x}" for name, off, size in _PATHS[(arch, path)]]


def _is_module_text(kernel: Kernel, addr: int) -> bool:
    """Is @addr a return address into module code? (it may end a function that calls a noreturn one)"""
    for m in kernel.module_list_all():
        if m.contains(addr - 1):
            s = m.symbol_at(addr - 1)
            return s is not None and s.kind in ("t", "T")
    return False


def _chain(kernel: Kernel, fp: int) -> tuple[list[tuple[int, int]], bool]:
    """(slot, return address) of each frame record from @fp; True when it reached the kernel."""
    read = kernel.mem.read_u64
    frames: list[tuple[int, int]] = []
    for _ in range(MAX_FRAMES):
        try:
            ret, nxt = read(fp + 8), read(fp)
        except Exception:  # a bad fp ends the chain, as the unwinder's stack checks do
            return frames, False
        if ret == kernel.return_slot:
            return frames, True
        if not _is_module_text(kernel, ret):
            return frames, False
        frames.append((fp + 8, ret))
        if nxt <= fp:
            return frames, False
        fp = nxt
    return frames, False


def frame_returns(kernel: Kernel, fp: int) -> list[int]:
    """The return addresses of the module frame records from @fp (a parked task's stack,
    for livepatch's consistency checks)."""
    return [ret for _, ret in _chain(kernel, fp)[0]]


def _scan(kernel: Kernel, sp: int, reliable: set[int]) -> tuple[list[str], bool]:
    """Walk the stack words from @sp to the call's return into the kernel (x86-64).

    Returns the frames and whether the walk reached the kernel (a runaway
    recursion is cut at MAX_FRAMES frames, and then nothing follows).
    """
    mem = kernel.mem
    region = mem.region_at(sp)
    if region is None:
        return [], False
    end = min(region.vaddr + region.size, sp + 8 * MAX_SCAN_WORDS)
    lines: list[str] = []
    for at in range(sp, end - 7, 8):
        word = mem.read_u64(at)
        if word == kernel.return_slot:
            return lines, True
        if at in reliable:
            lines.append(f" {kernel.symbolize(word, ret=True)}")
        elif _is_module_text(kernel, word):
            lines.append(f" ? {kernel.symbolize(word, ret=True)}")
        if len(lines) >= MAX_FRAMES:
            break
    return lines, False


def module_trace(
    kernel: Kernel,
    *,
    sp: int,
    fp: int,
    ret: int | None = None,
    link: int | None = None,
    path: KernelPath | None = None,
) -> list[str]:
    """The frames of the module code running on the stack at @sp with frame pointer @fp.

    @ret is a return address known to be the innermost frame (a kernel API
    call's, found at [sp] on x86-64 and in the link register on arm64).
    @link is arm64's link register at a fault: a leaf function called by the
    kernel has no frame record, its lr returns to the kernel.
    """
    frames, reached = _chain(kernel, fp)
    reached = reached or (not frames and link == kernel.return_slot)
    chain = [f" {kernel.symbolize(r, ret=True)}" for _, r in frames]
    lines = [f" {kernel.symbolize(ret, ret=True)}"] if ret else []
    if kernel.arch.stack_scan and kernel.mem.region_at(sp) is not None:
        # [sp] holds @ret: the scan starts past it
        scanned, reached = _scan(kernel, sp + 8 if ret else sp, {slot for slot, _ in frames})
        lines += scanned
    else:
        lines += chain
    return lines + (kernel_frames(kernel.arch.name, path) if reached else [])
