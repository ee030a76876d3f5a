"""lib/livepatch/test_klp_*.c, unmodified, checked as tools/testing/selftests/livepatch does.

.ci/run unpacks only lib/ and samples/, so the scripts' tests are replayed here
in their order (functions.sh's load_mod, load_lp, load_failing_mod, unload_mod,
disable_lp, set_pre_patch_ret, check_sysfs_*) through lkmsh's CLI: the
modules are built into one directory and loaded with ``modprobe --moddir``, each
test one lkmsh script (``--keep-going``: some loads fail by design). The expected
dmesg is each test's check_result text, filtered as check_result filters dmesg
(lines with ``livepatch:`` or ``test_klp``, no taint lines), less the script's
own ``% ...`` and ``modprobe: ERROR`` echoes (the latter are compared with the
script's standard error instead) and less the livepatch core's pr_debug lines
(``initializing``/``completing``/``reversing``/``canceling`` a transition): the
scripts turn them on with ``file kernel/livepatch/* +p``, and lkmsh's dynamic
debug has only the modules' own sites. A transition the scripts wait for with
loop_until is given virtual time with ``sleep``.

test-livepatch.sh's ``grep 'live patched' /proc/cmdline > /dev/kmsg`` lines
are user space's writes to the log: they are compared with what ``cat`` of the
two files shows at that point (lkmsh's shell has no grep and no /dev/kmsg).
test-state.sh's test_klp_state*.c save and change ``console_loglevel``
(``console_printk[0]``): /proc/sys/kernel/printk is read alongside to show the
modules change the kernel's one store of it. test-ftrace.sh needs the
``kernel.ftrace_enabled`` sysctl.
"""

from __future__ import annotations

import re

import pytest
from corpus_helpers import Cli, log_text

DIR = "lib/livepatch"
MODULES = (
    "test_klp_callbacks_demo",
    "test_klp_callbacks_demo2",
    "test_klp_callbacks_mod",
    "test_klp_callbacks_busy",
    "test_klp_livepatch",
    "test_klp_shadow_vars",
    "test_klp_atomic_replace",
    "test_klp_state",
    "test_klp_state2",
    "test_klp_state3",
)
SYSFS = "/sys/kernel/livepatch"
PR_DEBUG = re.compile(
    r"^livepatch: '[^']+': (initializing|completing) \w+ transition$"
    r"|^livepatch: '[^']+': reversing transition from"
    r"|^livepatch: '[^']+': canceling patching transition"
)
DEMO, DEMO2 = "test_klp_callbacks_demo", "test_klp_callbacks_demo2"
TARGET, BUSY = "test_klp_callbacks_mod", "test_klp_callbacks_busy"
LIVE = "[MODULE_STATE_LIVE] Normal state"
COMING = "[MODULE_STATE_COMING] Full formed, running module_init"
GOING = "[MODULE_STATE_GOING] Going away"


@pytest.fixture(scope="module")
def _built(tmp_path_factory):
    return {}  # arch -> the directory its modules were built into (once per module)


@pytest.fixture
def moddir(tree, cli, arch, _built, tmp_path_factory):
    """Every test module built into one directory per architecture, as modprobe finds them."""
    if arch not in _built:
        where = tmp_path_factory.mktemp(f"klp-{arch}")
        builder = Cli(where / "build.sqlite", where, arch)
        for name in MODULES:
            build, _ko = builder.build_cmd(tree, f"{DIR}/{name}.c")
            r = builder(*build.split())
            assert r.returncode == 0, r.stderr
        r = builder("depmod", str(where))
        assert r.returncode == 0, r.stderr
        _built[arch] = where
    return _built[arch]


