"""What must hold for any input, shared by the fuzz tests and bench/fuzz_campaign.py.

``check_insmod``: the image loads (and then unloads back to the same kernel)
or fails with a KernelError whose errno is one a loader may give, and the
module list, symbol table, address space, heap and /proc are as before.
``check_modinfo``: .modinfo reads or fails with ElfError (ENOEXEC).
``check_depmod``: depmod over a tree holding the file finishes; a bad file
is a diagnostic, not an exception.
"""

from __future__ import annotations

import errno
import hashlib
from dataclasses import dataclass

from lkmsh.errors import ElfError, InitFailed, KernelError

#: What a mutated image may legitimately fail with: a bad format, bad
#: parameters, unknown symbols (a mangled name), a crash or watchdog in its
#: (mangled) code, too big or too much memory, a name clash.
LOAD_ERRNOS = {
    errno.ENOEXEC,
    errno.EINVAL,
    errno.ENOENT,
    errno.EFAULT,
    errno.ENOMEM,
    errno.EFBIG,
    errno.EEXIST,
    errno.ERANGE,
    errno.EPERM,
}


@dataclass(frozen=True)
class Fingerprint:
    modules: tuple[str, ...]
    symbols: frozenset[tuple[str, int, str | None]]
    regions: tuple[tuple[int, int, str], ...]
    heap: int
    proc: tuple[str, ...]
    #: every byte of kernel text and module memory, and of each live heap object
    #: (free heap memory is poisoned on purpose; kernel data holds the clock)
    memory: tuple[tuple[int, str], ...] = ()

    @classmethod
    def of(cls, kernel) -> Fingerprint:
        return cls(
            tuple(m.name for m in kernel.module_list_all()),
            frozenset((s.name, s.addr, s.owner) for s in kernel.symbols()),
            tuple(
                (r.vaddr, r.size, r.name)
                for r in kernel.mem.regions()
                if not r.transient and not r.name.startswith("slab:")  # caches keep pages
            ),
            len(kernel.heap.allocations()),
            tuple(kernel.proc_entries()),
            memory_digest(kernel),
        )


def memory_digest(kernel) -> tuple[tuple[int, str], ...]:
    """(address, hash) of each region a failed load must leave byte for byte alone."""
    from lkmsh.kernel.heap import HEAP_OWNER

    out = [
        (r.vaddr, hashlib.blake2b(r.data, digest_size=8).hexdigest())
        for r in kernel.mem.regions()
        if not r.transient and r.owner != HEAP_OWNER and r.name != "kernel:data"
    ]
    out += [
        (a.addr, hashlib.blake2b(kernel.mem.read(a.addr, a.size), digest_size=8).hexdigest())
        for a in kernel.heap.allocations()
    ]
    return tuple(out)


class OracleViolation(AssertionError):
    """A promise broken: the campaign saves the input as a crash."""


def check_insmod(kernel, data: bytes, while_loaded=None) -> str:
    """Feed one image to Kernel.module_load; return "loaded" or the errno name.

    ``while_loaded(kernel)``, when given, runs with the module loaded (the
    campaign saves and restores the state there: whatever a file contained,
    the kernel holding it can be saved and read back).
    """
    before = Fingerprint.of(kernel)
    try:
        module = kernel.module_load(data)
    except KernelError as exc:
        if not isinstance(exc, InitFailed) and exc.errno not in LOAD_ERRNOS:
            raise OracleViolation(f"unexpected errno {exc.errno} ({exc!r})") from exc
        after = Fingerprint.of(kernel)
        if after != before:
            raise OracleViolation(
                f"failed load changed the kernel: {_diff(before, after)}"
            ) from exc
        return errno.errorcode.get(exc.errno, str(exc.errno))
    except Exception as exc:  # the promise: never anything but a KernelError
        raise OracleViolation(f"{type(exc).__name__}: {exc}") from exc
    if while_loaded is not None:
        try:
            while_loaded(kernel)
        except Exception as exc:
            raise OracleViolation(f"with it loaded: {type(exc).__name__}: {exc}") from exc
    try:
        kernel.module_unload(module.name, force=True)
    except KernelError:
        pass  # an exit that faults still unloads
    except Exception as exc:
        raise OracleViolation(f"unload: {type(exc).__name__}: {exc}") from exc
    after = Fingerprint.of(kernel)
    if after != before:
        raise OracleViolation(f"load+unload changed the kernel: {_diff(before, after)}")
    return "loaded"


def check_modinfo(data: bytes) -> str:
    from lkmsh.elf.modinfo import read_modinfo

    try:
        records = read_modinfo(data)
    except ElfError as exc:
        if exc.errno != errno.ENOEXEC:
            raise OracleViolation(f"modinfo: ElfError with errno {exc.errno}") from exc
        return "ENOEXEC"
    except Exception as exc:
        raise OracleViolation(f"modinfo: {type(exc).__name__}: {exc}") from exc
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in records):
        raise OracleViolation("modinfo: records are not strings")
    return "read"


def depmod_available() -> bool:
    try:
        import lkmsh.kmod.depmod  # noqa: F401
    except ImportError:
        return False
    return True


def check_depmod(tree, data: bytes) -> str:
    """depmod -n over a directory holding this one module (kmod's dry run)."""
    from lkmsh.kmod.depmod import DepmodRequest, output_deps, run_depmod

    path = tree / "fuzzed.ko"
    path.write_bytes(data)
    try:
        result = run_depmod(DepmodRequest(dirname=str(tree), use_cache=False, dry_run=True))
        output_deps(result)
    except KernelError as exc:
        return errno.errorcode.get(exc.errno, str(exc.errno))
    except Exception as exc:
        raise OracleViolation(f"depmod: {type(exc).__name__}: {exc}") from exc
    return "scanned"


def _diff(a: Fingerprint, b: Fingerprint) -> str:
    out = []
    for field in ("modules", "heap", "proc"):
        if getattr(a, field) != getattr(b, field):
            out.append(f"{field} {getattr(a, field)} -> {getattr(b, field)}")
    if a.symbols != b.symbols:
        out.append(
            f"symbols +{sorted(b.symbols - a.symbols)[:3]} -{sorted(a.symbols - b.symbols)[:3]}"
        )
    if a.regions != b.regions:
        out.append(f"regions +{sorted(set(b.regions) - set(a.regions))[:3]}")
    if a.memory != b.memory and a.regions == b.regions:
        changed = sorted(set(a.memory) - set(b.memory))[:3]
        out.append("memory changed at " + ", ".join(f"{addr:#x}" for addr, _ in changed))
    return "; ".join(out)
