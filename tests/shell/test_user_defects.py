"""What a new user tripped over: misleading errors, pipes, the architecture, files left behind."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from .conftest import BROKEN, REPO, SAMPLES, assert_no_traceback, base_env, lkmsh_script

pexpect = pytest.importorskip("pexpect")


def test_a_full_disk_is_a_write_error_not_an_internal_one(lkmsh, tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    argv = [*lkmsh_script(), "--state", str(tmp_path / "k.sqlite"), "lsmod"]
    with open("/dev/full", "w") as full:
        proc = subprocess.run(argv, stdout=full, stderr=subprocess.PIPE, env=base_env(tmp_path))
    assert proc.returncode == 1
    assert proc.stderr.decode() == "lsmod: write error: No space left on device\n"


def test_a_directory_as_the_state_says_so(lkmsh, tmp_path):
    r = lkmsh("--state", str(tmp_path), "lsmod", with_state=False)
    assert r.returncode == 1
    assert r.stderr.startswith(f"lsmod: ERROR: {tmp_path}: Is a directory")
    assert "disk I/O" not in r.stderr


def test_a_trailing_backslash_is_no_empty_argument(lkmsh):
    r = lkmsh("-c", "rmmod hello \\")
    assert r.returncode == 1
    assert r.stderr == "rmmod: ERROR: Module hello is not currently loaded\n"


def test_a_backslash_continues_a_script_line(lkmsh, tmp_path, kernel_ready):
    script = tmp_path / "load.lk"
    script.write_text(f"insmod \\\n  {SAMPLES / 'hello.ko'} \\\n  who=continued\nlsmod\n")
    r = lkmsh(str(script))
    assert r.returncode == 0, r.stderr
    assert "\nhello " in r.stdout


def test_a_crash_points_at_dmesg(lkmsh, kernel_ready):
    r = lkmsh("insmod", str(BROKEN / "null_deref.ko"))
    assert r.returncode == 1
    assert r.stderr.endswith(": Bad address (see dmesg)\n")


def test_inserting_a_source_file_hints_at_the_builder(lkmsh, kernel_ready):
    src = str(SAMPLES / "hello.c")
    r = lkmsh("insmod", src)
    assert r.returncode == 1
    assert "Invalid module format" in r.stderr
    assert f"build it with 'lkmsh build {src}'" in r.stderr


def test_script_errors_name_file_and_line(lkmsh, tmp_path, kernel_ready):
    script = tmp_path / "steps.lk"
    script.write_text("# setup\nlsmod\ninsmod nothere.ko\n")
    r = lkmsh(str(script))
    assert r.returncode == 1
    assert r.stderr == (
        f"{script}:3: insmod: ERROR: could not load module nothere.ko: No such file or directory\n"
    )


def test_a_mistyped_command_gets_a_suggestion(lkmsh):
    r = lkmsh("lsmdo")
    assert r.returncode != 0 and "did you mean 'lsmod'" in r.stderr
    r = lkmsh("-c", "dmseg")
    assert r.returncode == 1 and "did you mean 'dmesg'" in r.stderr


def test_a_command_pipes_into_a_host_pipeline(lkmsh, kernel_ready):
    for mod in ("chain_bottom", "chain_middle"):
        assert lkmsh("insmod", str(SAMPLES / f"{mod}.ko")).returncode == 0
    r = lkmsh("-c", "lsmod | sort -k1 | head -2; dmesg | grep -c chain_")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "Module                  Size  Used by"
    assert lines[1].startswith("chain_bottom ")
    assert int(lines[2]) >= 1
    # a host command that fails fails the line, as the last command of a pipe does
    assert lkmsh("-c", "lsmod | grep -q no_such_module").returncode == 1


@pytest.mark.parametrize("columns", [60, 120])
def test_lkmsh_piped_on_a_terminal_reads_commands_instead_of_a_repl(tmp_path, state, columns):
    env = base_env(tmp_path)
    env.update(TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1")
    cmd = " ".join([*lkmsh_script(), "--state", str(state), "| cat"])
    child = pexpect.spawn(
        "/bin/sh", ["-c", cmd], env=env, cwd=str(REPO), encoding="utf-8", timeout=60,
        dimensions=(30, columns),
    )  # fmt: skip
    child.expect("no REPL")
    child.sendline("lsmod")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert "Module                  Size  Used by" in child.before
    assert "lkmsh>" not in child.before and "\x1b[" not in child.before
    assert child.exitstatus == 0


@pytest.mark.skipif(not shutil.which("aarch64-linux-gnu-gcc"), reason="no aarch64 cross gcc")
def test_build_and_commands_follow_the_states_architecture(lkmsh, tmp_path):
    assert lkmsh("--arch", "aarch64", "reboot").returncode == 0
    out = tmp_path / "hello.ko"
    r = lkmsh("build", str(SAMPLES / "hello.c"), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert int.from_bytes(out.read_bytes()[18:20], "little") == 183  # EM_AARCH64
    r = lkmsh("--arch", "x86_64", "lsmod")
    assert r.returncode == 1
    assert "the saved kernel is aarch64, not x86_64" in r.stderr
    r = lkmsh("--arch", "aarch64", "reboot")
    assert lkmsh("reboot").returncode == 0  # keeps aarch64
    x86 = tmp_path / "x86.sqlite"
    r = lkmsh("--state", str(x86), "--arch", "x86_64", "reboot", with_state=False)
    r = lkmsh("--state", str(x86), "--arch", "aarch64", "lsmod", with_state=False)
    assert "starts an aarch64 kernel" in r.stderr
    assert_no_traceback(r)


def test_depmod_over_the_samples_leaves_no_untracked_file(lkmsh, tmp_path):
    if not shutil.which("git") or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    copy = tmp_path / "sample_modules"
    # (without the index files of a depmod already run in the checkout, as the docs suggest)
    ignore = shutil.ignore_patterns("*.c", "*.S", "Makefile", "modules.*")
    shutil.copytree(SAMPLES, copy, ignore=ignore)
    before = {p.name for p in copy.iterdir()}
    r = lkmsh("depmod", str(copy), env={"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert r.returncode == 0, r.stderr
    made = sorted({p.name for p in copy.iterdir()} - before)
    assert len(made) >= 10 and all(m.startswith("modules.") for m in made)
    paths = [f"sample_modules/{m}" for m in made]
    proc = subprocess.run(["git", "check-ignore", *paths], cwd=REPO, capture_output=True, text=True)
    assert sorted(proc.stdout.split()) == sorted(paths)
    assert (tmp_path / "cache" / "lkmsh" / "depmod").is_dir()  # the cache honours XDG


def test_a_printk_of_several_lines_is_one_record(lkmsh, tmp_path, kernel_ready):
    src = tmp_path / "twolines.c"
    src.write_text(
        "#include <linux/module.h>\n#include <linux/kernel.h>\n"
        "static int __init twolines_init(void)\n{\n"
        '\tpr_info("twolines: first\\ntwolines: second\\n");\n\treturn 0;\n}\n'
        "static void __exit twolines_exit(void)\n{\n}\n"
        'module_init(twolines_init);\nmodule_exit(twolines_exit);\nMODULE_LICENSE("GPL");\n'
    )
    ko = tmp_path / "twolines.ko"
    assert lkmsh("build", str(src), "-o", str(ko)).returncode == 0
    assert lkmsh("insmod", str(ko)).returncode == 0
    lines = [
        ln for ln in lkmsh("dmesg").stdout.splitlines() if "twolines: f" in ln or "s: sec" in ln
    ]
    assert len(lines) == 2
    # one timestamp: the record's next line is indented under the text, as util-linux
    # prints a record read from /dev/kmsg; -p repeats the prefix on it
    assert re.fullmatch(r"\[ *\d+\.\d{6}\] twolines: first", lines[0])
    assert lines[1] == " " * 15 + "twolines: second"
    forced = [ln for ln in lkmsh("dmesg", "-p").stdout.splitlines() if "twolines: " in ln]
    assert forced[-1] == lines[0][:15] + "twolines: second"
    records = json.loads(lkmsh("dmesg", "--json").stdout)["dmesg"]  # util-linux's shape
    assert {
        "pri": 6,
        "time": records[-1]["time"],
        "msg": "twolines: first\ntwolines: second",
    } in records


def test_install_links_says_what_it_made(lkmsh, tmp_path):
    d = tmp_path / "bin"
    d.mkdir()
    r = lkmsh("install-links", str(d))
    assert r.returncode == 0, r.stderr
    made = r.stdout.splitlines()
    assert [ln.split(" -> ")[0] for ln in made] == [
        str(d / t) for t in ("insmod", "rmmod", "lsmod", "modinfo", "modprobe", "depmod")
    ]
    assert all(os.readlink(d / t) == made[0].split(" -> ")[1] for t in ("insmod", "depmod"))


def test_help_names_the_default_state_path_and_v_is_version(lkmsh, tmp_path):
    r = lkmsh("--help", with_state=False)
    assert r.returncode == 0
    default = tmp_path / "xdg-state" / "lkmsh" / "kernel.sqlite"  # base_env's XDG_STATE_HOME
    flat = "".join(r.stdout.split())  # click wraps long paths, at hyphens too
    assert f"Here:{default}" in flat
    r = lkmsh("--help", with_state=False, env={"LKMSH_STATE": str(tmp_path / "mine.sqlite")})
    assert f"Here:{tmp_path / 'mine.sqlite'}" in "".join(r.stdout.split())
    v = lkmsh("-V", with_state=False)
    assert v.returncode == 0 and v.stdout.startswith("lkmsh ")
    assert v.stdout == lkmsh("--version", with_state=False).stdout


def test_dmesg_decodes_levels_and_prints_wall_clock_times(lkmsh, kernel_ready):
    assert lkmsh("insmod", str(SAMPLES / "hello.ko"), "who=decoded").returncode == 0
    plain = lkmsh("dmesg").stdout.splitlines()
    decoded = lkmsh("dmesg", "-x").stdout.splitlines()
    assert len(decoded) == len(plain)
    assert "kern  :info  : " + next(ln for ln in plain if "decoded" in ln) in decoded
    assert any(ln.startswith("kern  :warn  : [") for ln in decoded)  # the taint notice
    ctime = lkmsh("dmesg", "-T").stdout.splitlines()
    import re

    stamp = re.compile(r"^\[(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\] ")
    assert all(stamp.match(ln) for ln in ctime), ctime
    assert [stamp.sub("", ln) for ln in ctime] == [ln[15:] for ln in plain]


def test_dmesg_follow_prints_what_other_commands_add(tmp_path, state, lkmsh, kernel_ready):
    argv = [*lkmsh_script(), "--state", str(state), "dmesg", "--follow"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, env=base_env(tmp_path), cwd=REPO)
    try:
        assert lkmsh("insmod", str(SAMPLES / "hello.ko"), "who=follower").returncode == 0
        line = b""
        while b"follower" not in line:
            line = proc.stdout.readline()
            assert line, "dmesg --follow ended"
    finally:
        proc.send_signal(__import__("signal").SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode == 0
