"""fprobe (<linux/fprobe.h>) from a module, on both architectures: lib/test_fprobe.c's
checks (entry only, entry and exit, a symbol array) written with the functions'
addresses, as a module can (6.1 exports neither kallsyms_lookup_size_offset nor
ftrace_location_range), and what an fprobe user runs into (modules/fprobe_user.c).
"""

from __future__ import annotations

import re

from kernel_helpers import HERE_MODULES, texts

SOURCE = (HERE_MODULES / "fprobe_user.c").read_text()


def _log(k) -> list[str]:
    lines = [t.removeprefix("fprobe_user: ") for t in texts(k) if t.startswith("fprobe_user: ")]
    return [t for t in lines if "taints kernel" not in t]


def test_fprobe_entry_and_exit_handlers_as_linux_runs_them(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(SOURCE, "fprobe_user").read_bytes())
    assert _log(k) == [
        "unregistered: -22",
        "entry: 0",
        # no exit handler: no rethook, the returns are not hooked
        "entry: 2 calls, 0 exits, rethook 0, r 21",
        "entry: unregister 0, again -22",
        "glob: 0",
        "glob: again -16",  # its ftrace_ops is enabled already: -EBUSY
        # the entry's data reaches the exit; the ip is the function's address
        "glob: 1/1 ip is target2 1, ret 21 (r 21) arg 60",
        "glob: other 0/0",  # the notfilter left it out
        "glob: disabled 0/0, disabled 1",
        "glob: enabled 1/1, missed 0",
        "glob: unregister 0",
        # nr_maxactive 2: the two inner calls of four find no node (no entry handler either)
        "small: 0",
        "small: r 3, 2/2, missed 2",
        "syms: 0, sorted fpu_other fpu_target fpu_target2",
        "syms: 3 calls",
        "ips: 0",
        "ips: 0/1 ret 0x5a ip is other 1",
        "errors: nothing -22, no filter -22, notfilter -22, unknown -2, mid -22, zero -22",
    ]
    assert not k.kprobes.fprobes


def test_an_fprobe_left_registered_is_reported_at_unload(arch_kernel):
    """Linux would call freed handlers; lkmsh unregisters it and says so."""
    k, build = arch_kernel
    k.module_load(build(SOURCE, "fprobe_user").read_bytes(), "leave_registered=1")
    assert len(k.kprobes.fprobes) == 1
    k.module_unload("fprobe_user")
    assert re.fullmatch(
        r"fprobe_user: fprobe at fpu_target\+0x0/0x\w+ \[fprobe_user\] and 2 more still"
        r" registered at unload; unregistered",
        texts(k)[-1],
    )
    assert not k.kprobes.fprobes
    assert not k.kprobes.addresses()