class Script:
    """One selftest's steps, as functions.sh's helpers run them."""

    def __init__(self, moddir):
        self.moddir, self.lines = moddir, ["dmesg -C"]

    def load_mod(self, mod: str, *params: str) -> Script:
        self.lines.append(" ".join(["modprobe", "--moddir", str(self.moddir), mod, *params]))
        return self

    load_lp = load_lp_nowait = load_failing_mod = load_mod

    def unload_mod(self, mod: str) -> Script:
        self.lines.append(f"rmmod {mod}")
        return self

    unload_lp = unload_mod

    def disable_lp(self, mod: str, wait: int = 0) -> Script:
        self.lines.append(f"echo 0 > {SYSFS}/{mod}/enabled")
        if wait:  # loop_until the patch is gone: the transition work's next runs
            self.lines.append(f"sleep {wait}")
        return self

    def set_pre_patch_ret(self, mod: str, ret: int) -> Script:
        self.lines.append(f"echo {ret} > /sys/module/{mod}/parameters/pre_patch_ret")
        return self

    def cat(self, path: str) -> Script:
        self.lines.append(f"cat {path}")
        return self

    def grep_live_patched(self) -> Script:
        """``grep 'live patched' /proc/cmdline > /dev/kmsg`` and the same of /proc/meminfo:
        the files shown between markers, live_patched() picks the lines."""
        self.lines += ["echo @@grep", "cat /proc/cmdline", "cat /proc/meminfo"]
        return self

    def run(self, cli, tmp_path) -> tuple[list[str], list[str], list[str]]:
        """(dmesg as check_result filters it, cat outputs, the scripts' error lines)."""
        self.lines.append("echo @@dmesg")
        self.lines.append("dmesg")
        script = tmp_path / "test.sh"
        script.write_text("\n".join(self.lines) + "\n")
        r = cli("--keep-going", str(script))
        out, _, log = r.stdout.partition("@@dmesg\n")
        kept = [
            line
            for line in log_text(log)
            if ("livepatch:" in line or "test_klp" in line)
            and not re.search(r"(tainting|taints) kernel", line)
        ]
        errors = [re.sub(r"^\S+:\d+: ", "", e) for e in r.stderr.splitlines()]
        return kept, out.splitlines(), errors


def expected(text: str) -> tuple[list[str], list[str]]:
    """A check_result text: (the kernel's lines lkmsh prints, the modprobe errors)."""
    lines = text.strip("\n").split("\n")
    kernel = [
        line
        for line in lines
        if not line.startswith("% ")
        and not line.startswith("modprobe:")
        and not PR_DEBUG.match(line)
    ]
    return kernel, [line for line in lines if line.startswith("modprobe:")]


def live_patched(out: list[str]) -> list[list[str]]:
    """Each grep_live_patched()'s matching lines, in order."""
    groups = "\n".join(out).split("@@grep\n")[1:]
    return [[line for line in g.split("\n") if "live patched" in line] for g in groups]


def check(result, want: str) -> list[str]:
    kernel, errors = expected(want)
    got, out, errs = result
    assert got == kernel
    assert errs == errors
    return out


def _enable(lp: str, *objs: tuple[str, str]) -> str:
    """load_lp of a callbacks demo whose objects @objs (module, state) are loaded."""
    cbs = lambda what: "".join(f"\n{lp}: {what}_callback: {m} -> {s}" for m, s in objs)  # noqa: E731
    return f"""% modprobe {lp}
livepatch: enabling patch '{lp}'
livepatch: '{lp}': initializing patching transition
{lp}: pre_patch_callback: vmlinux{cbs("pre_patch")}
livepatch: '{lp}': starting patching transition
livepatch: '{lp}': completing patching transition
{lp}: post_patch_callback: vmlinux{cbs("post_patch")}
livepatch: '{lp}': patching complete"""


def _disable(lp: str, *objs: tuple[str, str]) -> str:
    cbs = lambda what: "".join(f"\n{lp}: {what}_callback: {m} -> {s}" for m, s in objs)  # noqa: E731
    return f"""% echo 0 > {SYSFS}/{lp}/enabled
livepatch: '{lp}': initializing unpatching transition
{lp}: pre_unpatch_callback: vmlinux{cbs("pre_unpatch")}
livepatch: '{lp}': starting unpatching transition
livepatch: '{lp}': completing unpatching transition
{lp}: post_unpatch_callback: vmlinux{cbs("post_unpatch")}
livepatch: '{lp}': unpatching complete"""


