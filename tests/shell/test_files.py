"""cat, head, echo > / >>, tee, ls and stat over the kernel's tree, through the real CLI."""

from __future__ import annotations

import pytest

from .conftest import assert_no_traceback

pytestmark = pytest.mark.usefixtures("kernel_ready")


def test_cat_of_kernel_and_module_files(lkmsh):
    assert lkmsh("insmod", "sample_modules/procfs.ko").returncode == 0
    r = lkmsh("-c", "cat /proc/modules; cat /proc/hello_proc; cat hello_proc")
    assert r.returncode == 0
    assert r.stdout.startswith("procfs ")
    assert r.stdout.count("Hello from /proc") == 2
    assert lkmsh("cat", "/proc/sys/kernel/tainted").stdout == "4096\n"  # O: out-of-tree


def test_cat_errors_are_worded_as_coreutils(lkmsh):
    r = lkmsh("cat", "/dev/nothing")
    assert r.returncode == 1
    assert r.stderr == "cat: /dev/nothing: No such file or directory\n"
    r = lkmsh("cat", "/proc")
    assert (r.returncode, r.stderr) == (1, "cat: /proc: Is a directory\n")
    assert_no_traceback(r)


def test_echo_redirected_into_a_kernel_file_is_one_write(lkmsh):
    r = lkmsh("-c", "echo 1 > /sys/kernel/tracing/tracing_on; cat /sys/kernel/tracing/tracing_on")
    assert (r.returncode, r.stdout) == (0, "1\n")
    r = lkmsh("-c", "echo -n 0 >/sys/kernel/tracing/tracing_on")
    assert r.returncode == 0
    assert lkmsh("cat", "/sys/kernel/tracing/tracing_on").stdout == "0\n"


def test_redirection_errors_are_worded_as_bash(lkmsh):
    r = lkmsh("-c", "echo maybe > /sys/kernel/tracing/tracing_on")
    assert (r.returncode, r.stderr) == (1, "echo: write error: Invalid argument\n")
    r = lkmsh("-c", "echo x > /proc/modules")
    assert (r.returncode, r.stderr) == (1, "echo: /proc/modules: Permission denied\n")
    r = lkmsh("-c", "echo x >")
    assert r.returncode == 1 and "redirection" in r.stderr
    assert_no_traceback(r)


def test_a_quoted_angle_bracket_is_a_word(lkmsh):
    r = lkmsh("-c", "echo 'a > b' \\>")
    assert (r.returncode, r.stdout) == (0, "a > b >\n")


def test_redirection_to_a_host_file(lkmsh, tmp_path):
    out = tmp_path / "lsmod.txt"
    assert lkmsh("insmod", "sample_modules/hello.ko").returncode == 0
    r = lkmsh("-c", f"lsmod > {out}; echo done >> {out}")
    assert r.returncode == 0 and r.stdout == ""
    text = out.read_text()
    assert text.startswith("Module                  Size  Used by\nhello ")
    assert text.endswith("done\n")


def test_tee_writes_standard_input(lkmsh):
    r = lkmsh("tee", "/sys/kernel/tracing/tracing_on", input="1\n")
    assert r.returncode == 0
    assert lkmsh("cat", "/sys/kernel/tracing/tracing_on").stdout == "1\n"


def test_head_stops_early(lkmsh):
    r = lkmsh("head", "-c", "17", "/proc/kallsyms")
    assert r.returncode == 0 and len(r.stdout) == 17
    r = lkmsh("head", "-n", "2", "/proc/kallsyms")
    assert r.stdout.count("\n") == 2
    r = lkmsh("head", "-c", "x", "/proc/kallsyms")
    assert (r.returncode, r.stderr) == (1, "head: invalid number: 'x'\n")


def test_ls_and_stat(lkmsh):
    assert lkmsh("insmod", "sample_modules/procfs.ko").returncode == 0
    r = lkmsh("ls", "/")
    assert r.stdout == "dev\nproc\nsys\n"
    r = lkmsh("ls", "-l", "/proc")
    lines = r.stdout.splitlines()
    assert lines[0] == "total 0"
    assert any(
        ln.startswith("-r--r--r--  1 root root") and ln.endswith(" hello_proc") for ln in lines
    )
    assert any(ln.startswith("dr-xr-xr-x") and ln.endswith(" sys") for ln in lines)
    r = lkmsh("ls", "/nowhere")
    assert (r.returncode, r.stderr) == (
        1,
        "ls: cannot access '/nowhere': No such file or directory\n",
    )
    r = lkmsh("stat", "/proc/hello_proc")
    assert "  File: /proc/hello_proc\n" in r.stdout
    assert "Access: (0444/-r--r--r--)" in r.stdout
    r = lkmsh("--json", "ls", "/proc")
    assert r.returncode == 0 and '"name": "hello_proc"' in r.stdout


def test_echo_reads_its_options_as_bash(lkmsh):
    """Only leading words of n/e/E letters are options: "-3" and "--" are printed."""
    assert lkmsh("echo", "-3").stdout == "-3\n"
    assert lkmsh("echo", "--help").stdout == "--help\n"
    r = lkmsh(
        "-c",
        "echo -nx; echo; echo -- -x; echo -e 'a\\tb\\x41\\0102'; echo -E 'a\\tb'; "
        "echo -ne 'no\\cmore'; echo -n -e '|\\n'",
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout == "-nx\n\n-- -x\na\tbAB\na\\tb\nno|\n"


def test_echo_writes_a_negative_number(lkmsh):
    r = lkmsh("-c", "echo -1 > /sys/kernel/tracing/tracing_on")
    assert (r.returncode, r.stderr) == (1, "echo: write error: Invalid argument\n")  # kstrtoul's


def test_mkdir_and_rmdir_are_worded_as_coreutils(lkmsh):
    """Only configfs makes directories; elsewhere Linux's vfs_mkdir says EPERM."""
    r = lkmsh("mkdir", "/proc/mine")
    assert (r.returncode, r.stderr) == (
        1,
        "mkdir: cannot create directory '/proc/mine': Operation not permitted\n",
    )
    r = lkmsh("mkdir", "/proc")
    assert r.stderr == "mkdir: cannot create directory '/proc': File exists\n"
    assert lkmsh("mkdir", "-p", "/proc").returncode == 0  # -p: no error if existing
    r = lkmsh("mkdir", "/sys/nosuch/dir")
    assert (
        r.stderr == "mkdir: cannot create directory '/sys/nosuch/dir': No such file or directory\n"
    )
    r = lkmsh("rmdir", "/sys/kernel", "/proc/modules")
    assert r.returncode == 1
    assert r.stderr.splitlines() == [
        "rmdir: failed to remove '/sys/kernel': Operation not permitted",
        "rmdir: failed to remove '/proc/modules': Not a directory",
    ]
    r = lkmsh("mkdir")
    assert r.returncode == 1 and "missing operand" in r.stderr
    assert_no_traceback(r)
