"""kdb commands from a module (<linux/kdb.h>): kdb_register'd commands in kdb's table and
help, run with (argc, argv) and printing with kdb_printf, kdb's diagnostics, the
built-ins lkmsh runs, a session read from standard input, and a command left behind."""

from __future__ import annotations

import subprocess
import sys

from kernel_helpers import texts

#: a driver's debugging aid: dump its counters from kdb, reset one of them
STATS = r"""
#include <linux/kdb.h>
#include <linux/kernel.h>
#include <linux/module.h>

static unsigned long counters[4] = { 3, 1, 4, 1 };

static int stats_show(int argc, const char **argv)
{
	int i;

	if (argc)
		return KDB_ARGCOUNT;
	for (i = 0; i < ARRAY_SIZE(counters); i++)
		kdb_printf("counter[%d] = %lu\n", i, counters[i]);
	return 0;
}

static int stats_reset(int argc, const char **argv)
{
	unsigned long i;

	if (argc != 1)
		return KDB_ARGCOUNT;
	if (kstrtoul(argv[1], 0, &i) || i >= ARRAY_SIZE(counters))
		return KDB_BADINT;
	kdb_printf("%s: counter[%lu] was %lu\n", argv[0], i, counters[i]);
	counters[i] = 0;
	return 0;
}

static kdbtab_t stats_cmds[] = {
	{ .name = "stats", .func = stats_show, .usage = "", .help = "Show the counters" },
	{ .name = "statsreset", .func = stats_reset, .usage = "<index>", .help = "Reset one counter",
		.minlen = 6 },
};

static kdbtab_t clash = { .name = "lsmod", .func = stats_show, .usage = "", .help = "mine" };

static int __init stats_init(void)
{
	int i, err;

	for (i = 0; i < ARRAY_SIZE(stats_cmds); i++) {
		err = kdb_register(&stats_cmds[i]);
		if (err)
			goto out;
	}
	pr_info("kdb_register(lsmod): %d\n", kdb_register(&clash));
	return 0;
out:
	while (--i >= 0)
		kdb_unregister(&stats_cmds[i]);
	return -EBUSY;
}

static void __exit stats_exit(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(stats_cmds); i++)
		kdb_unregister(&stats_cmds[i]);
}

module_init(stats_init);
module_exit(stats_exit);
MODULE_LICENSE("GPL");
"""


def _kdb(kernel, *lines):
    with kernel.kdb_session() as (banner, run_line, _):
        return banner, [run_line(line) for line in lines]


def test_a_module_command_runs_in_kdb_with_its_arguments_on_both_arches(arch_kernel):
    kernel, build = arch_kernel
    kernel.module_load(build(STATS, "stats"))
    assert texts(kernel)[-1] == "kdb_register(lsmod): 1"
    assert kernel.console.take().decode().startswith("Duplicate kdb cmd: lsmod, func ")
    banner, out = _kdb(
        kernel, "stats", "statsreset 2", "stats", "stats extra", "statsr 9", "-statsreset x",
        "stat", "go",
    )  # fmt: skip
    assert banner.startswith("\nEntering kdb (current=0x") and "due to Keyboard Entry" in banner
    texts_out = [text for text, _ in out]
    assert texts_out[0] == "counter[0] = 3\ncounter[1] = 1\ncounter[2] = 4\ncounter[3] = 1\n"
    assert texts_out[1] == "statsreset: counter[2] was 4\n"
    assert "counter[2] = 0\n" in texts_out[2]
    assert texts_out[3] == "diag: -2: Improper argument count, see usage.\n"
    assert texts_out[4] == "diag: -15: Illegal numeric value\n"  # abbreviated to minlen 6
    assert texts_out[5] == ""  # a leading '-' ignores the command's error
    assert texts_out[6] == "Unknown kdb command: 'stat'\n"
    assert out[-1] == ("", True)  # go leaves
    kernel.module_unload("stats")
    _, [(help_text, _)] = _kdb(kernel, "help")
    assert "stats" not in help_text


def test_help_lists_linux_s_table_then_the_module_s_commands(kernel, build):
    kernel.module_load(build(STATS, "stats"))
    _, [(text, _), (lsmod, _), (env, _), (md, _)] = _kdb(kernel, "help", "lsmod", "env", "md 0")
    lines = text.splitlines()
    assert lines[:3] == [
        "Command         Usage                Description",
        "-" * 58,
        "md              <vaddr>             Display Memory Contents, also mdWcN, e.g. md8c1",
    ]
    assert lines[-2:] == [
        "stats                               Show the counters",
        "statsreset      <index>             Reset one counter",
    ]
    assert "per_cpu         <sym> [<bytes>] [<cpu>]\n" + " " * 36 + "Display per_cpu" in text
    assert lsmod.splitlines()[0] == "Module                  Size  modstruct     Used by"
    assert lsmod.splitlines()[1].startswith("stats ") and "  (Live) 0x" in lsmod
    assert env.splitlines()[0] == "PROMPT=kdb> "
    assert md == "diag: -7: Command not implemented\n"  # listed, not run by lkmsh


def test_a_command_left_registered_is_reported_and_removed(kernel, build):
    leaky = STATS.replace(
        "\tfor (i = 0; i < ARRAY_SIZE(stats_cmds); i++)\n\t\tkdb_unregister",
        "\tfor (i = 1; i < ARRAY_SIZE(stats_cmds); i++)\n\t\tkdb_unregister",
    )
    kernel.module_load(build(leaky, "stats"))
    kernel.module_unload("stats")
    assert "stats: removing kdb command stats it left registered" in texts(kernel)
    _, [(text, _)] = _kdb(kernel, "stats")
    assert text == "Unknown kdb command: 'stats'\n"


def test_a_session_from_standard_input_after_an_insmod_in_another_command(build, tmp_path):
    ko = build(STATS, "stats")
    state = tmp_path / "k.sqlite"
    code = "import sys; from lkmsh.shell.cli import main; sys.exit(main())"

    def lkmsh(*args, stdin=""):
        return subprocess.run([sys.executable, "-c", code, "--state", str(state), *args],
                              input=stdin, capture_output=True, text=True)  # fmt: skip

    assert lkmsh("insmod", str(ko)).returncode == 0
    r = lkmsh("kdb", stdin="statsreset 0\nset PROMPT=dbg\\>\nstats\ngo\nstats\n")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "" and lines[1].startswith("Entering kdb (current=0x")
    assert lines[2:5] == [
        "kdb> statsreset 0",
        "statsreset: counter[0] was 3",
        "kdb> set PROMPT=dbg\\>",
    ]
    assert lines[5] == "dbg>stats"  # the PROMPT variable (a backslash escapes the '>')
    assert lines[-1] == "dbg>go"  # the line after go is not read
    one = lkmsh("kdb", "stats")
    assert one.stdout.splitlines()[0] == "counter[0] = 0"  # kept in the module's memory
    assert lkmsh("kdb", "env").stdout.startswith("PROMPT=dbg>\n")  # the environment is kept