COMING_LINES = f"""% modprobe {TARGET}
livepatch: applying patch '{DEMO}' to loading module '{TARGET}'
{DEMO}: pre_patch_callback: {TARGET} -> {COMING}
{DEMO}: post_patch_callback: {TARGET} -> {COMING}
{TARGET}: {TARGET}_init"""
GOING_LINES = f"""% rmmod {TARGET}
{TARGET}: {TARGET}_exit
{DEMO}: pre_unpatch_callback: {TARGET} -> {GOING}
livepatch: reverting patch '{DEMO}' on unloading module '{TARGET}'
{DEMO}: post_unpatch_callback: {TARGET} -> {GOING}"""


# -- test-callbacks.sh --------------------------------------------------------------------


def test_callbacks_target_module_before_livepatch(moddir, cli, tmp_path):
    s = Script(moddir).load_mod(TARGET).load_lp(DEMO).disable_lp(DEMO)
    s.unload_lp(DEMO).unload_mod(TARGET)
    check(s.run(cli, tmp_path), f"""% modprobe {TARGET}
{TARGET}: {TARGET}_init
{_enable(DEMO, (TARGET, LIVE))}
{_disable(DEMO, (TARGET, LIVE))}
% rmmod {DEMO}
% rmmod {TARGET}
{TARGET}: {TARGET}_exit""")  # fmt: skip


def test_callbacks_module_coming_notifier(moddir, cli, tmp_path):
    s = Script(moddir).load_lp(DEMO).load_mod(TARGET).disable_lp(DEMO)
    s.unload_lp(DEMO).unload_mod(TARGET)
    check(s.run(cli, tmp_path), f"""{_enable(DEMO)}
{COMING_LINES}
{_disable(DEMO, (TARGET, LIVE))}
% rmmod {DEMO}
% rmmod {TARGET}
{TARGET}: {TARGET}_exit""")  # fmt: skip


def test_callbacks_module_going_notifier(moddir, cli, tmp_path):
    s = Script(moddir).load_mod(TARGET).load_lp(DEMO).unload_mod(TARGET)
    s.disable_lp(DEMO).unload_lp(DEMO)
    check(s.run(cli, tmp_path), f"""% modprobe {TARGET}
{TARGET}: {TARGET}_init
{_enable(DEMO, (TARGET, LIVE))}
{GOING_LINES}
{_disable(DEMO)}
% rmmod {DEMO}""")  # fmt: skip


def test_callbacks_module_coming_and_going_notifiers(moddir, cli, tmp_path):
    s = Script(moddir).load_lp(DEMO).load_mod(TARGET).unload_mod(TARGET)
    s.disable_lp(DEMO).unload_lp(DEMO)
    check(s.run(cli, tmp_path), f"""{_enable(DEMO)}
{COMING_LINES}
{GOING_LINES}
{_disable(DEMO)}
% rmmod {DEMO}""")  # fmt: skip


def test_callbacks_target_module_not_present(moddir, cli, tmp_path):
    s = Script(moddir).load_lp(DEMO).disable_lp(DEMO).unload_lp(DEMO)
    check(s.run(cli, tmp_path), f"{_enable(DEMO)}\n{_disable(DEMO)}\n% rmmod {DEMO}")


def test_callbacks_pre_patch_callback_enodev(moddir, cli, tmp_path):
    s = Script(moddir).load_mod(TARGET).load_failing_mod(DEMO, "pre_patch_ret=-19")
    s.unload_mod(TARGET)
    check(s.run(cli, tmp_path), f"""% modprobe {TARGET}
{TARGET}: {TARGET}_init
% modprobe {DEMO} pre_patch_ret=-19
livepatch: enabling patch '{DEMO}'
livepatch: '{DEMO}': initializing patching transition
test_klp_callbacks_demo: pre_patch_callback: vmlinux
livepatch: pre-patch callback failed for object 'vmlinux'
livepatch: failed to enable patch '{DEMO}'
livepatch: '{DEMO}': canceling patching transition, going to unpatch
livepatch: '{DEMO}': completing unpatching transition
livepatch: '{DEMO}': unpatching complete
modprobe: ERROR: could not insert '{DEMO}': No such device
% rmmod {TARGET}
{TARGET}: {TARGET}_exit""")  # fmt: skip


