"""samples/livepatch, unmodified: the live patch of /proc/cmdline, the callbacks demo with
its two target modules, and the shadow variable demo with its two fixes.

Each step is one one-shot ``lkmsh`` command on one state file, as a user types
them (the transition and the patches carry over from command to command), and
the dmesg lines are Linux 6.1's.
"""

from __future__ import annotations

import re

from corpus_helpers import log_text

SAMPLES = "samples/livepatch"
HASHED = r"[0-9a-f]{16}"
SYS = "/sys/kernel/livepatch"


def _ok(r):
    assert r.returncode == 0, r.stderr
    return r


def _log(cli) -> list[str]:
    out = _ok(cli("dmesg")).stdout
    return [line for line in log_text(out) if "taints kernel." not in line]


def _build(tree, cli, *names: str) -> dict[str, str]:
    kos = {}
    for name in names:
        build, ko = cli.build_cmd(tree, f"{SAMPLES}/{name}.c")
        _ok(cli(*build.split()))
        kos[name] = str(ko)
    return kos


def test_livepatch_sample_patches_proc_cmdline(tree, cli):
    ko = _build(tree, cli, "livepatch-sample")["livepatch-sample"]
    _ok(cli("insmod", ko))
    assert _ok(cli("cat", "/proc/cmdline")).stdout == "this has been live patched\n"
    for name, value in (("enabled", "1"), ("transition", "0"), ("vmlinux/patched", "1")):
        assert _ok(cli("cat", f"{SYS}/livepatch_sample/{name}")).stdout == f"{value}\n"
    assert "cmdline_proc_show,1" in _ok(cli("ls", f"{SYS}/livepatch_sample/vmlinux")).stdout
    modules = _ok(cli("cat", "/proc/modules")).stdout
    assert re.search(r"^livepatch_sample \d+ 1 - Live 0x[0-9a-f]+ \(OK\)$", modules, re.M)
    r = cli("rmmod", "livepatch_sample")
    assert r.returncode == 1
    assert r.stderr.strip() == "rmmod: ERROR: Module livepatch_sample is in use"
    _ok(cli("-c", f"echo 0 > {SYS}/livepatch_sample/enabled"))
    assert _ok(cli("cat", "/proc/cmdline")).stdout == "\n"
    _ok(cli("rmmod", "livepatch_sample"))
    assert _log(cli) == [
        "livepatch_sample: tainting kernel with TAINT_LIVEPATCH",
        "livepatch: enabling patch 'livepatch_sample'",
        "livepatch: 'livepatch_sample': starting patching transition",
        "livepatch: 'livepatch_sample': patching complete",
        "livepatch: 'livepatch_sample': starting unpatching transition",
        "livepatch: 'livepatch_sample': unpatching complete",
    ]
    assert _ok(cli("cat", "/proc/sys/kernel/tainted")).stdout == "36864\n"  # O and K


def _callbacks(demo: str, what: str, mod: str | None = None, state: str = "") -> str:
    states = {
        "LIVE": "[MODULE_STATE_LIVE] Normal state",
        "COMING": "[MODULE_STATE_COMING] Full formed, running module_init",
        "GOING": "[MODULE_STATE_GOING] Going away",
    }
    return f"{demo}: {what}_callback: " + (f"{mod} -> {states[state]}" if mod else "vmlinux")


def test_callbacks_demo_with_a_target_loaded_after_it_and_a_busy_one(tree, cli):
    """The demo's usage, with the insmod order swapped as its NOTE suggests, then its
    busymod parked on the function the patch replaces (sleep_secs) for a stalled
    transition that completes once the work item has left it."""
    kos = _build(
        tree,
        cli,
        "livepatch-callbacks-demo",
        "livepatch-callbacks-mod",
        "livepatch-callbacks-busymod",
    )
    demo, mod, busy = "livepatch_callbacks_demo", "livepatch_callbacks_mod", "livepatch_callbacks_busymod"  # fmt: skip
    _ok(cli("insmod", kos["livepatch-callbacks-demo"]))
    _ok(cli("insmod", kos["livepatch-callbacks-mod"]))
    _ok(cli("rmmod", mod))
    _ok(cli("-c", f"echo 0 > {SYS}/{demo}/enabled"))
    _ok(cli("rmmod", demo))
    assert _log(cli) == [
        f"{demo}: tainting kernel with TAINT_LIVEPATCH",
        f"livepatch: enabling patch '{demo}'",
        _callbacks(demo, "pre_patch"),
        f"livepatch: '{demo}': starting patching transition",
        _callbacks(demo, "post_patch"),
        f"livepatch: '{demo}': patching complete",
        f"livepatch: applying patch '{demo}' to loading module '{mod}'",
        _callbacks(demo, "pre_patch", mod, "COMING"),
        _callbacks(demo, "post_patch", mod, "COMING"),
        f"{mod}: livepatch_callbacks_mod_init",
        f"{mod}: livepatch_callbacks_mod_exit",
        _callbacks(demo, "pre_unpatch", mod, "GOING"),
        f"livepatch: reverting patch '{demo}' on unloading module '{mod}'",
        _callbacks(demo, "post_unpatch", mod, "GOING"),
        _callbacks(demo, "pre_unpatch"),
        f"livepatch: '{demo}': starting unpatching transition",
        _callbacks(demo, "post_unpatch"),
        f"livepatch: '{demo}': unpatching complete",
    ]

    _ok(cli("dmesg", "-C"))
    _ok(cli("insmod", kos["livepatch-callbacks-busymod"], "sleep_secs=10"))
    _ok(cli("insmod", kos["livepatch-callbacks-demo"]))
    assert _ok(cli("cat", f"{SYS}/{demo}/transition")).stdout == "1\n"
    _ok(cli("sleep", "5"))
    assert _ok(cli("cat", f"{SYS}/{demo}/transition")).stdout == "1\n"
    _ok(cli("sleep", "6"))
    assert _ok(cli("cat", f"{SYS}/{demo}/transition")).stdout == "0\n"
    _ok(cli("-c", f"echo 0 > {SYS}/{demo}/enabled"))
    _ok(cli("rmmod", demo))
    _ok(cli("rmmod", busy))
    assert _log(cli) == [
        f"{busy}: livepatch_callbacks_mod_init",
        f"{busy}: busymod_work_func, sleeping 10 seconds ...",
        f"livepatch: enabling patch '{demo}'",
        _callbacks(demo, "pre_patch"),
        _callbacks(demo, "pre_patch", busy, "LIVE"),
        f"livepatch: '{demo}': starting patching transition",
        f"{busy}: busymod_work_func exit",
        _callbacks(demo, "post_patch"),
        _callbacks(demo, "post_patch", busy, "LIVE"),
        f"livepatch: '{demo}': patching complete",
        _callbacks(demo, "pre_unpatch"),
        _callbacks(demo, "pre_unpatch", busy, "LIVE"),
        f"livepatch: '{demo}': starting unpatching transition",
        _callbacks(demo, "post_unpatch"),
        _callbacks(demo, "post_unpatch", busy, "LIVE"),
        f"livepatch: '{demo}': unpatching complete",
        f"{busy}: livepatch_callbacks_mod_exit",
    ]


