"""The console script: exit codes, kmod's error words, JSON, multi-call links, a lean start.

Everything here runs without module code; the kernel-backed stories are in
test_end_to_end.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from click.testing import CliRunner

from lkmsh.shell.cli import cli

from .conftest import SAMPLES, assert_no_traceback, base_env, lkmsh_script

HELLO = str(SAMPLES / "hello.ko")
HEAVY = ("rich", "prompt_toolkit", "unicorn", "elftools", "lkmsh.kernel.kernel")


def imported_after(tmp_path, *args: str) -> tuple[set[str], str]:
    """Run the console script's main() with piped stdout; return sys.modules and stdout."""
    code = (
        "import sys\n"
        f"sys.argv = ['lkmsh', *{list(args)!r}]\n"
        "from lkmsh.shell.cli import main\n"
        "rc = main()\n"
        "sys.stderr.write('MODULES ' + ' '.join(sorted(sys.modules)) + '\\n')\n"
        "sys.exit(rc)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=base_env(tmp_path)
    )
    assert proc.returncode == 0, proc.stderr
    line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("MODULES "))
    return set(line.split()[1:]), proc.stdout


def heavy(mods: set[str]) -> list[str]:
    return sorted(m for m in mods if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_piped_lsmod_imports_no_rich_prompt_toolkit_unicorn_pyelftools_nor_the_kernel(
    tmp_path, state
):
    mods, out = imported_after(tmp_path, "--state", str(state), "lsmod")
    assert out == "Module                  Size  Used by\n"
    assert heavy(mods) == []


def test_piped_dmesg_reads_the_log_without_the_kernel_unicorn_or_rich(tmp_path, state, lkmsh):
    """A one-shot dmesg (printing only) reads the log rows, not the kernel (issue 17, 8)."""
    assert lkmsh("--state", str(state), "insmod", HELLO).returncode == 0
    mods, out = imported_after(tmp_path, "--state", str(state), "dmesg")
    assert out.splitlines()[-1].endswith("] hello: Hello, world")
    assert heavy(mods) == []


def test_one_shot_insmod_and_rmmod_build_no_subsystem_hello_does_not_use(tmp_path, state):
    """The components built on first use (component.py's Part) stay unimported."""
    from lkmsh.kernel.kernel import Kernel

    parts = {f"lkmsh.kernel.{p.module}" for p in Kernel.PARTS}
    for args in (("insmod", HELLO), ("rmmod", "hello")):
        mods, _ = imported_after(tmp_path, "--state", str(state), *args)
        assert "lkmsh.kernel.kernel" in mods
        assert sorted(mods & parts) == []


def test_modinfo_of_a_file_reads_it_without_the_kernel_or_pyelftools(tmp_path):
    mods, out = imported_after(tmp_path, "modinfo", "-F", "name", HELLO)
    assert out == "hello\n"
    assert heavy(mods) == []


def test_piped_depmod_of_a_small_tree_opens_no_state_file_nor_click(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in ("provider.ko", "consumer.ko", "hello.ko"):
        (tree / name).write_bytes((SAMPLES / name).read_bytes())
    mods, out = imported_after(tmp_path, "depmod", "-n", "--no-cache", str(tree))
    assert "consumer.ko: " in out and "provider.ko" in out.split("consumer.ko: ", 1)[1]
    assert heavy(mods) == []
    # depmod needs no kernel: no state store, no SQLite, and a plain line needs no click;
    # nor the other commands' modules (the registry imports depmod's own directly)
    assert {"sqlite3", "lkmsh.kernel.state", "click", "difflib"} & mods == set()
    assert {"lkmsh.shell.commands", "lkmsh.shell.modprobe", "dataclasses"} & mods == set()


def test_each_command_home_is_the_module_that_defines_the_command():
    from lkmsh.shell import registry

    registry.load_commands()
    for name, home in registry.COMMAND_HOMES.items():
        assert registry.get(name).func.__module__ == home, name


def test_piped_lsmod_parses_its_line_without_click(tmp_path, state):
    mods, _ = imported_after(tmp_path, "--state", str(state), "lsmod")
    assert {"click", "difflib", "lkmsh.shell.depmod", "lkmsh.shell.introspect"} & mods == set()


def test_usage_errors_exit_1_in_kmods_words(lkmsh):
    for args, message in [
        (["insmod"], "insmod: ERROR: missing filename.\n"),
        (["rmmod"], "rmmod: ERROR: missing module name.\n"),
        (["modinfo"], "modinfo: ERROR: missing module or filename.\n"),
        (["insmod", "-"], "insmod: ERROR: this tool does not support loading from stdin!\n"),
        (
            ["insmod", "missing.ko"],
            "insmod: ERROR: could not load module missing.ko: No such file or directory\n",
        ),
        (["modinfo", "nosuch"], "modinfo: ERROR: Module nosuch not found.\n"),
        (["lsmod", "--bogus"], "Usage: lsmod\n"),  # kmod 30's lsmod: no option of its own
        (["modprobe", "--bogus"], "modprobe: unrecognized option '--bogus'\n"),  # getopt's words
        (["rmmod", "-Z", "x"], "rmmod: invalid option -- 'Z'\n"),
    ]:
        r = lkmsh(*args)
        assert (r.returncode, r.stderr) == (1, message), args
        assert r.stdout == ""


def test_hostile_input_never_shows_a_traceback(lkmsh, tmp_path):
    garbage = tmp_path / "garbage.ko"
    garbage.write_bytes(os.urandom(300))
    truncated = tmp_path / "truncated.ko"
    truncated.write_bytes((SAMPLES / "hello.ko").read_bytes()[:200])
    not_sqlite = tmp_path / "not-a-state-file"
    not_sqlite.write_text("hello, I am a text file\n" * 50)
    runs = [
        lkmsh("modinfo", str(garbage), str(truncated)),
        lkmsh("dmesg", "-l", "nonsense"),
        lkmsh("-c", 'insmod "unterminated'),
        lkmsh("--state", str(not_sqlite), "lsmod", with_state=False),
        lkmsh("help", "nosuch"),
        lkmsh("exit", "notanumber"),
        lkmsh(input=b"\xff\xfe\x00garbage\n"),
    ]
    for r in runs:
        assert r.returncode == 1, r
        assert r.stderr.strip(), r
        assert_no_traceback(r)
    assert "is not an lkmsh state file (use --state" in runs[3].stderr
    # reboot will not destroy a file that is not lkmsh's
    refused = lkmsh("--state", str(not_sqlite), "reboot", with_state=False)
    assert refused.returncode == 1 and "not replacing it" in refused.stderr
    assert not_sqlite.read_text().startswith("hello, I am a text file")


def test_json_output_for_programs(lkmsh):
    r = lkmsh("--json", "modinfo", HELLO)
    (entry,) = json.loads(r.stdout)
    assert entry["filename"] == HELLO
    assert {"name": "who", "description": "Whom to greet (default: world)", "type": "charp"} in (
        entry["parm"]
    )
    r = lkmsh("modinfo", "--json", "-F", "license", HELLO)
    assert json.loads(r.stdout) == [{"filename": HELLO, "license": ["GPL"]}]
    r = lkmsh("--json", "help")
    assert {"command": "lsmod", "help": "Show the loaded modules (newest first)"} in json.loads(
        r.stdout
    )


def test_click_runner_in_process(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["--state", str(tmp_path / "s"), "modinfo", "-F", "name", HELLO])
    assert (result.exit_code, result.output) == (0, "hello\n")
    result = runner.invoke(cli, ["--state", str(tmp_path / "s"), "modinfo", "nosuch"])
    assert result.exit_code == 1
    result = runner.invoke(cli, ["--version"])
    assert result.output.startswith("lkmsh ")


def test_install_links_makes_a_multi_call_lkmsh(lkmsh, tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    r = lkmsh("install-links", str(bindir))
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in bindir.iterdir())
    assert names == ["depmod", "insmod", "lsmod", "modinfo", "modprobe", "rmmod"]
    env = base_env(tmp_path)
    env["LKMSH_STATE"] = str(tmp_path / "links.sqlite")
    modinfo = subprocess.run(
        [bindir / "modinfo", "-F", "description", HELLO], capture_output=True, text=True, env=env
    )
    assert (modinfo.returncode, modinfo.stdout) == (0, "Greets on load, says goodbye on unload\n")
    lsmod = subprocess.run([bindir / "lsmod"], capture_output=True, text=True, env=env)
    assert lsmod.stdout == "Module                  Size  Used by\n"
    insmod = subprocess.run([bindir / "insmod"], capture_output=True, text=True, env=env)
    assert (insmod.returncode, insmod.stderr) == (1, "insmod: ERROR: missing filename.\n")
    # again: the links are there already, and pointing at lkmsh, so it is fine
    assert lkmsh("install-links", str(bindir)).returncode == 0
    # a foreign file is not replaced without --force
    (bindir / "lsmod").unlink()
    (bindir / "lsmod").write_text("#!/bin/sh\n")
    r = lkmsh("install-links", str(bindir))
    assert r.returncode == 1 and "lsmod: File exists" in r.stderr
    assert lkmsh("install-links", "--force", str(bindir)).returncode == 0
    assert (bindir / "lsmod").is_symlink()


def test_the_console_script_is_what_runs(tmp_path):
    proc = subprocess.run(
        [*lkmsh_script(), "--version"], capture_output=True, text=True, env=base_env(tmp_path)
    )
    assert proc.stdout.startswith("lkmsh 0.")


def test_host_machine_numbers_are_the_elf_packages():
    from lkmsh.elf.constants import EM_AARCH64, EM_X86_64
    from lkmsh.shell import moddir

    assert (moddir._EM_X86_64, moddir._EM_AARCH64) == (EM_X86_64, EM_AARCH64)


def test_a_one_shot_insmod_and_rmmod_load_no_openssl_nor_modprobe(tmp_path, state):
    """The kernel's restore checks the API table's digest with the builtin SHA-256;
    hashlib (OpenSSL) is loaded only by what hashes for a module (crypto API, %p),
    the modprobe command only when module code calls request_module()."""
    for args in (("insmod", HELLO), ("rmmod", "hello")):
        mods, _ = imported_after(tmp_path, "--state", str(state), *args)
        assert "lkmsh.kernel.kernel" in mods
        assert {"hashlib", "_hashlib", "hmac", "platform", "lkmsh.shell.modprobe"} & mods == set()