def test_callbacks_module_coming_and_pre_patch_callback_enodev(moddir, cli, tmp_path):
    s = Script(moddir).load_lp(DEMO).set_pre_patch_ret(DEMO, -19).load_failing_mod(TARGET)
    s.disable_lp(DEMO).unload_lp(DEMO)
    check(s.run(cli, tmp_path), f"""{_enable(DEMO)}
% echo -19 > /sys/module/{DEMO}/parameters/pre_patch_ret
% modprobe {TARGET}
livepatch: applying patch '{DEMO}' to loading module '{TARGET}'
{DEMO}: pre_patch_callback: {TARGET} -> {COMING}
livepatch: pre-patch callback failed for object '{TARGET}'
livepatch: patch '{DEMO}' failed for module '{TARGET}', refusing to load module '{TARGET}'
modprobe: ERROR: could not insert '{TARGET}': No such device
{_disable(DEMO)}
% rmmod {DEMO}""")  # fmt: skip


def test_callbacks_multiple_target_modules(moddir, cli, tmp_path):
    s = Script(moddir).load_mod(BUSY, "block_transition=N").load_lp(DEMO).load_mod(TARGET)
    s.unload_mod(TARGET).disable_lp(DEMO).unload_lp(DEMO).unload_mod(BUSY)
    check(s.run(cli, tmp_path), f"""% modprobe {BUSY} block_transition=N
{BUSY}: {BUSY}_init
{BUSY}: busymod_work_func enter
{BUSY}: busymod_work_func exit
{_enable(DEMO, (BUSY, LIVE))}
{COMING_LINES}
{GOING_LINES}
{_disable(DEMO, (BUSY, LIVE))}
% rmmod {DEMO}
% rmmod {BUSY}
{BUSY}: {BUSY}_exit""")  # fmt: skip


def test_callbacks_busy_target_module(moddir, cli, tmp_path):
    """The busy module's work loops in busymod_work_func, which the demo patches: the
    transition stalls, the target loaded meanwhile gets no post-patch callback, and
    disabling reverses the transition, which then completes."""
    s = Script(moddir).load_mod(BUSY, "block_transition=Y").load_lp_nowait(DEMO)
    s.cat(f"{SYSFS}/{DEMO}/transition").load_mod(TARGET).unload_mod(TARGET)
    s.disable_lp(DEMO, wait=2).unload_lp(DEMO).unload_mod(BUSY)
    out = check(s.run(cli, tmp_path), f"""% modprobe {BUSY} block_transition=Y
{BUSY}: {BUSY}_init
{BUSY}: busymod_work_func enter
% modprobe {DEMO}
livepatch: enabling patch '{DEMO}'
livepatch: '{DEMO}': initializing patching transition
{DEMO}: pre_patch_callback: vmlinux
{DEMO}: pre_patch_callback: {BUSY} -> {LIVE}
livepatch: '{DEMO}': starting patching transition
% modprobe {TARGET}
livepatch: applying patch '{DEMO}' to loading module '{TARGET}'
{DEMO}: pre_patch_callback: {TARGET} -> {COMING}
{TARGET}: {TARGET}_init
% rmmod {TARGET}
{TARGET}: {TARGET}_exit
livepatch: reverting patch '{DEMO}' on unloading module '{TARGET}'
{DEMO}: post_unpatch_callback: {TARGET} -> {GOING}
% echo 0 > {SYSFS}/{DEMO}/enabled
livepatch: '{DEMO}': reversing transition from patching to unpatching
livepatch: '{DEMO}': starting unpatching transition
livepatch: '{DEMO}': completing unpatching transition
{DEMO}: post_unpatch_callback: vmlinux
{DEMO}: post_unpatch_callback: {BUSY} -> {LIVE}
livepatch: '{DEMO}': unpatching complete
% rmmod {DEMO}
% rmmod {BUSY}
{BUSY}: busymod_work_func exit
{BUSY}: {BUSY}_exit""")  # fmt: skip
    assert out == ["1"]  # loop_until ... transition is 1: stalled


