"""The issue's stories through the real console script, over a persistent kernel.

Each ``lkmsh`` call is a new process; the kernel lives in the --state file
between them: its module list, its log, and its modules' memory.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .conftest import BROKEN, REPO, SAMPLES, assert_no_traceback, base_env, lkmsh_script
from .test_cli import heavy, imported_after

pytestmark = pytest.mark.usefixtures("kernel_ready")


def names(lsmod_text: str) -> list[str]:
    return [line.split()[0] for line in lsmod_text.splitlines()[1:]]


def test_insmod_in_one_process_lsmod_dmesg_rmmod_in_others(lkmsh):
    r = lkmsh("insmod", "sample_modules/hello.ko", "who=world")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    ls = lkmsh("lsmod")
    assert ls.returncode == 0
    assert ls.stdout.splitlines()[0] == "Module                  Size  Used by"
    assert re.fullmatch(r"hello {15}[ \d]{8} {2}0", ls.stdout.splitlines()[1])
    assert lkmsh("dmesg").stdout.splitlines()[-1].endswith("hello: Hello, world")
    assert lkmsh("rmmod", "hello").returncode == 0
    assert names(lkmsh("lsmod").stdout) == []
    assert lkmsh("dmesg").stdout.splitlines()[-1].endswith("hello: Goodbye, world")


def test_module_memory_persists_between_processes(lkmsh):
    # procfs.ko counts reads of /proc/hello_proc in a static variable of the module.
    assert lkmsh("insmod", "sample_modules/procfs.ko").returncode == 0
    assert lkmsh("cat", "/proc/hello_proc").stdout == "reads: 1\nHello from /proc\n"
    assert lkmsh("cat", "/proc/hello_proc").stdout.startswith("reads: 2\n")
    assert lkmsh("-c", "cat /proc/hello_proc; cat hello_proc").stdout.count("reads: ") == 2
    assert lkmsh("rmmod", "procfs").returncode == 0
    assert "removed /proc/hello_proc after 4 reads" in lkmsh("dmesg").stdout


def test_parameters_reach_the_module(lkmsh):
    assert (
        lkmsh("insmod", "sample_modules/hello.ko", "who=you", "times=2", "nums=1,2,3").returncode
        == 0
    )
    log = lkmsh("dmesg").stdout
    assert log.count("hello: Hello, you") == 2
    assert "hello: 3 numbers add up to 6" in log


def test_dependencies_lsmod_used_by_and_rmmod_in_use(lkmsh):
    r = lkmsh("-c", "insmod sample_modules/provider.ko; insmod sample_modules/consumer.ko; lsmod")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert names(r.stdout) == ["consumer", "provider"]
    assert lines[2].endswith("  1 consumer")
    busy = lkmsh("rmmod", "provider")
    assert (busy.returncode, busy.stderr) == (
        1,
        "rmmod: ERROR: Module provider is in use by: consumer\n",
    )
    gone = lkmsh("rmmod", "nosuch")
    assert (gone.returncode, gone.stderr) == (
        1,
        "rmmod: ERROR: Module nosuch is not currently loaded\n",
    )
    # several names: each is tried, the failure is reported, the status is 1
    both = lkmsh("rmmod", "nosuch", "consumer")
    assert both.returncode == 1
    assert names(lkmsh("lsmod").stdout) == ["provider"]
    symbols = lkmsh("ksyms", "-m", "provider").stdout
    assert re.search(r"^[0-9a-f]{16} [TD] provider_\w+\t\[provider\]$", symbols, re.M)
    assert "buckets:        256" in lkmsh("ksyms", "--stats").stdout


def test_insmod_failures_read_as_kmods(lkmsh, tmp_path):
    bad_param = lkmsh("insmod", "sample_modules/hello.ko", "times=notanumber")
    assert bad_param.returncode == 1
    assert bad_param.stderr == (
        "insmod: ERROR: could not insert module sample_modules/hello.ko: Invalid parameters\n"
    )
    assert lkmsh("insmod", "sample_modules/hello.ko").returncode == 0
    cases = [
        (
            ["sample_modules/hello.ko"],
            "could not insert module sample_modules/hello.ko: File exists",
        ),
        (
            ["sample_modules/consumer.ko"],
            "could not insert module sample_modules/consumer.ko: Unknown symbol in module",
        ),
        (["missing.ko"], "could not load module missing.ko: No such file or directory"),
        (
            ["sample_modules/broken/init_fail.ko"],
            "could not insert module sample_modules/broken/init_fail.ko: No such device",
        ),
        (
            ["sample_modules/broken/null_deref.ko"],
            "could not insert module sample_modules/broken/null_deref.ko: Bad address (see dmesg)",
        ),
    ]
    garbage = tmp_path / "garbage.ko"
    garbage.write_bytes(b"\x7fELF" + os.urandom(200))
    cases.append(([str(garbage)], f"could not insert module {garbage}: Invalid module format"))
    for args, message in cases:
        r = lkmsh("insmod", *args)
        assert r.returncode == 1, args
        assert r.stderr.startswith("insmod: ERROR: ") and message in r.stderr, (args, r.stderr)
        assert r.stderr.count("\n") == 1
        assert_no_traceback(r)
    assert lkmsh("rmmod", "hello").returncode == 0
    # failures leave no module behind, but their story is in dmesg (an Oops for null_deref)
    assert names(lkmsh("lsmod").stdout) == []
    assert "Oops" in lkmsh("dmesg").stdout or "BUG" in lkmsh("dmesg").stdout


def test_proc_files_have_the_kernels_formats(lkmsh):
    lkmsh("-c", "insmod sample_modules/provider.ko; insmod sample_modules/consumer.ko")
    modules = lkmsh("cat", "/proc/modules").stdout.splitlines()
    assert re.fullmatch(r"consumer \d+ 0 - Live 0x[0-9a-f]{16}( \([A-Z]+\))?", modules[0])
    assert re.fullmatch(r"provider \d+ 1 consumer, Live 0x[0-9a-f]{16}( \([A-Z]+\))?", modules[1])
    # lsmod is /proc/modules seen through kmod's format
    lsmod = lkmsh("lsmod").stdout.splitlines()[1:]
    for proc_line, ls_line in zip(modules, lsmod, strict=True):
        name, size, refs = proc_line.split()[:3]
        assert ls_line.split()[:3] == [name, size, refs]
    kallsyms = lkmsh("cat", "/proc/kallsyms").stdout
    assert re.search(r"^[0-9a-f]{16} [Tt] \w+\t\[provider\]$", kallsyms, re.M)
    assert re.search(r"^[0-9a-f]{16} T printk$", kallsyms, re.M)
    missing = lkmsh("cat", "/proc/nosuch")
    assert missing.returncode == 1 and "/proc/nosuch" in missing.stderr


def test_json_everywhere(lkmsh):
    r = lkmsh("--json", "insmod", "sample_modules/hello.ko", "who=json")
    assert json.loads(r.stdout)["name"] == "hello"
    data = json.loads(lkmsh("lsmod", "--json").stdout)
    assert [m["name"] for m in data["modules"]] == ["hello"]
    assert data["modules"][0]["state"] == "Live"
    records = json.loads(lkmsh("--json", "dmesg").stdout)["dmesg"]  # util-linux's shape
    assert any(r["msg"] == "hello: Hello, json" and r["pri"] == 6 for r in records)
    syms = json.loads(lkmsh("--json", "ksyms", "printk").stdout)
    printk = next(s for s in syms if s["name"] == "printk")
    assert printk["owner"] is None and printk["kind"] == "function"
    assert all("printk" in s["name"] for s in syms)  # no glob characters: a substring
    assert json.loads(lkmsh("--json", "modinfo", "hello").stdout)[0]["filename"] == str(
        SAMPLES / "hello.ko"
    )


def test_modinfo_of_a_loaded_module_finds_its_file(lkmsh):
    lkmsh("insmod", "sample_modules/hello.ko")
    by_name = lkmsh("modinfo", "hello")
    by_file = lkmsh("modinfo", "sample_modules/hello.ko")
    assert by_name.stdout == by_file.stdout
    assert by_name.stdout.startswith(f"filename:       {SAMPLES / 'hello.ko'}\n")


def test_dmesg_levels_and_clear(lkmsh):
    lkmsh("insmod", "sample_modules/broken/null_deref.ko")
    errors = lkmsh("dmesg", "-l", "err,alert,emerg,crit").stdout
    assert errors and "Hello" not in errors
    assert lkmsh("dmesg", "-c").stdout
    assert lkmsh("dmesg").stdout == ""


def test_reboot_starts_a_fresh_kernel(lkmsh):
    lkmsh("insmod", "sample_modules/hello.ko")
    assert lkmsh("reboot").returncode == 0
    assert names(lkmsh("lsmod").stdout) == []
    assert "Hello" not in lkmsh("dmesg").stdout


def test_piped_lsmod_after_insmod_still_builds_no_kernel(lkmsh, tmp_path, state):
    lkmsh("insmod", "sample_modules/hello.ko")
    mods, out = imported_after(tmp_path, "--state", str(state), "lsmod")
    assert names(out) == ["hello"]
    assert heavy(mods) == []


def test_build_then_insmod(lkmsh, tmp_path):
    if shutil.which("gcc") is None:
        pytest.skip("needs gcc")
    src = tmp_path / "tiny.c"
    src.write_text(
        "#include <linux/module.h>\n"
        'static int __init tiny_init(void) { pr_info("tiny: up\\n"); return 0; }\n'
        "static void __exit tiny_exit(void) { }\n"
        'module_init(tiny_init);\nmodule_exit(tiny_exit);\nMODULE_LICENSE("GPL");\n'
    )
    r = lkmsh("build", str(src), "-o", str(tmp_path / "tiny.ko"))
    assert r.returncode == 0, r.stderr
    assert lkmsh("insmod", str(tmp_path / "tiny.ko")).returncode == 0
    assert "tiny: up" in lkmsh("dmesg").stdout
    bad = tmp_path / "bad.c"
    bad.write_text("int x = ;\n")
    r = lkmsh("build", str(bad), "-o", str(tmp_path / "bad.ko"))
    assert r.returncode == 1 and r.stderr.startswith("lkmsh build: ERROR: ")


def test_kill_9_mid_insmod_leaves_the_state_of_before(lkmsh, tmp_path, state):
    assert lkmsh("insmod", "sample_modules/hello.ko").returncode == 0
    before = lkmsh("dmesg").stdout
    env = base_env(tmp_path)
    env.update(LKMSH_TIMEOUT="600", LKMSH_WATCHDOG_THRESH="0")  # only Ctrl-C/kill stops it
    proc = subprocess.Popen(
        [*lkmsh_script(), "--state", str(state), "insmod", str(BROKEN / "endless_loop.ko")],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)  # start-up is well under a second; the module then spins
        assert proc.poll() is None, "the endless loop should still be running"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert names(lkmsh("lsmod").stdout) == ["hello"]
    assert lkmsh("dmesg").stdout == before
    # the state is usable: the lock is free and commands change it again
    assert lkmsh("rmmod", "hello").returncode == 0
    assert lkmsh("insmod", "sample_modules/procfs.ko").returncode == 0
    assert names(lkmsh("lsmod").stdout) == ["procfs"]


TINY = """#include <linux/module.h>
static int __init m_init(void) { pr_info("%s up\\n", KBUILD_MODNAME); return 0; }
static void __exit m_exit(void) { }
module_init(m_init);
module_exit(m_exit);
MODULE_LICENSE("GPL");
"""


def test_eight_processes_at_once_lose_no_update(lkmsh, tmp_path, state):
    if shutil.which("gcc") is None:
        pytest.skip("needs gcc to build eight distinct modules")
    from lkmsh.build import build_module

    kos = []
    for i in range(8):
        src = tmp_path / f"par{i}.c"
        src.write_text(TINY)
        kos.append(build_module([src], tmp_path / f"par{i}.ko"))
    env = base_env(tmp_path)

    def worker(i: int) -> subprocess.CompletedProcess:
        ko = kos[i]
        script = f"insmod {ko}; rmmod par{i}; insmod {ko}" + (f"; rmmod par{i}" if i % 2 else "")
        return subprocess.run(
            [*lkmsh_script(), "--state", str(state), "-c", script],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(worker, range(8)))
    for r in results:
        assert r.returncode == 0, r.stderr
    assert sorted(names(lkmsh("lsmod").stdout)) == ["par0", "par2", "par4", "par6"]
    log = lkmsh("dmesg").stdout
    for i in range(8):
        assert log.count(f"par{i} up") == 2, i


def test_multi_call_insmod_and_lsmod(lkmsh, tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    assert lkmsh("install-links", str(bindir)).returncode == 0
    env = base_env(tmp_path)
    env["LKMSH_STATE"] = str(tmp_path / "multicall.sqlite")

    def tool(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(bindir / argv[0]), *argv[1:]], env=env, cwd=REPO, capture_output=True, text=True
        )

    assert tool("insmod", "sample_modules/hello.ko", "who=link").returncode == 0
    assert names(tool("lsmod").stdout) == ["hello"]
    assert tool("rmmod", "hello").returncode == 0
    again = tool("rmmod", "hello")
    assert (again.returncode, again.stderr) == (
        1,
        "rmmod: ERROR: Module hello is not currently loaded\n",
    )


def test_state_file_is_where_we_said(lkmsh, tmp_path):
    env = {"LKMSH_STATE": str(tmp_path / "from-env.sqlite")}
    assert lkmsh("insmod", "sample_modules/hello.ko", env=env, with_state=False).returncode == 0
    assert Path(tmp_path / "from-env.sqlite").exists()
    assert names(lkmsh("lsmod", env=env, with_state=False).stdout) == ["hello"]
    # the default: under XDG_STATE_HOME
    assert lkmsh("insmod", "sample_modules/procfs.ko", with_state=False).returncode == 0
    assert (tmp_path / "xdg-state" / "lkmsh" / "kernel.sqlite").exists()


def test_ctrl_c_stops_a_one_shot_insmod_cleanly(lkmsh, tmp_path, state):
    env = base_env(tmp_path)
    env.update(LKMSH_TIMEOUT="600", LKMSH_WATCHDOG_THRESH="0")  # only Ctrl-C/kill stops it
    proc = subprocess.Popen(
        [*lkmsh_script(), "--state", str(state), "insmod", "sample_modules/broken/endless_loop.ko"],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(3)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()  # never leave an endless loop spinning when the test fails
    assert proc.returncode == 1
    assert err == (
        "insmod: ERROR: could not insert module sample_modules/broken/endless_loop.ko: "
        "Bad address (see dmesg)\n"
    )
    assert names(lkmsh("lsmod").stdout) == []
    assert "endless_loop: spinning forever" in lkmsh("dmesg").stdout
