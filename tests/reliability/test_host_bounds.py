"""Host memory stays bounded whatever a module asks for (issue 17, items 4 and 5).

Each hostile module runs in a child process whose address space is capped
with ``resource.setrlimit(RLIMIT_AS)`` at 1 GiB: a field width of 8 MiB
repeated, or a memset/strncpy/memcpy of 3 GiB, must cost the host next to
nothing (the format goes into the bounded destination, strncpy's count is
checked against the destination's pages before any work and works in chunks;
klib's memset/memcpy store into emulated pages until the first fault, as Linux).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from reliability_helpers import ROOT, needs_gcc

pytestmark = needs_gcc

CAP = 1 << 30

HOG = r"""
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/prandom.h>

static char *what = "none";
module_param(what, charp, 0444);

#define W8M "%8388607d"
#define W8M_16 W8M W8M W8M W8M W8M W8M W8M W8M W8M W8M W8M W8M W8M W8M W8M W8M
#define W8M_128 W8M_16 W8M_16 W8M_16 W8M_16 W8M_16 W8M_16 W8M_16 W8M_16
#define A16 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16
#define A128 A16, A16, A16, A16, A16, A16, A16, A16

static int __init hb_init(void)
{
	char *buf = kmalloc(64, GFP_KERNEL);
	int n = 0;
	size_t huge = 3UL << 30;

	if (!buf)
		return -ENOMEM;
	if (!strcmp(what, "printk"))
		n = printk(KERN_INFO "wide:" W8M_128 "\n", A128);
	else if (!strcmp(what, "snprintf"))
		n = snprintf(buf, 16, W8M_128, A128);
	else if (!strcmp(what, "memset"))
		memset(buf, 'x', huge);
	else if (!strcmp(what, "strncpy"))
		strncpy(buf, "x", huge);
	else if (!strcmp(what, "memcpy"))
		memcpy(buf, buf + 8, huge);
	else if (!strcmp(what, "prandom")) {
		struct rnd_state state;

		prandom_seed_state(&state, 1);
		prandom_bytes_state(&state, buf, huge);
	}
	pr_info("%s: %d [%.15s]\n", what, n, buf);
	kfree(buf);
	return 0;
}