def test_callbacks_multiple_livepatches(moddir, cli, tmp_path):
    s = Script(moddir).load_lp(DEMO).load_lp(DEMO2).disable_lp(DEMO2).disable_lp(DEMO)
    s.unload_lp(DEMO2).unload_lp(DEMO)
    check(s.run(cli, tmp_path), f"""{_enable(DEMO)}
{_enable(DEMO2)}
{_disable(DEMO2)}
{_disable(DEMO)}
% rmmod {DEMO2}
% rmmod {DEMO}""")  # fmt: skip


def test_callbacks_atomic_replace(moddir, cli, tmp_path):
    """The replaced patch goes without its unpatch callbacks; the replacing one's run."""
    s = Script(moddir).load_lp(DEMO).load_lp(DEMO2, "replace=1").disable_lp(DEMO2)
    s.unload_lp(DEMO2).unload_lp(DEMO)
    check(s.run(cli, tmp_path), f"""{_enable(DEMO)}
{_enable(DEMO2).replace(f"% modprobe {DEMO2}", f"% modprobe {DEMO2} replace=1")}
{_disable(DEMO2)}
% rmmod {DEMO2}
% rmmod {DEMO}""")  # fmt: skip


# -- test-livepatch.sh, test-shadow-vars.sh, test-sysfs.sh ---------------------------------


def _plain(lp: str) -> str:
    """load_lp, disable_lp and unload_lp of a patch without callbacks."""
    return (
        "\n".join(line for line in (_enable(lp) + "\n" + _disable(lp)).split("\n") if "_callback" not in line)
        + f"\n% rmmod {lp}"
    )  # fmt: skip


def test_livepatch_basic_function_patching(moddir, cli, tmp_path):
    lp = "test_klp_livepatch"
    s = Script(moddir).load_lp(lp).cat("/proc/cmdline").disable_lp(lp).unload_lp(lp)
    s.cat("/proc/cmdline")
    out = check(s.run(cli, tmp_path), _plain(lp))
    assert out[0] == f"{lp}: this has been live patched"
    assert out[1:] == [""]  # the command line again (empty here)


def test_shadow_vars_basic_api(moddir, cli, tmp_path):
    """test_klp_shadow_vars.c prints pointers as PTRn, numbered in first-seen order."""
    mod = "test_klp_shadow_vars"
    got, _out, errors = Script(moddir).load_mod(mod).unload_mod(mod).run(cli, tmp_path)
    assert not errors
    get = lambda o, i, p: f"{mod}: klp_shadow_get(obj=PTR{o}, id=0x{i}) = PTR{p}"  # noqa: E731
    gal = lambda o, i, d, p: (  # noqa: E731
        f"{mod}: klp_shadow_get_or_alloc(obj=PTR{o}, id=0x{i}, size=8, gfp_flags=GFP_KERNEL),"
        f" ctor=PTR4, ctor_data=PTR{d} = PTR{p}"
    )
    alloc = lambda o, i, d, p: gal(o, i, d, p).replace("get_or_alloc", "alloc")  # noqa: E731
    ctor = lambda p, d: f"{mod}: shadow_ctor: PTR{p} -> PTR{d}"  # noqa: E731
    null = f"{mod}:   got expected NULL result"
    ok = lambda p, d: f"{mod}:   got expected PTR{p} -> PTR{d} result"  # noqa: E731
    objs = {1: (3, 2, 6, 5), 9: (8, 7, 11, 10), 14: (13, 12, 16, 15)}
    want = [get(1, 1234, 0), null]
    for o, (p1, d1, p2, d2) in objs.items():
        first = gal if o in (1, 14) else alloc
        want += [ctor(p1, d1), first(o, 1234, d1, p1), ctor(p2, d2), alloc(o, 1235, d2, p2)]
    for o, (p1, d1, p2, d2) in objs.items():
        want += [get(o, 1234, p1), ok(p1, d1), get(o, 1235, p2), ok(p2, d2)]
    for o, (p1, d1, _p2, _d2) in objs.items():
        want += [gal(o, 1234, d1, p1), ok(p1, d1)]
    for o, (p1, _d1, _p2, _d2) in objs.items():
        want += [f"{mod}: shadow_dtor(obj=PTR{o}, shadow_data=PTR{p1})",
                 f"{mod}: klp_shadow_free(obj=PTR{o}, id=0x1234, dtor=PTR17)", get(o, 1234, 0), null]  # fmt: skip
    for o, (_p1, _d1, p2, d2) in objs.items():
        want += [get(o, 1235, p2), ok(p2, d2)]
    want.append(f"{mod}: klp_shadow_free_all(id=0x1235, dtor=PTR0)")
    for o in objs:
        want += [get(o, 1235, 0), null]
    assert got == want


