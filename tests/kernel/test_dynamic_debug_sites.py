"""Dynamic debug (CONFIG_DYNAMIC_DEBUG, as Debian): a module's pr_debug() sites,
/proc/dynamic_debug/control's queries and flags, dyndbg= at insmod, with real
gcc-built modules on both architectures. lib/test_dynamic_debug.c (tests/corpus)
checks the class maps."""

from __future__ import annotations

import errno

import pytest
from kernel_helpers import texts

from lkmsh.errors import KernelError
from lkmsh.kernel.kernel import Kernel

CTL = "/proc/dynamic_debug/control"

CHATTY = r"""
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/printk.h>

static int count = 2;
module_param(count, int, 0644);

static void tick(int i)
{
	pr_debug("tick %d of %d\n", i, count);
}

static void say_hello(void)
{
	pr_debug("hello \"world\"\tagain\n");
}

static int __init chatty_init(void)
{
	int i;

	pr_info("loading\n");
	for (i = 0; i < count; i++)
		tick(i);
	say_hello();
	return 0;
}

static void __exit chatty_exit(void)
{
	pr_debug("bye\n");
	tick(99);
}

module_init(chatty_init);
module_exit(chatty_exit);
MODULE_LICENSE("GPL");
"""


def _line(text: str) -> int:
    """The line of CHATTY that holds @text (what __LINE__ says there)."""
    return next(i for i, line in enumerate(CHATTY.splitlines(), 1) if text in line)


TICK, HELLO, BYE = (_line(f'pr_debug("{w}') for w in ("tick", "hello", "bye"))


def _control(kernel) -> list[str]:
    return kernel.read_file(CTL).decode().splitlines()


def _site(lines: list[str], fmt: str) -> str:
    return next(line for line in lines if line.endswith(f'"{fmt}"'))


def test_sites_are_off_until_a_query_turns_them_on(arch_kernel):
    kernel, build = arch_kernel
    ko = build(CHATTY, "chatty")
    kernel.module_load(ko)
    assert texts(kernel)[-1] == "chatty: loading"  # no pr_debug output
    lines = _control(kernel)
    assert lines[0] == "# filename:lineno [module]function flags format"
    assert len(lines) == 1 + 3
    tick = _site(lines, "tick %d of %d\\n")
    assert tick.startswith(f"{ko.with_suffix('.c')}:{TICK} [chatty]tick =_ ")
    # tab and newline escaped, the quote as it is (seq_escape_str with ESCAPE_SPACE)
    assert _site(lines, 'hello "world"\\tagain\\n').split(" [chatty]")[1].startswith("say_hello =_")

    kernel.write_file(CTL, b"func tick +p\n")
    kernel.write_file(CTL, f"file chatty.c line {HELLO} +pmflt; format ^bye +p".encode())
    lines = _control(kernel)
    assert " =p " in _site(lines, "tick %d of %d\\n")
    assert " =pmflt " in _site(lines, 'hello "world"\\tagain\\n')
    kernel.dmesg_clear()
    kernel.module_unload("chatty")
    assert texts(kernel) == ["chatty: bye", "chatty: tick 99 of 2"]


def test_prefix_flags_and_the_state_file(kernel, build):
    kernel.module_load(build(CHATTY, "chatty"))
    kernel.write_file(CTL, b"module chatty =pmflt")
    kernel.write_file(CTL, b"module chatty format hello -mfl")
    again = Kernel.from_state(kernel.export_state())  # the flags are in module memory
    again.dmesg_clear()
    again.module_unload("chatty")
    assert texts(again) == [
        f"[1] chatty:chatty_exit:{BYE}: chatty: bye",
        f"[1] chatty:tick:{TICK}: chatty: tick 99 of 2",
    ]
    assert _control(again) == ["# filename:lineno [module]function flags format"]


def test_dyndbg_at_insmod_and_debug_on_by_default(kernel, build):
    kernel.module_load(build(CHATTY, "chatty"), "count=3 dyndbg=+pf")
    assert texts(kernel)[-4:] == [
        "tick: chatty: tick 0 of 3",
        "tick: chatty: tick 1 of 3",
        "tick: chatty: tick 2 of 3",
        'say_hello: chatty: hello "world"\tagain',
    ]
    kernel.module_unload("chatty")
    # #define DEBUG: every site starts as =p, as without dynamic debug it would print
    kernel.module_load(build("#define DEBUG\n" + CHATTY, "loud"))
    assert texts(kernel)[-3:] == [
        "loud: tick 0 of 2",
        "loud: tick 1 of 2",
        'loud: hello "world"\tagain',
    ]
    assert all(" =p " in line for line in _control(kernel)[1:])


@pytest.mark.parametrize(
    "query, said",
    [
        (
            b"module chatty",
            ["dyndbg: bad flag-op c, at start of chatty", "dyndbg: flags parse failed"],
        ),
        (b"module chatty +x", ["dyndbg: unknown flag 'x'", "dyndbg: flags parse failed"]),
        (b"modul chatty +p", ['dyndbg: unknown keyword "modul"', "dyndbg: query parse failed"]),
        (
            b"module +p",
            ["dyndbg: expecting pairs of match-spec <value>", "dyndbg: query parse failed"],
        ),
        (b"line 9-3 +p", ["dyndbg: last-line:3 < 1st-line:9", "dyndbg: query parse failed"]),
        (b"func 'tick +p", ["dyndbg: unclosed quote: tick +p", "dyndbg: tokenize failed"]),
    ],
)
def test_bad_queries_are_refused_in_linux_words(kernel, build, query, said):
    kernel.module_load(build(CHATTY, "chatty"))
    kernel.dmesg_clear()
    with pytest.raises(KernelError) as e:
        kernel.write_file(CTL, query)
    assert e.value.errno == errno.EINVAL
    assert texts(kernel) == said
    assert all(" =_ " in line for line in _control(kernel)[1:])  # nothing changed