static void __exit hb_exit(void)
{
}
module_init(hb_init);
module_exit(hb_exit);
MODULE_LICENSE("GPL");
"""

CHILD = textwrap.dedent(
    """
    import json, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
    from lkmsh.errors import KernelError
    from lkmsh.kernel.kernel import Kernel
    k = Kernel()
    out = {{}}
    for what in sys.argv[2:]:
        seq = k.dmesg()[-1].seq if k.dmesg() else -1
        try:
            k.module_load(sys.argv[1], "what=" + what)
            k.module_unload(k.module_list_all()[0].name)
            err = 0
        except KernelError as e:
            err = e.errno
        out[what] = [err, [r.text for r in k.dmesg() if r.seq > seq]]
    out["peak_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def hog(tmp_path_factory):
    from lkmsh.build import build_module

    out = tmp_path_factory.mktemp("hb")
    (out / "hb_hog.c").write_text(HOG)
    return build_module([out / "hb_hog.c"], out / "hb_hog.ko")


def run_capped(module, *cases: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD.format(cap=CAP), str(module), *cases],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def test_wide_fields_are_counted_not_built(hog):
    out = run_capped(hog, "printk", "snprintf")
    err, lines = out["printk"]
    assert err == 0
    wide = next(x for x in lines if x.startswith("wide:"))
    # the record holds what fits in printk's buffer: padding, then nothing more
    assert len(wide) < 1024 and set(wide[5:]) == {" "}
    # printk returns the stored length; snprintf the length the whole output would have
    assert lines[-1].startswith("hb_hog: printk: ")
    err, lines = out["snprintf"]
    assert err == 0
    assert lines[-1] == f"hb_hog: snprintf: {128 * 8388607} [{' ' * 15}]"
    assert out["peak_kib"] * 1024 < CAP // 2


@pytest.mark.parametrize(
    ("case", "function"),
    [
        ("memset", "memset"),
        ("strncpy", "strncpy"),
        ("memcpy", "memcpy"),
        ("prandom", "prandom_bytes_state"),
    ],
)
def test_a_3_gib_count_faults_at_the_end_of_the_mapping_without_host_memory(hog, case, function):
    out = run_capped(hog, case)
    err, lines = out[case]
    assert err == 14  # EFAULT: the range check found the first unmapped page
    head = next(x for x in lines if x.startswith("BUG: unable to handle page fault"))
    i = lines.index(head)
    access = "read" if case == "memcpy" else "write"  # memcpy's source runs out first
    assert lines[i + 1] == f"#PF: supervisor {access} access in kernel mode"
    assert lines[i + 2].endswith("not-present page")
    rip = next(x for x in lines[i:] if x.startswith("RIP: "))
    assert rip.startswith(f"RIP: 0010:{function}+0x")
    assert out["peak_kib"] * 1024 < CAP // 2


BIG_BSS = r"""
#include <linux/module.h>
#include <linux/kernel.h>

static char huge[1000 << 20];	/* 1000 MiB of .bss in a file of a few KiB */

static int __init bb_init(void)
{
	huge[0] = 1;
	pr_info("%d %d\n", huge[0], huge[sizeof(huge) - 1]);
	return 0;
}
module_init(bb_init);
MODULE_LICENSE("GPL");
"""


def test_a_module_claiming_1000_mib_of_bss_is_refused_before_any_is_allocated(tmp_path):
    from lkmsh.build import build_module

    (tmp_path / "hb_bss.c").write_text(BIG_BSS)
    ko = build_module([tmp_path / "hb_bss.c"], tmp_path / "hb_bss.ko")
    assert ko.stat().st_size < 64 << 10
    out = run_capped(ko, "none")  # the child loads it under the 1 GiB cap
    err, lines = out["none"]
    assert err == 12  # ENOMEM, as module_alloc's failure
    assert any(
        x.startswith("vmap allocation for size ")
        and x.endswith("use vmalloc=<size> to increase size")
        for x in lines
    )
    assert out["peak_kib"] * 1024 < CAP // 2


def test_insmod_refuses_what_is_not_a_regular_file_without_reading_it(tmp_path):
    """finit_module gives EINVAL for /dev/zero (size 0) and a FIFO; neither is read."""
    import os

    from reliability_helpers import cli

    fifo = tmp_path / "pipe.ko"
    os.mkfifo(fifo)
    state = tmp_path / "s.db"
    for target in ("/dev/zero", str(fifo)):
        r = cli(state, "insmod", target, timeout=120)  # a read would block or never end
        assert r.code == 1
        assert (
            r.err.strip() == f"insmod: ERROR: could not insert module {target}: Invalid parameters"
        )
    empty = tmp_path / "empty.ko"
    empty.write_bytes(b"")
    r = cli(state, "insmod", str(empty))
    assert r.err.strip().endswith("Invalid parameters")
    assert cli(state, "lsmod").out.splitlines()[1:] == []


LONG_CALL = r"""
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/prandom.h>
#include <linux/vmalloc.h>

static char *what = "strncpy";
module_param(what, charp, 0444);

static int __init lc_init(void)
{
	char *big = vmalloc(4 << 20);
	struct rnd_state state;

	if (!big)
		return -ENOMEM;
	/* each: one kernel call over 4 MiB, done in pieces of work */
	if (!strcmp(what, "strncpy")) {
		strncpy(big, "", 4 << 20);
	} else if (!strcmp(what, "print_hex_dump")) {
		print_hex_dump(KERN_DEBUG, "lc: ", DUMP_PREFIX_OFFSET, 32, 1, big, 4 << 20, false);
	} else if (!strcmp(what, "prandom_bytes_state")) {
		prandom_seed_state(&state, 42);
		prandom_bytes_state(&state, big, 4 << 20);
	} else if (!strcmp(what, "hex2bin")) {
		memset(big, '7', 2 << 20);
		if (hex2bin(big + (3 << 20), big, 1 << 20))
			pr_err("lc: not hex\n");
	}
	pr_info("lc: filled\n");
	vfree(big);
	return 0;
}
module_init(lc_init);
MODULE_LICENSE("GPL");
"""


@pytest.mark.parametrize("call", ["strncpy", "print_hex_dump", "prandom_bytes_state", "hex2bin"])
def test_ctrl_c_stops_a_long_kernel_call_between_its_pieces(kernel, tmp_path, call):
    """The Ctrl-C arrives while a kernel function works through a module's 4 MiB
    (here: when it finishes its first piece): the call ends there as the
    interrupted command's soft-lockup report. (memset and memcpy are klib's C on
    the emulated CPU: Ctrl-C stops them as any module code.)"""
    import errno

    from lkmsh.build import build_module
    from lkmsh.errors import ModuleFault

    (tmp_path / "lc_long.c").write_text(LONG_CALL)
    ko = build_module([tmp_path / "lc_long.c"], tmp_path / "lc_long.ko")
    cpu = kernel.cpu
    pieces = []

    def ctrl_c_after_the_first_piece() -> None:
        pieces.append(1)
        kernel.cancel()  # what the shell's Ctrl-C handler calls, from its thread
        cpu.poll()

    kernel.mem.checked.poll = ctrl_c_after_the_first_piece
    with pytest.raises(ModuleFault) as exc:
        kernel.module_load(ko, f"what={call}")
    assert exc.value.errno == errno.EFAULT
    assert pieces == [1]  # stopped at the first chance, not after all 4 MiB
    texts = [r.text for r in kernel.dmesg()]
    assert any(t.startswith("watchdog: BUG: soft lockup - CPU#0 stuck for ") for t in texts)
    assert "lc: filled" not in texts


MANY_OBJECTS = r"""
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>

static void **objs;
static int count;

static int __init mo_init(void)
{
	objs = vmalloc(100000 * sizeof(void *));
	if (!objs)
		return -ENOMEM;
	while (count < 100000 && (objs[count] = kmalloc(8, GFP_KERNEL)))
		count++;
	pr_info("got %d objects\n", count);
	return 0;
}

static void __exit mo_exit(void)
{
	while (count)
		kfree(objs[--count]);
	vfree(objs);
}
module_init(mo_init);
module_exit(mo_exit);
MODULE_LICENSE("GPL");
"""


def test_small_allocations_are_bounded_in_number_and_so_is_the_state(tmp_path):
    from lkmsh.build import build_module
    from lkmsh.kernel.heap import OBJECTS_MAX
    from lkmsh.kernel.kernel import Kernel, KernelConfig
    from lkmsh.kernel.state import StateStore

    # 65,536 kmallocs in emulated code (klib's fast path, ~40 instructions each)
    # and as many kfrees: more than the fixture's 3 M-instruction budget
    kernel = Kernel(KernelConfig(insn_budget=20_000_000, timeout_s=10.0))

    (tmp_path / "mo_many.c").write_text(
        MANY_OBJECTS.replace("slab.h>", "slab.h>\n#include <linux/vmalloc.h>")
    )
    ko = build_module([tmp_path / "mo_many.c"], tmp_path / "mo_many.ko")
    kernel.module_load(ko)
    last = [r.text for r in kernel.dmesg()][-1]
    assert last.startswith("mo_many: got ") and last.endswith(" objects")
    got = int(last.split()[2])
    # the vmalloc'd array and the kernel's own live objects (the insmod task's
    # task_struct) count against the same limit
    assert OBJECTS_MAX - 8 <= got < OBJECTS_MAX
    with StateStore(tmp_path / "s.db") as store:
        store.save(kernel.export_state())
        back = Kernel.from_state(store.load())
    assert (tmp_path / "s.db").stat().st_size < 16 << 20
    back.module_unload("mo_many")
    assert back.heap.allocations() == []


def test_a_module_with_a_huge_modinfo_is_refused(kernel, tmp_path):
    from lkmsh.build import build_module
    from lkmsh.errors import ElfError

    source = (
        HEAD_MINIMAL
        + 'asm(".section .modinfo,\\"a\\"\\n.rept 40000\\n.asciz \\"alias=x\\"\\n.endr\\n.previous");\n'
    )
    (tmp_path / "mi_huge.c").write_text(source)
    ko = build_module([tmp_path / "mi_huge.c"], tmp_path / "mi_huge.ko")
    with pytest.raises(ElfError):
        kernel.module_load(ko)
    assert kernel.module_list_all() == []
    assert any("module .modinfo of " in r.text for r in kernel.dmesg())


HEAD_MINIMAL = r"""
#include <linux/module.h>
static int __init mi_init(void)
{
	return 0;
}
module_init(mi_init);
MODULE_LICENSE("GPL");
"""


def test_a_module_with_more_modinfo_records_than_any_real_one_is_refused(tmp_path):
    """Under the byte limit but 20,000 records (Debian's largest module has 1,607)."""
    from lkmsh.build import build_module
    from lkmsh.errors import ElfError
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kernel.load import MODINFO_RECORDS_MAX

    kernel = Kernel()
    source = (
        HEAD_MINIMAL
        + 'asm(".section .modinfo,\\"a\\"\\n.rept 20000\\n.asciz \\"x=y\\"\\n.endr\\n.previous");\n'
    )
    (tmp_path / "mi_many.c").write_text(source)
    ko = build_module([tmp_path / "mi_many.c"], tmp_path / "mi_many.ko")
    with pytest.raises(ElfError):
        kernel.module_load(ko)
    assert kernel.module_list_all() == []
    assert any(r.text.startswith("mi_many: 2000") for r in kernel.dmesg())
    assert MODINFO_RECORDS_MAX < 20000


def test_one_shot_commands_read_only_the_parts_of_the_state_they_need(tmp_path):
    """dmesg reads the log alone, and nothing but a heap user decodes the heap:
    with both the heap and every module record made unreadable, dmesg still
    prints the log, the commands that build a kernel but run no module code
    still work, and only what needs the heap reports the file as corrupt."""
    import sqlite3

    from reliability_helpers import cli, sample

    state = tmp_path / "s.db"
    assert cli(state, "insmod", str(sample("hello"))).code == 0
    with sqlite3.connect(state) as db:
        db.execute("UPDATE components SET data = 'not json' WHERE name = 'heap'")
    for argv in (("dmesg",), ("lsmod",), ("cat", "/proc/modules"), ("ls", "/proc"), ("ps",)):
        r = cli(state, *argv)
        assert r.code == 0, (argv, r)
    assert "hello: Hello, world" in cli(state, "dmesg").out
    r = cli(state, "cat", "/proc/slabinfo")
    assert r.code == 1 and "state file is corrupt: heap: " in r.err, r
    with sqlite3.connect(state) as db:
        db.execute("UPDATE modules SET record = 'not json', symbols = 'not json'")
    r = cli(state, "dmesg", "-T")
    assert r.code == 0 and "hello: Hello, world" in r.out, r


EIGHT_HUNDRED_THOUSAND = r"""
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/slab.h>

static int __init mk_init(void)
{
	unsigned long i, got = 0;

	for (i = 0; i < 800000; i++)	/* never freed, never checked: a careless loop */
		if (kmalloc(16, GFP_KERNEL))
			got++;
	pr_info("%lu of 800000\n", got);
	return 0;
}
module_init(mk_init);
MODULE_LICENSE("GPL");
"""


def test_800000_small_kmallocs_fill_the_heap_and_warn_once_ratelimited(tmp_path):
    """The issue's case: the heap stops at its object cap; warn_alloc's ratelimit (one
    report per 10 s) keeps the 734,465 failures from writing a report each; the
    state that every later command reads stays bounded."""
    from lkmsh.build import build_module
    from lkmsh.kernel.heap import OBJECTS_MAX
    from lkmsh.kernel.kernel import Kernel, KernelConfig
    from lkmsh.kernel.state import StateStore

    (tmp_path / "mk_800k.c").write_text(EIGHT_HUNDRED_THOUSAND)
    ko = build_module([tmp_path / "mk_800k.c"], tmp_path / "mk_800k.ko")
    kernel = Kernel(KernelConfig(timeout_s=60.0))
    kernel.module_load(ko)
    texts = [r.text for r in kernel.dmesg()]
    got = int(next(t for t in texts if t.endswith(" of 800000")).split()[1])
    assert OBJECTS_MAX - 8 <= got < OBJECTS_MAX
    failures = [t for t in texts if "page allocation failure" in t]
    assert failures == [
        f"insmod: page allocation failure: order:0, mode:0xcc0, nodemask=(null)"
        f" ({OBJECTS_MAX} live objects reached)"
    ]
    with StateStore(tmp_path / "s.db") as store:
        store.save(kernel.export_state())
    assert (tmp_path / "s.db").stat().st_size < 16 << 20


def bulky_module_source(aliases: int) -> str:
    """A driver with a long alias table (as modules matching many devices carry) and a
    cache of small objects it fills in init: at the .modinfo record limit and the heap's."""
    lines = "".join(f'MODULE_ALIAS("d{i:05d}");\n' for i in range(aliases))
    return (
        MANY_OBJECTS.replace("slab.h>", "slab.h>\n#include <linux/vmalloc.h>")
        .replace("mo_", "mb_")
        .replace('MODULE_LICENSE("GPL");', 'MODULE_LICENSE("GPL");\nMODULE_VERSION("2.1");\n')
        + lines
    )


#: One-shot commands that need no module's records, symbols or heap, and what each prints.
LEAN_COMMANDS = (
    (("cat", "/proc/modules"), "mb_bulk "),
    (("ls", "/sys/module"), "mb_bulk"),
    (("ps",), "PID"),
    (("lsmod",), "mb_bulk "),
    (("dmesg",), "mb_bulk: got "),
)


def capped_cli(state, *argv: str, cap: int = 256 << 20):
    """``lkmsh --state STATE ARGV`` in a child whose address space is capped."""
    from reliability_helpers import CliResult, lkmsh_command

    code = (
        "import os, resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))\n"
        "os.execv(sys.argv[1], sys.argv[1:])\n"
    )
    argv0 = lkmsh_command()
    proc = subprocess.run(
        [sys.executable, "-c", code, *argv0, "--state", str(state), *argv],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def test_commands_that_need_no_modinfo_symbols_or_heap_never_decode_them(tmp_path):
    """Issue 17 item 8: a module at the .modinfo record limit with a full heap costs
    the one-shot commands that need neither nothing. In-process the decodes are
    counted; through the CLI the saved records, symbols and heap are made unreadable,
    and each command still works under a 256 MiB address-space cap, while the ones
    that do need them (modinfo, /proc/kallsyms, /proc/slabinfo) say the file is corrupt."""
    import sqlite3

    from reliability_helpers import cli

    from lkmsh.build import build_module
    from lkmsh.kernel import module as M
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kernel.load import MODINFO_RECORDS_MAX
    from lkmsh.kernel.state import StateStore

    (tmp_path / "mb_bulk.c").write_text(bulky_module_source(MODINFO_RECORDS_MAX - 16))
    ko = build_module([tmp_path / "mb_bulk.c"], tmp_path / "mb_bulk.ko")
    state = tmp_path / "s.db"
    r = cli(state, "insmod", str(ko), timeout=600)
    assert r.code == 0, r
    records = cli(state, "modinfo", "mb_bulk").out.splitlines()
    assert MODINFO_RECORDS_MAX - 16 < len(records) <= MODINFO_RECORDS_MAX

    with StateStore(state) as store:
        before = dict(M.DECODES)
        k = Kernel.from_state(store.load())
        assert b"mb_bulk " in k.read_file("/proc/modules")
        assert "mb_bulk" in [e.name for e in k.listdir("/sys/module")]
        assert k.read_file("/sys/module/mb_bulk/version") == b"2.1\n"
        k.tasks()  # ps
        assert before == M.DECODES and k.heap.__dict__.get("_fetch") is not None  # heap not decoded
        assert k.module_find("mb_bulk").info("alias").startswith("d")
        assert M.DECODES["modinfo"] == before["modinfo"] + 1

    with sqlite3.connect(state) as db:
        db.execute("UPDATE modules SET modinfo = 'not json', symbols = '[{\"name\":'")
        db.execute("UPDATE components SET data = 'not json' WHERE name = 'heap'")
    for argv, shows in LEAN_COMMANDS:
        r = capped_cli(state, *argv)
        assert r.code == 0 and shows in r.out, (argv, r)
    assert capped_cli(state, "cat", "/sys/module/mb_bulk/version").out == "2.1\n"
    for argv, what in (
        (("modinfo", "mb_bulk"), "module mb_bulk: bad modinfo records"),
        (("cat", "/proc/kallsyms"), "module mb_bulk: bad symbols records"),
        (("cat", "/proc/slabinfo"), "heap"),
    ):
        r = capped_cli(state, *argv)
        assert r.code == 1 and "state file is corrupt: " in r.err and what in r.err, (argv, r)


def test_a_module_with_more_symbols_than_any_real_one_is_refused(kernel, tmp_path):
    """Every symbol is kept for kallsyms and saved: a symbol table is bounded too."""
    from lkmsh.build import build_module
    from lkmsh.errors import ElfError
    from lkmsh.kernel.load import SYMBOLS_MAX

    source = HEAD_MINIMAL + (
        'asm(".macro lk_sym\\n.globl lk_sym\\\\@\\n.set lk_sym\\\\@, 0\\n.endm\\n"\n'
        f'    ".rept {SYMBOLS_MAX + 1}\\nlk_sym\\n.endr");\n'
    )
    (tmp_path / "ms_many.c").write_text(source)
    ko = build_module([tmp_path / "ms_many.c"], tmp_path / "ms_many.ko")
    with pytest.raises(ElfError):
        kernel.module_load(ko)
    assert kernel.module_list_all() == []
    assert any(r.text.startswith("ms_many: ") and "symbols: over" in r.text for r in kernel.dmesg())