def test_sysfs_entries_of_a_patch(moddir, cli, tmp_path):
    lp = "test_klp_livepatch"
    s = Script(moddir).load_lp(lp)
    for name in ("enabled", "transition", "vmlinux/patched"):
        s.cat(f"{SYSFS}/{lp}/{name}")
    s.lines.append(f"ls -l {SYSFS}/{lp}")
    s.lines.append(f"ls -l {SYSFS}")
    s.disable_lp(lp).unload_lp(lp)
    out = check(s.run(cli, tmp_path), _plain(lp))
    assert out[:3] == ["1", "0", "1"]
    rights = {line.split()[-1]: line.split()[0] for line in out[3:] if line.startswith(("-", "d"))}
    assert rights["enabled"] == "-rw-r--r--"
    assert rights["force"] == "--w-------"
    assert rights["transition"] == "-r--r--r--"
    assert rights["vmlinux"] == "drwxr-xr-x"
    assert rights[lp] == "drwxr-xr-x"


def test_sysfs_object_patched_follows_the_target_module(moddir, cli, tmp_path):
    patched = f"{SYSFS}/{DEMO}/{TARGET}/patched"
    s = Script(moddir).load_lp(DEMO).cat(patched).load_mod(TARGET).cat(patched)
    s.unload_mod(TARGET).cat(patched).disable_lp(DEMO).unload_lp(DEMO)
    out = check(s.run(cli, tmp_path), f"""{_enable(DEMO)}
{COMING_LINES}
{GOING_LINES}
{_disable(DEMO)}
% rmmod {DEMO}""")  # fmt: skip
    assert out == ["0", "1", "0"]


# -- test-livepatch.sh: multiple livepatches, atomic replace -------------------------------

LP, REPLACE = "test_klp_livepatch", "test_klp_atomic_replace"
PATCHED = ": this has been live patched"


def _enable_plain(lp: str, params: str = "") -> str:
    return "\n".join(
        line.replace(f"% modprobe {lp}", f"% modprobe {lp}{params}")
        for line in _enable(lp).split("\n")
        if "_callback" not in line
    )


def _disable_plain(lp: str) -> str:
    return "\n".join(line for line in _disable(lp).split("\n") if "_callback" not in line)


def _kmsg_lines(text: str) -> tuple[str, list[str]]:
    """A check_result text less the lines the script wrote to /dev/kmsg (grep's)."""
    lines = text.split("\n")
    return "\n".join(line for line in lines if not line.endswith(PATCHED)), [
        line for line in lines if line.endswith(PATCHED)
    ]


