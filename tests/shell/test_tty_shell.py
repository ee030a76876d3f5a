"""print_string's lines on the shell's own output: one-shot, -c and the REPL."""

from __future__ import annotations

import pytest

from .conftest import assert_no_traceback, base_env, lkmsh_script

pytestmark = pytest.mark.usefixtures("kernel_ready")

PRINT_STRING = r"""
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/tty.h>

static void print_string(char *str)
{
	struct tty_struct *my_tty = get_current_tty();

	if (my_tty) {
		const struct tty_operations *ttyops = my_tty->driver->ops;

		ttyops->write(my_tty, str, strlen(str));
		ttyops->write(my_tty, "\015\012", 2);
	}
}

static int __init print_string_init(void)
{
	print_string("The module has been inserted.");
	return 0;
}

static void __exit print_string_exit(void)
{
	print_string("The module has been removed.");
}

module_init(print_string_init);
module_exit(print_string_exit);
MODULE_LICENSE("GPL");
"""


@pytest.fixture
def module(lkmsh, tmp_path):
    src = tmp_path / "print_string.c"
    src.write_text(PRINT_STRING)
    r = lkmsh("build", str(src), "-o", str(tmp_path / "print_string.ko"))
    assert r.returncode == 0, r.stderr
    return tmp_path / "print_string.ko"


def test_insmod_and_rmmod_print_on_their_own_output(lkmsh, module):
    r = lkmsh("insmod", str(module))
    assert_no_traceback(r)
    assert (r.returncode, r.raw) == (0, b"The module has been inserted.\r\n")
    r = lkmsh("-c", f"lsmod; rmmod print_string; insmod {module}")
    lines = r.stdout.split("\n")
    assert lines[0].startswith("Module")
    assert lines[-3:] == ["The module has been removed.\r", "The module has been inserted.\r", ""]
    assert "The module" not in lkmsh("dmesg").stdout  # the terminal, not the log
    r = lkmsh("--json", "rmmod", "print_string")
    assert r.returncode == 0 and "The module" not in r.stdout  # stdout stays JSON
    assert r.stderr == "The module has been removed.\r\n"


def test_the_repl_shows_the_lines_between_prompts(tmp_path, state, module):
    pexpect = pytest.importorskip("pexpect")
    env = base_env(tmp_path)
    env.update(PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm")
    argv = [*lkmsh_script(), "--state", str(state)]
    child = pexpect.spawn(argv[0], argv[1:], env=env, encoding="utf-8", timeout=60)
    child.expect("lkmsh>")
    child.sendline(f"insmod {module}")
    # the host pty adds its own \r before the \n (onlcr): "\r\r\n" looks the same
    child.expect_exact("The module has been inserted.\r")
    child.expect("lkmsh>")
    child.sendline("rmmod print_string")
    child.expect_exact("The module has been removed.\r")
    child.expect("lkmsh>")
    child.sendeof()
    child.expect(pexpect.EOF)
