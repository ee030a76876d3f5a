"""The kernel's own self-test modules (lib/test_*.c and kin), unmodified.

Built with ``lkmsh build`` from the Linux 6.1 tree and loaded with ``lkmsh
insmod``: each must end as on Linux, with its own verdict line in ``dmesg``
("all N tests passed", "test passed", ...), the init result Linux gives, and no
WARNING or failure report on the way.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

import pytest
from corpus_helpers import log_text, module_name


@dataclass(frozen=True)
class SelfTest:
    path: str
    # lines the module prints on Linux when every test passes ("..." stands for
    # what varies, such as a time taken)
    verdict: tuple[str, ...]
    init_error: str | None = None  # kmod's words when init fails by design
    goodbye: tuple[str, ...] = ()  # what its exit prints
    # lines the module prints around warnings it provokes on purpose (Linux's too)
    warned_between: tuple[str, str] | None = None
    params: str = ""  # module parameters given to insmod

    @property
    def id(self) -> str:
        return Path(self.path).name


CORPUS = [
    SelfTest("lib/test_uuid.c", ("test_uuid: all 18 tests passed",)),
    SelfTest("lib/test_string.c", ("String selftests succeeded",)),
    SelfTest("lib/test_hexdump.c", ("test_hexdump: all 1184 tests passed",)),
    SelfTest("lib/test_scanf.c", ("test_scanf: loaded.", "test_scanf: all 2545 tests passed")),
    SelfTest("lib/test_strscpy.c", ("test_strscpy: loaded.", "test_strscpy: all 32 tests passed")),
    SelfTest("lib/globtest.c", ("glob: 64 self-tests passed, 0 failed",)),
    SelfTest(
        "lib/test_bitops.c",
        ("test_bitops: Starting bitops test", "test_bitops: Completed bitops test"),
    ),
    SelfTest(
        "lib/math/test_div64.c",
        (
            "test_div64: Starting 64bit/32bit division and modulo test",
            "test_div64: Completed 64bit/32bit division and modulo test, ...",
        ),
    ),
    SelfTest("lib/test_memcat_p.c", ("test_memcat_p: test passed",)),
    SelfTest(
        "lib/crc32test.c",
        (
            "crc32: self tests passed, processed 225944 bytes in ...",
            "crc32c: self tests passed, processed 112972 bytes in ...",
            "crc32_combine: 8373 self tests passed",
            "crc32c_combine: 8373 self tests passed",
        ),
    ),
    SelfTest("lib/test_min_heap.c", ("min_heap_test: test passed",)),
    SelfTest(
        "lib/test_module.c", ("test_module: Hello, world",), goodbye=("test_module: Goodbye",)
    ),
    # Its init returns -EINVAL whatever happens (kmod words it "Invalid parameters"); a
    # failed conversion would WARN.
    SelfTest("lib/test-kstrtox.c", (), init_error="Invalid parameters"),
    SelfTest("lib/test_bitmap.c", ("test_bitmap: all 6550 tests passed",)),
    # vm_mmap'd user pages of insmod's task; copies from and to them, and refused ones
    # from kernel addresses (525,825 check_zeroed_user calls: a few seconds)
    SelfTest(
        "lib/test_user_copy.c",
        ("test_user_copy: tests passed.",),
        goodbye=("test_user_copy: unloaded.",),
    ),
    SelfTest("lib/test_siphash.c", ("test_siphash: self-tests: pass",)),
    # Its init returns -EAGAIN when done ("Fail will directly unload the module"); a
    # broken tree would WARN. lkmsh's virtual clock stands still while code runs, so
    # the latencies it prints read 0 cycles.
    SelfTest(
        "lib/rbtree_test.c",
        ("rbtree testing", "augmented rbtree testing"),
        init_error="Resource temporarily unavailable",
    ),
    # The same: -EAGAIN when done, 0 cycles. 2692 is how many of its 100 random
    # intervals hold each of its 100 random points, summed (a scan of every pair of
    # the same prandom sequence counts as many).
    SelfTest(
        "lib/interval_tree_test.c",
        (
            "interval tree insert/remove",
            " -> ... cycles",
            "interval tree search",
            " -> ... cycles (2692 results)",
        ),
        init_error="Resource temporarily unavailable",
    ),
    # Its init returns -EINVAL whatever happens; a failed case prints "Test '...' failed"
    SelfTest(
        "lib/test-string_helpers.c",
        ("test_string_helpers: Running tests...",),
        init_error="Invalid parameters",
    ),
    # "passed for x86-64 platform with CX8 and with SSE" on x86-64 (boot_cpu_has of
    # the baseline), "passed" on arm64; a wrong result is a WARNING or a BUG
    SelfTest("lib/atomic64_test.c", ("atomic64_test: passed...",)),
    # -EAGAIN when done, as on Linux; a wrong per-CPU result is a WARNING
    SelfTest(
        "lib/percpu_test.c",
        ("percpu test start", "percpu test done"),
        init_error="Resource temporarily unavailable",
    ),
    # 396 tests on x86-64, 392 on arm64 (char is unsigned there: one block is left out)
    SelfTest(
        "lib/test_printf.c",
        ("test_printf: loaded.", "test_printf: all ... tests passed"),
        goodbye=("test_printf: unloaded.",),
    ),
    # 2,000,000 order-3 allocations, each freed while a speculative reference holds
    # its first page (Linux 6.1's free_pages() frees the rest then): a leak would
    # use up the page pool and fail with "page allocation failure"
    SelfTest(
        "lib/test_free_pages.c",
        (
            "test_free_pages: Testing with GFP_KERNEL",
            "test_free_pages: Testing with GFP_KERNEL | __GFP_COMP",
            "test_free_pages: Test completed",
        ),
    ),
    # without CONFIG_DEBUG_VIRTUAL (Debian's), virt_to_phys(VMALLOC_START) is plain
    # arithmetic: x86-64's VMALLOC_START - PAGE_OFFSET
    SelfTest(
        "lib/test_debug_virtual.c",
        ("PA: 0x0000408000000000 for VA: 0xffffc90000000000", "PA: 0x... for VA: 0x..."),
    ),
    # 6.1's ida_checks() returns -EINVAL when every test passed (0 when one failed); it
    # frees IDs it does not hold on purpose, each a "not allocated" WARN
    SelfTest(
        "lib/test_ida.c",
        ("IDA: 147357 of 147357 tests passed",),
        init_error="Invalid parameters",
        warned_between=('vvv Ignore "not allocated" warnings', '^^^ "not allocated" warnings over'),
    ),
    # Its own parameters scale it down (the default inserts 50,000 objects 4 times
    # and has 10 kthreads insert 50,000 each, yielding at every one): 2,000 objects
    # grow the table from 16 buckets to 2,048 and back down through the deferred
    # worker; the threads share one table. A failed check says "Test failed" or WARNs.
    SelfTest(
        "lib/test_rhashtable.c",
        (
            "Running rhashtable test nelem=8, max_size=0, shrinking=0",
            *(
                line
                for run in ("00", "01")
                for line in (
                    f"Test {run}:",
                    "  Adding 2000 keys",
                    "  Traversal complete: counted=2000, nelems=2000, entries=2000, table-jumps=...",
                    "  Traversal complete: counted=2000, nelems=2000, entries=2000, table-jumps=...",
                    "  Deleting 2000 keys",
                    "  Duration of test: ... ns",
                )
            ),
            # the size printed is 2048 or test_rhashtable_max()'s 256: C leaves open which
            # argument is evaluated first
            "test if its possible to exceed max_size ...: no, ok",
            "Average test time: ...",
            "test inserting duplicates",
            # two keys in one bucket (its hash is id % 10), then a duplicate of the
            # first on the key's list; the same again through rhashtable_insert_slow
            "...bucket[1] -> [[ val 21 (tid=1) ]] -> [[ val 1 (tid=0) ]]",
            "...bucket[1] -> [[ val 21 (tid=1) ]] -> [[ val 1 (tid=2),  val 1 (tid=0) ]]",
            "...bucket[1] -> [[ val 21 (tid=1) ]] -> [[ val 1 (tid=0) ]]",
            "...bucket[1] -> [[ val 21 (tid=1) ]] -> [[ val 1 (tid=2),  val 1 (tid=0) ]]",
            "Testing concurrent rhashtable access from 2 threads",
            "test 125 add/delete pairs into rhlist",
            "test 125 random rhlist add/delete operations",
            "Started 2 threads, 0 failed, rhltable test returns 0",
        ),
        params="parm_entries=2000 runs=2 tcount=2",
    ),
    # Its defaults inject nothing: one iteration of no wait, then -EAGAIN, as on Linux
    # (test_lockup_reports_what_linux_reports runs the parameters a user would try)
    SelfTest(
        "lib/test_lockup.c",
        (
            "test_lockup: START pid=... time=0 +0 ns cooldown=0 +0 ns iterations=1 state=R...",
            "test_lockup: Start on CPU0",
            "test_lockup: Finish on CPU0 in ... ns",
            "test_lockup: FINISH in ... ns",
        ),
        init_error="Resource temporarily unavailable",
    ),
    # Silent when every check holds (roots, deltas, their users and the greedy
    # hints' shape, compared after each get and put); a failed one prints its
    # reason and init returns it
    SelfTest("lib/test_objagg.c", ()),
    # Debian's kernel has no CONFIG_UBSAN: each case says so and its undefined behaviour
    # goes unreported, as on Linux (the division by zero is not in the array it runs)
    SelfTest(
        "lib/test_ubsan.c",
        (
            "test_ubsan_shift_out_of_bounds negative exponent (CONFIG_UBSAN_SHIFT=n)",
            "test_ubsan_shift_out_of_bounds left overflow (CONFIG_UBSAN_SHIFT=n)",
            "test_ubsan_out_of_bounds above (CONFIG_UBSAN_BOUNDS=n)",
            "test_ubsan_out_of_bounds below (CONFIG_UBSAN_BOUNDS=n)",
            "test_ubsan_load_invalid_value bool (CONFIG_UBSAN_BOOL=n)",
            "test_ubsan_load_invalid_value enum (CONFIG_UBSAN_ENUM=n)",
            "test_ubsan_misaligned_access (CONFIG_UBSAN_ALIGNMENT=n)",
        ),
    ),
]


def says(line: str, verdict: str) -> bool:
    """Whether @line is @verdict, where "..." stands for any text (a time, a count)."""
    return re.fullmatch(".*".join(map(re.escape, verdict.split("..."))), line) is not None


FAILURE_WORDS = ("WARNING:", "ERROR", "wrong", "failed", "FAIL", "BUG:", "Oops")


@pytest.mark.parametrize("t", CORPUS, ids=lambda t: t.id)
def test_selftest_passes_as_on_linux(tree, cli, t):
    build, ko = cli.build_cmd(tree, t.path)
    name = module_name(ko)
    if t.init_error:
        r = cli.line(build, f"insmod {ko} {t.params}")
        assert r.returncode == 1
        assert r.stderr.strip() == f"insmod: ERROR: could not insert module {ko}: {t.init_error}"
        r = cli("dmesg")
    else:
        r = cli.line(build, f"insmod {ko} {t.params}", f"rmmod {name}", "dmesg", "lsmod")
    assert r.returncode == 0, r.stderr
    log = log_text(r.stdout)
    if not t.init_error:
        modules = log[log.index("Module                  Size  Used by") :]
        log = log[: -len(modules)]
        assert [m.split()[0] for m in modules[1:]] == []  # rmmod left nothing
    verdict = [line for line in log if any(says(line, v) for v in t.verdict)]
    assert len(verdict) == len(t.verdict), "\n".join(log)
    assert all(says(line, v) for line, v in zip(verdict, t.verdict, strict=True)), "\n".join(log)
    if t.warned_between:
        start, end = (log.index(marker) for marker in t.warned_between)
        warned = log[start + 1 : end]
        # test_ida: 32 IDs freed in each of its 4 states of the IDA, none of them held
        assert sum(line.endswith("which is not allocated.") for line in warned) == 128
        log = log[:start] + log[end + 1 :]
    others = [line for line in log if line not in verdict]
    assert not [line for line in others if any(w in line for w in FAILURE_WORDS)], "\n".join(log)
    if t.goodbye:
        assert log[-len(t.goodbye) :] == list(t.goodbye)


def test_static_keys_against_a_module_of_keys(tree, cli):
    """lib/test_static_keys.c uses the keys test_static_key_base.c exports (kbuild -M)."""
    build_base, base = cli.build_cmd(tree, "lib/test_static_key_base.c")
    keys = base.parent / "test_static_keys.ko"
    build_keys = f"build -M {base.parent} {tree / 'lib/test_static_keys.c'} -o {keys}"
    # init returns -EINVAL if any key's branch is not what its state says
    r = cli.line(build_base, build_keys, f"insmod {base}", f"insmod {keys}", "lsmod")
    assert r.returncode == 0, r.stderr
    assert "test_static_key_base    16384  1 test_static_keys" in r.stdout.splitlines()
    r = cli.line("rmmod test_static_keys", "rmmod test_static_key_base", "dmesg")
    assert r.returncode == 0, r.stderr
    log = [line for line in log_text(r.stdout) if "taints kernel" not in line]
    assert log == []


def test_kmod_stress_loads_through_modprobe(tree, cli):
    """lib/test_kmod.c, as tools/testing/selftests/kmod/kmod.sh drives it: its misc
    device's attributes set a case, trigger_config runs it on kthreads, test_result
    says how it went (request_module()'s 256 is modprobe's exit(1), as Linux's)."""
    mods = cli.cwd / "modules"
    mods.mkdir()
    build_kmod, kmod = cli.build_cmd(tree, "lib/test_kmod.c")
    build_wanted, _ = cli.build_cmd(tree, "lib/test_module.c", out="modules/test_module.ko")
    cli.env["LKMSH_MODULE_PATH"] = str(mods)
    d = "/sys/class/misc/test_kmod0"
    r = cli.line(
        build_kmod,
        build_wanted,
        f"insmod {kmod}",
        f"cat {d}/config",
        f"echo 8 > {d}/config_num_threads",
        f"echo 1 > {d}/trigger_config",  # request_module("test_module") on 8 threads
        f"cat {d}/test_result",
        "lsmod",
        f"echo -n no_such_module > {d}/config_test_driver",
        f"echo 1 > {d}/trigger_config",
        f"cat {d}/test_result",
        f"echo 2 > {d}/config_test_case",  # TEST_KMOD_FS_TYPE: get_fs_type()
        f"echo -n sysfs > {d}/config_test_fs",
        f"echo 1 > {d}/trigger_config",
        f"cat {d}/test_result",
        f"echo -n xfs > {d}/config_test_fs",  # not built in, no fs-xfs module here
        f"echo 1 > {d}/trigger_config",
        f"cat {d}/test_result",
        "rmmod test_kmod",
        "rmmod test_module",
        "dmesg",
    )
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    assert out[:5] == [
        "Custom trigger configuration for: test_kmod0",
        "Number of threads:\t50",
        "Test_case:\tTEST_KMOD_DRIVER (1)",
        "driver:\ttest_module",
        "fs:\txfs",
    ]
    results = [line for line in out if re.fullmatch(r"-?\d+", line)]
    assert results == ["0", "256", "0", f"-{22}"]
    assert "test_module            12288  0" in out
    log = log_text(r.stdout)
    assert log.count("misc test_kmod0: Done: 8 threads have all run now") == 4
    assert log.count("misc test_kmod0: Sync thread 7 return status: 256") == 1
    assert log.count("misc test_kmod0: Sync thread 7 fs: sysfs") == 1
    assert log.count("misc test_kmod0: Sync thread 7 fs: NULL") == 1
    assert log.count("test_module: Hello, world") == 1  # loaded once, found loaded after
    assert log[-3:] == [
        "misc test_kmod0: Ending request_module() tests",
        "misc test_kmod0: removing interface",
        "test_module: Goodbye",
    ]
    assert not [line for line in log if any(w in line for w in FAILURE_WORDS)]


def test_meminit_as_on_a_kernel_with_init_on_alloc(tree, cli):
    """lib/test_meminit.c: pages, kmalloc, vmalloc and kmem_cache objects come zeroed
    (Debian's CONFIG_INIT_ON_ALLOC_DEFAULT_ON), except a constructor's or a
    SLAB_TYPESAFE_BY_RCU cache's, whose objects keep their bytes across a free; it has
    no exit function, so it stays, as on Linux."""
    build, ko = cli.build_cmd(tree, "lib/test_meminit.c")
    r = cli.line(build, f"insmod {ko}", "dmesg")
    assert r.returncode == 0, r.stderr
    log = [line for line in log_text(r.stdout) if "taints kernel" not in line]
    assert log == [
        "test_meminit: all 11 tests in test_pages passed",
        "test_meminit: all 40 tests in test_kvmalloc passed",
        "test_meminit: all 70 tests in test_kmemcache passed",
        "test_meminit: all 10 tests in test_rcu_persistent passed",
        "test_meminit: all 131 tests passed!",
    ]
    r = cli("rmmod", "test_meminit")
    assert r.returncode == 1
    assert "test_meminit" in r.stderr and "busy" in r.stderr.lower()


#: lib/Makefile: CFLAGS_test_fpu.o += $(FPU_CFLAGS), as kbuild computes it for gcc
FPU_CFLAGS = "-msse -msse2 -mhard-float -mpreferred-stack-boundary=4"


def test_fpu_selftest_reads_through_debugfs(tree, cli):
    """lib/test_fpu.c (x86 only: CONFIG_TEST_FPU depends on X86): doubles between
    kernel_fpu_begin() and kernel_fpu_end(), rounding to nearest and denormals, read
    through its debugfs file as tools/testing/selftests/fpu/run_test_fpu.sh does."""
    if cli.arch != "x86_64":
        pytest.skip("lib/test_fpu.c is x86's (CONFIG_TEST_FPU depends on X86)")
    build, ko = cli.build_cmd(tree, "lib/test_fpu.c")
    path = "/sys/kernel/debug/selftest_helpers/test_fpu"
    r = cli.line(
        f"{build} --cflags '{FPU_CFLAGS}'", f"insmod {ko}", f"cat {path}", "rmmod test_fpu"
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == "1"


def test_lockup_reports_what_linux_reports(tree, cli):
    """lib/test_lockup.c with the parameters its users try, at Linux's watchdog_thresh
    of 10 (a soft lockup is 2 x 10 s of running without scheduling or a touch)."""
    cli.env["LKMSH_WATCHDOG_THRESH"] = "10"
    build, ko = cli.build_cmd(tree, "lib/test_lockup.c")
    assert cli.line(build).returncode == 0

    def insmod(params: str) -> tuple[str, list[str]]:
        r = cli.line("dmesg -C", f"insmod {ko} {params}")
        log = [line for line in log_text(cli("dmesg").stdout) if "taints kernel" not in line]
        return r.stderr.strip().removeprefix(f"insmod: ERROR: could not insert module {ko}: "), log

    # 2 x 15 s of mdelay, the watchdog touched after each: no report
    err, log = insmod("time_secs=15 iterations=2 touch_softlockup=1")
    assert err == "Resource temporarily unavailable"
    assert says(log[-2], "test_lockup: Finish on CPU0 in 300000...... ns"), log
    assert not [line for line in log if "lockup" in line.lower() and "test_lockup:" not in line]
    # the same without the touch: the soft-lockup report, as Linux's watchdog words it
    # (lkmsh then stops the init, where Linux lets it run on)
    err, log = insmod("time_secs=15 iterations=2")
    assert any(
        says(line, "watchdog: BUG: soft lockup - CPU#0 stuck for 2...s! [insmod:...]")
        for line in log
    ), log
    assert "Modules linked in: test_lockup(O+)" in log
    # sleeping (S, D; schedule_timeout or an hrtimer) is no lockup, however long
    for params in ("time_secs=30 state=S", "time_secs=30 state=D use_hrtimer=1"):
        err, log = insmod(params)
        assert err == "Resource temporarily unavailable"
        assert says(log[-2], "test_lockup: Finish on CPU0 in 300000...... ns"), log
    # what its init refuses, as on Linux
    err, log = insmod("time_secs=1 state=S disable_preempt=1")
    assert (err, log[-1]) == (
        "Invalid parameters",
        "test_lockup: refuse to sleep in atomic context",
    )
    err, log = insmod("state=X")
    assert (err, log[-1]) == ("Invalid parameters", "test_lockup: unknown state=X")
    # filp_open of a kernel file and its inode's i_rwsem, taken and released
    err, log = insmod("file_path=/proc/modules lock_inode=1")
    assert err == "Resource temporarily unavailable"
    assert says(log[2], "test_lockup: lock rw_semaphore 0x..."), log
    assert says(log[4], "test_lockup: unlock rw_semaphore 0x..."), log
    err, log = insmod("file_path=/no/such/file")
    assert log[-1] == "test_lockup: failed to open /no/such/file: -2"
    # insmod's own mm (a user task has one): its mmap_lock, read and write, held while
    # the test sleeps
    for params in ("lock_mmap_sem=1 lock_read=1 time_secs=1 state=S", "lock_mmap_sem=1"):
        err, log = insmod(params)
        assert err == "Resource temporarily unavailable"
        assert log[2:] == [
            "test_lockup: lock mmap_lock pid=1",
            log[3],
            "test_lockup: unlock mmap_lock pid=1",
            log[5],
        ], log
        assert says(log[3], "test_lockup: Finish on CPU0 in ... ns"), log


def test_dynamic_debug_classes_as_on_linux(tree, cli):
    """lib/test_dynamic_debug.c: its pr_debug sites are listed in
    /proc/dynamic_debug/control, off by default; "module ... +p" turns on its plain
    sites (not the class'd ones), and its class parameters (param_ops_dyndbg_classes)
    and "class NAME +p" queries turn on the sites of those classes. Reading
    do_prints runs them all. (6.1's disjoint_names map has base 10 but its enum
    starts at 11, so "MID" turns on "LOW msg", and HI's site has no class name,
    as on Linux.)"""
    build, ko = cli.build_cmd(tree, "lib/test_dynamic_debug.c")
    p = "/sys/module/test_dynamic_debug/parameters"
    ctl = "/proc/dynamic_debug/control"
    r = cli.line(build, f"insmod {ko}", f"cat {ctl}")
    assert r.returncode == 0, r.stderr
    control = r.stdout.splitlines()
    assert control[0] == "# filename:lineno [module]function flags format"
    src = str(tree / "lib/test_dynamic_debug.c")
    assert f'{src}:150 [test_dynamic_debug]test_dynamic_debug_init =_ "init start\\n"' in control
    assert f'{src}:109 [test_dynamic_debug]do_cats =_ "D2_CORE msg\\n" class:D2_CORE' in control
    assert f'{src}:106 [test_dynamic_debug]do_cats =_ "MID msg\\n" class:HI' in control
    assert f'{src}:107 [test_dynamic_debug]do_cats =_ "HI msg\\n" class unknown, _id:13' in control
    assert len(control) == 1 + 32  # 3 in init/exit, 14 in do_cats, 15 in do_levels
    r = cli.line(
        "dmesg -C",
        f"echo 'module test_dynamic_debug +p' > {ctl}",
        f"echo 0x3 > {p}/p_disjoint_bits",
        f"echo 'class D2_KMS +pmfl' > {ctl}",
        f"echo 3 > {p}/p_level_num",
        f"echo +MID > {p}/p_disjoint_names",
        f"echo L2 > {p}/p_level_names",
        f"cat {p}/p_disjoint_bits {p}/p_level_num {p}/p_disjoint_names {p}/p_level_names",
        f"cat {p}/do_prints",
        "dmesg",
    )
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    assert out[:5] == ["0x3", "3", "0x2", "3", "did do_prints"]
    assert log_text(r.stdout)[5:] == [
        "test_dd: doing categories",
        "test_dd: LOW msg",
        "test_dd: D2_CORE msg",
        "test_dd: D2_DRIVER msg",
        "test_dynamic_debug:do_cats:111: test_dd: D2_KMS msg",
        "test_dd: doing levels",
        "test_dd: V1 msg",
        "test_dd: V2 msg",
        "test_dd: L1 msg",
        "test_dd: L2 msg",
    ]
    r = cli.line(
        f"echo 'class D2_CORE -p' > {ctl}", f"echo 'module nosuch +p' > {ctl}", f"cat {ctl}"
    )
    assert r.returncode == 0, r.stderr
    assert f'{src}:109 [test_dynamic_debug]do_cats =_ "D2_CORE msg\\n" class:D2_CORE' in r.stdout
    assert f'{src}:111 [test_dynamic_debug]do_cats =pmfl "D2_KMS msg\\n" class:D2_KMS' in r.stdout
    r = cli.line(f"echo 'modul test_dynamic_debug +p' > {ctl}")
    assert r.returncode == 1
    assert "Invalid argument" in r.stderr
    # dyndbg= at insmod, as load_module() hands it to dynamic debug
    r = cli.line("rmmod test_dynamic_debug", "dmesg -C", f"insmod {ko} dyndbg=+pf", "dmesg")
    assert r.returncode == 0, r.stderr
    log = log_text(r.stdout)
    assert "test_dynamic_debug_init: test_dd: init start" in log
    assert "test_dynamic_debug_init: test_dd: init done" in log
    assert "do_cats: test_dd: doing categories" in log


def test_vmalloc_stress_as_test_vmalloc_sh_runs_it(tree, cli):
    """lib/test_vmalloc.c with the parameters tools/testing/selftests/mm/test_vmalloc.sh
    passes through in its manual mode: one worker kthread, the tests in order, 100
    loops each (each vmalloc maps pages in the emulator: the default million loops
    would take hours). full_fit_alloc_test and long_busy_list_alloc_test (8,192 and
    15,000 live one-page areas: past lkmsh's 64 MiB heap) and pcpu_alloc_test (35,000
    per-CPU allocations) are left out of the mask. align_shift_alloc_test fails by
    design, as on Linux: no vmalloc area is aligned to 2^63. Init returns -EAGAIN
    when done, so the module is gone again."""
    build, ko = cli.build_cmd(tree, "lib/test_vmalloc.c")
    params = "sequential_test_order=1 test_loop_count=100 run_test_mask=0x379"
    r = cli.line(build, f"insmod {ko} {params}")
    assert r.returncode == 1
    assert r.stderr.strip() == (
        f"insmod: ERROR: could not insert module {ko}: Resource temporarily unavailable"
    )
    r = cli.line("dmesg", "lsmod")
    assert r.returncode == 0, r.stderr
    log = log_text(r.stdout)
    summary = [line for line in log if line.startswith("Summary: ")]
    ok = "passed: 1 failed: 0 repeat: 1 loops: 100 avg:"
    assert [line.split(" avg:")[0] + " avg:" for line in summary] == [
        f"Summary: fix_size_alloc_test {ok}",
        f"Summary: random_size_alloc_test {ok}",
        f"Summary: fix_align_alloc_test {ok}",
        f"Summary: random_size_align_alloc_test {ok}",
        "Summary: align_shift_alloc_test passed: 0 failed: 1 repeat: 1 loops: 100 avg:",
        f"Summary: kvfree_rcu_1_arg_vmalloc_test {ok}",
        f"Summary: kvfree_rcu_2_arg_vmalloc_test {ok}",
    ]
    assert re.fullmatch(r"All test took worker0=\d+ cycles", log[log.index(summary[-1]) + 1])
    # the one failing allocation, in mm/vmalloc.c's and warn_alloc()'s words
    assert "vmap allocation for size 8192 failed: use vmalloc=<size> to increase size" in log
    assert (
        "vmalloc_test/0: vmalloc error: size 4096, vm_struct allocation failed,"
        " mode:0xdc0(GFP_KERNEL|__GFP_ZERO), nodemask=(null),cpuset=/,mems_allowed=0"
    ) in log
    assert not any(w in line for line in log for w in ("BUG:", "Oops", "WARNING:"))
    assert log[-1] == "Module                  Size  Used by"


def test_ref_tracker_reports_a_double_release_and_two_leaks(tree, cli):
    """lib/test_ref_tracker.c provokes both of ref_tracker's reports on purpose:
    tracker[2] released twice (the quarantine still holds it), then the directory's
    exit with tracker[1] and the timer's tracker[0] held (newest first), each a
    WARNING, with the stacks stack_depot_print() shows (from the module's frames)."""
    build, ko = cli.build_cmd(tree, "lib/test_ref_tracker.c")
    r = cli.line(build, f"insmod {ko}", "rmmod test_ref_tracker", "dmesg", "lsmod")
    assert r.returncode == 0, r.stderr
    log = [line for line in log_text(r.stdout) if "taints kernel" not in line]
    # the reports' own lines (a WARNING's machine lines and frames left out)
    machine = (" ", "---", "Modules linked in:", "CPU: ", "Hardware name:", "Call Trace:")
    reports = [
        line.split("+")[0].removesuffix(".cold") for line in log if not line.startswith(machine)
    ]
    assert reports[:4] == [
        "reference already released.",
        "allocated in:",
        "freed in:",
        "WARNING: CPU: 0 PID: 1 at lkmsh/klib/ref_tracker.c:145 ref_tracker_free",
    ]
    start = reports.index("leaked reference.")
    assert reports[start : start + 3] == [
        "leaked reference.",
        "leaked reference.",
        "WARNING: CPU: 0 PID: 1 at lkmsh/klib/ref_tracker.c:72 ref_tracker_dir_exit",
    ]

    def stack(after: str, nth: int = 0) -> list[str]:
        at = [i for i, line in enumerate(log) if line == after][nth] + 1
        frames = []
        while log[at].startswith(" "):
            frames.append(log[at].split("+")[0].strip())
            at += 1
        return frames

    # gcc folds the 19 identical alloctest_ref_tracker_allocN into one (-fipa-icf)
    assert stack("allocated in:")[-1] == "test_ref_tracker_init"
    assert stack("allocated in:")[0].startswith("alloctest_ref_tracker_alloc")
    assert stack("freed in:")[0].startswith("alloctest_ref_tracker_free")
    assert stack("leaked reference.", 0) == ["test_ref_tracker_timer_func"]
    assert stack("leaked reference.", 1)[-1] == "test_ref_tracker_init"
    assert log.count("------------[ cut here ]------------") == 2
    assert r.stdout.splitlines()[-1].startswith("Module")  # init returned 0, rmmod left none


#: HMM_DMIRROR_READ: _IOWR('H', 0x00, struct hmm_dmirror_cmd) (lib/test_hmm_uapi.h): the
#: command is addr, ptr, npages, cpages, faults (five __u64)
HMM_DMIRROR_READ = 0xC0284800


def _dmirror_cmd(addr: int, npages: int) -> str:
    return struct.pack("<5Q", addr, 0x7F0000100000, npages, 0, 0).hex()


def test_hmm_mirror_devices_load_and_unload(tree, cli):
    """lib/test_hmm.c: two device-private memory devices, each with a 256 MB chunk of
    ZONE_DEVICE struct pages from the top of the physical address space (46 bits: x86-64's
    4-level map, lkmsh's on both architectures) and a character device; closing a device
    evicts its chunks, rmmod evicts and unmaps them, releases their iomem regions and
    removes the devices.
    tools/testing/selftests/vm/hmm-tests.c cannot drive it: its ioctls mirror a process's
    VMAs, and lkmsh's address spaces have none, so a read fails with -EFAULT as it does on
    Linux for an address nothing maps."""
    # the default host-time backstop: each close and rmmod walk 65,536 device pages a
    # chunk (migrate_device_range()) and must be quick
    del cli.env["LKMSH_TIMEOUT"]
    build, ko = cli.build_cmd(tree, "lib/test_hmm.c")
    r = cli.line(
        build,
        f"insmod {ko}",
        "ls -l /dev",
        "cat /proc/devices",
        "cat /sys/devices/hmm_dmirror0/dev",
        "cat /sys/devices/hmm_dmirror1/dev",
    )
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    major = next(int(line.split()[0]) for line in out if line.endswith(" HMM_DMIRROR"))
    nodes = [line.split() for line in out if "hmm_dmirror" in line]
    assert [(n[0], n[4], n[5], n[-1]) for n in nodes] == [
        ("crw-------", f"{major},", "0", "hmm_dmirror0"),
        ("crw-------", f"{major},", "1", "hmm_dmirror1"),
    ]
    assert out[-2:] == [f"{major}:0", f"{major}:1"]
    # no read method: -EINVAL; an empty range: -EINVAL; a page no VMA maps: -EFAULT (the
    # mirror's hmm_range_fault()); each open also inserts an mmu interval notifier, and
    # each release removes it
    read = f"ioctl -x /dev/hmm_dmirror1 {HMM_DMIRROR_READ}"
    for args, error in (
        ("cat /dev/hmm_dmirror0", "cat: /dev/hmm_dmirror0: Invalid argument"),
        (f"{read} {_dmirror_cmd(0x7F0000000000, 0)}", "ioctl: /dev/hmm_dmirror1: Invalid argument"),
        (f"{read} {_dmirror_cmd(0x7F0000000000, 1)}", "ioctl: /dev/hmm_dmirror1: Bad address"),
    ):
        r = cli.line(args)
        assert (r.returncode, r.stderr.strip()) == (1, error)
    r = cli.line("rmmod test_hmm", "dmesg", "lsmod", "ls /dev", "cat /proc/devices")
    assert r.returncode == 0, r.stderr
    assert "hmm_dmirror" not in r.stdout and "HMM_DMIRROR" not in r.stdout
    assert cli("ls", "/sys/devices/hmm_dmirror0").returncode == 1
    log = log_text(r.stdout)
    log = log[: log.index("Module                  Size  Used by")]
    assert [line for line in log if "taints kernel" not in line] == [
        "added new 256 MB chunk (total 1 chunks, 256 MB) PFNs [0x3ffff0000 0x400000000)",
        "added new 256 MB chunk (total 1 chunks, 256 MB) PFNs [0x3fffe0000 0x3ffff0000)",
        "HMM test module loaded. This is only for testing HMM.",
    ]