def test_livepatch_multiple_livepatches(moddir, cli, tmp_path):
    """A second patch of another function (meminfo_proc_show) stacks on the first."""
    s = Script(moddir).load_lp(LP).grep_live_patched().load_lp(REPLACE, "replace=0")
    s.grep_live_patched().disable_lp(REPLACE).unload_lp(REPLACE).grep_live_patched()
    s.disable_lp(LP).unload_lp(LP).grep_live_patched()
    kernel, _ = _kmsg_lines(f"""{_enable_plain(LP)}
{LP}: this has been live patched
{_enable_plain(REPLACE, " replace=0")}
{LP}: this has been live patched
{REPLACE}: this has been live patched
{_disable_plain(REPLACE)}
% rmmod {REPLACE}
{LP}: this has been live patched
{_disable_plain(LP)}
% rmmod {LP}""")  # fmt: skip
    out = check(s.run(cli, tmp_path), kernel)
    assert live_patched(out) == [
        [LP + PATCHED],
        [LP + PATCHED, REPLACE + PATCHED],
        [LP + PATCHED],
        [],
    ]


def test_livepatch_atomic_replace(moddir, cli, tmp_path):
    """replace=1: the new patch takes over every function; the old one is gone, and its
    module unloads without disabling it."""
    s = Script(moddir).load_lp(LP).grep_live_patched().load_lp(REPLACE, "replace=1")
    s.grep_live_patched().cat(f"{SYSFS}/{LP}/enabled").unload_lp(LP).grep_live_patched()
    s.disable_lp(REPLACE).unload_lp(REPLACE).grep_live_patched()
    kernel, _ = _kmsg_lines(f"""{_enable_plain(LP)}
{LP}: this has been live patched
{_enable_plain(REPLACE, " replace=1")}
{REPLACE}: this has been live patched
% rmmod {LP}
{REPLACE}: this has been live patched
{_disable_plain(REPLACE)}
% rmmod {REPLACE}""")  # fmt: skip
    kept, out, errors = s.run(cli, tmp_path)
    assert errors == [f"cat: {SYSFS}/{LP}/enabled: No such file or directory"]
    assert check((kept, out, []), kernel)
    assert live_patched(out) == [[LP + PATCHED], [REPLACE + PATCHED], [REPLACE + PATCHED], []]


def test_meminfo_is_linux_6_1s_format(cli):
    r = cli("cat", "/proc/meminfo")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    names = [line.split(":")[0] for line in lines]
    assert names[:3] == ["MemTotal", "MemFree", "MemAvailable"]
    assert names.index("Slab") < names.index("SReclaimable") < names.index("SUnreclaim")
    assert names[names.index("Hugetlb") + 1 :] == (
        ["DirectMap4k", "DirectMap2M", "DirectMap1G"] if cli.arch == "x86_64" else []
    )
    for line in lines:
        if line.startswith("HugePages_"):
            assert re.fullmatch(r"HugePages_\w+: +\d+", line) and len(line) == 24, line
        elif line.startswith("HardwareCorrupted"):
            assert re.fullmatch(r"HardwareCorrupted: +\d+ kB", line)
        else:
            assert re.fullmatch(r"[\w()]+: +\d+ kB", line), line
            assert len(line) >= 27 and line[:16].rstrip().endswith(":"), line  # %8lu kB
    total, free = (int(lines[i].split()[1]) for i in (0, 1))
    assert 0 < free <= total


# -- test-state.sh -------------------------------------------------------------------------

ST, ST2, ST3 = "test_klp_state", "test_klp_state2", "test_klp_state3"
PRINTK = "/proc/sys/kernel/printk"


def _state_enable(lp: str, took_over: bool = False) -> str:
    alloc = "allocating space to store console_loglevel"
    if took_over:
        alloc = "space to store console_loglevel already allocated"
    fix = "taking over the console_loglevel change" if took_over else "fixing console_loglevel"
    return f"""% modprobe {lp}
livepatch: enabling patch '{lp}'
livepatch: '{lp}': initializing patching transition
{lp}: pre_patch_callback: vmlinux
{lp}: allocate_loglevel_state: {alloc}
livepatch: '{lp}': starting patching transition
livepatch: '{lp}': completing patching transition
{lp}: post_patch_callback: vmlinux
{lp}: fix_console_loglevel: {fix}
livepatch: '{lp}': patching complete"""