def test_callbacks_demo_pre_patch_ret_refuses_a_target_module(tree, cli):
    """The demo's NOTE: pre_patch_ret=-19 set after it is loaded refuses the next target."""
    kos = _build(tree, cli, "livepatch-callbacks-demo", "livepatch-callbacks-mod")
    demo = "livepatch_callbacks_demo"
    _ok(cli("insmod", kos["livepatch-callbacks-demo"]))
    _ok(cli("-c", f"echo -19 > /sys/module/{demo}/parameters/pre_patch_ret"))
    r = cli("insmod", kos["livepatch-callbacks-mod"])
    assert r.returncode == 1
    assert r.stderr.strip() == (
        f"insmod: ERROR: could not insert module {kos['livepatch-callbacks-mod']}: No such device"
    )
    assert _log(cli)[-4:] == [
        f"livepatch: applying patch '{demo}' to loading module 'livepatch_callbacks_mod'",
        _callbacks(demo, "pre_patch", "livepatch_callbacks_mod", "COMING"),
        "livepatch: pre-patch callback failed for object 'livepatch_callbacks_mod'",
        f"livepatch: patch '{demo}' failed for module 'livepatch_callbacks_mod', refusing to"
        " load module 'livepatch_callbacks_mod'",
    ]


def test_shadow_variable_fixes_stop_the_leak_and_count_the_checks(tree, cli):
    """livepatch-shadow-mod.c leaks an int per dummy; fix1 keeps the pointer in an
    SV_LEAK shadow variable and frees it with the dummy, fix2 also counts the expiry
    checks in SV_COUNTER; both exits free what is left (klp_shadow_free_all)."""
    kos = _build(
        tree, cli, "livepatch-shadow-mod", "livepatch-shadow-fix1", "livepatch-shadow-fix2"
    )
    _ok(cli("insmod", kos["livepatch-shadow-mod"]))
    _ok(cli("sleep", "5"))
    _ok(cli("insmod", kos["livepatch-shadow-fix1"]))
    _ok(cli("sleep", "5"))
    _ok(cli("insmod", kos["livepatch-shadow-fix2"]))
    _ok(cli("sleep", "15"))
    _ok(cli("-c", f"echo 0 > {SYS}/livepatch_shadow_fix2/enabled"))
    _ok(cli("rmmod", "livepatch_shadow_fix2"))
    _ok(cli("-c", f"echo 0 > {SYS}/livepatch_shadow_fix1/enabled"))
    _ok(cli("rmmod", "livepatch_shadow_fix1"))
    _ok(cli("rmmod", "livepatch_shadow_mod"))
    log = _log(cli)
    fix1, fix2 = "livepatch_shadow_fix1", "livepatch_shadow_fix2"
    early = [m.group(1) for line in log if (m := re.fullmatch(rf"dummy_alloc: dummy @ ({HASHED}), expires @ [0-9a-f]+", line))]  # fmt: skip
    assert len(early) == 5  # one a second before fix1
    leaked = {m.group(1) for line in log if (m := re.fullmatch(rf"{fix2}: livepatch_fix2_dummy_free: dummy @ ({HASHED}) leaked!", line))}  # fmt: skip
    assert leaked == set(early)  # made before fix1: nothing kept their leak
    prevented = [line for line in log if "prevented leak" in line]
    dtor = rf"livepatch_shadow_fix(\d): livepatch_fix\1_dummy_leak_dtor: dummy @ {HASHED}, prevented leak @ {HASHED}"  # fmt: skip
    assert prevented and all(re.fullmatch(dtor, line) for line in prevented)
    counts = [int(m.group(1)) for line in log if (m := re.search(r"check counter = (\d+)", line))]
    assert counts and min(counts) >= 1
    for name in (fix1, fix2):
        assert f"livepatch: '{name}': patching complete" in log
        assert f"livepatch: '{name}': unpatching complete" in log
    # the five ints leaked before fix1 are what the module's unload reports
    assert "kmemleak: 5 new suspected memory leaks (see /sys/kernel/debug/kmemleak)" in log