def _state_disable(lp: str) -> str:
    return f"""% echo 0 > {SYSFS}/{lp}/enabled
livepatch: '{lp}': initializing unpatching transition
{lp}: pre_unpatch_callback: vmlinux
{lp}: restore_console_loglevel: restoring console_loglevel
livepatch: '{lp}': starting unpatching transition
livepatch: '{lp}': completing unpatching transition
{lp}: post_unpatch_callback: vmlinux
{lp}: free_loglevel_state: freeing space for the stored console_loglevel
livepatch: '{lp}': unpatching complete"""


def test_state_system_state_modification(moddir, cli, tmp_path):
    """The patch saves console_loglevel in its klp_state and sets it to 15
    (CONSOLE_LOGLEVEL_MOTORMOUTH); disabling it puts back the level dmesg -n set."""
    s = Script(moddir)
    s.lines.append("dmesg -n 5")
    s.cat(PRINTK).load_lp(ST).cat(PRINTK).disable_lp(ST).cat(PRINTK).unload_lp(ST)
    out = check(s.run(cli, tmp_path), f"{_state_enable(ST)}\n{_state_disable(ST)}\n% rmmod {ST}")
    assert out == ["5\t4\t1\t7", "15\t4\t1\t7", "5\t4\t1\t7"]


def test_state_taking_over_system_state_modification(moddir, cli, tmp_path):
    s = Script(moddir).load_lp(ST).load_lp(ST2).cat(PRINTK).unload_lp(ST).disable_lp(ST2)
    s.cat(PRINTK).unload_lp(ST2)
    out = check(s.run(cli, tmp_path), f"""{_state_enable(ST)}
{_state_enable(ST2, took_over=True)}
% rmmod {ST}
{_state_disable(ST2)}
% rmmod {ST2}""")  # fmt: skip
    assert out == ["15\t4\t1\t7", "7\t4\t1\t7"]  # the level saved by the first patch


def test_state_compatible_cumulative_livepatches(moddir, cli, tmp_path):
    """Version 2 of the state replaces version 2 (test_klp_state3 includes state2's code),
    and state2 may come back over state3."""
    s = Script(moddir).load_lp(ST2).load_lp(ST3).unload_lp(ST2).load_lp(ST2).disable_lp(ST2)
    s.unload_lp(ST2).unload_lp(ST3).cat(PRINTK)
    out = check(s.run(cli, tmp_path), f"""{_state_enable(ST2)}
{_state_enable(ST3, took_over=True)}
% rmmod {ST2}
{_state_enable(ST2, took_over=True)}
{_state_disable(ST2)}
% rmmod {ST2}
% rmmod {ST3}""")  # fmt: skip
    assert out == ["7\t4\t1\t7"]


def test_state_incompatible_cumulative_livepatches(moddir, cli, tmp_path):
    """A patch with version 1 of the state cannot replace one with version 2."""
    s = Script(moddir).load_lp(ST2).load_failing_mod(ST).disable_lp(ST2).unload_lp(ST2)
    check(s.run(cli, tmp_path), f"""{_state_enable(ST2)}
% modprobe {ST}
livepatch: Livepatch patch ({ST}) is not compatible with the already installed livepatches.
modprobe: ERROR: could not insert '{ST}': Invalid argument
{_state_disable(ST2)}
% rmmod {ST2}""")  # fmt: skip


def test_state_console_loglevel_persists_across_one_shot_commands(moddir, cli):
    """console_printk is kernel data the state keeps: each command a new process."""
    mod = ["modprobe", "--moddir", str(moddir)]
    for argv, want in (
        (["dmesg", "-n", "3"], None),
        ([*mod, ST], None),
        (["cat", PRINTK], "15\t4\t1\t7\n"),
        (["-c", f"echo 0 > {SYSFS}/{ST}/enabled"], None),
        (["cat", PRINTK], "3\t4\t1\t7\n"),
        (["rmmod", ST], None),
        (["-c", f"echo 6 5 > {PRINTK}"], None),
        (["cat", PRINTK], "6\t5\t1\t7\n"),
    ):
        r = cli(*argv)
        assert r.returncode == 0, (argv, r.stderr)
        if want is not None:
            assert r.stdout == want
