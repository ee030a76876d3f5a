"""docs/user-guide.md's console blocks, run: what the guide shows is what lkmsh prints.

Stricter than the tutorial's test: numbers are compared as they are (sizes,
addresses, srcversion), only the checkout's path is masked (``/home/you/lkmsh``,
``/path/to``). Each block runs in order in one kernel state, from a copy of
the checkout's sample_modules; a block that assumes modules the guide loaded
elsewhere gets them first (``GIVEN``). A shown line with ``...`` matches any
line starting with what comes before it, and a line of ``...`` alone marks
a cut; a block without either shows all its command prints. A command whose block shows an
``ERROR:`` must fail, any other must succeed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

from test_tutorial import LKMSH, REPO, Step

GUIDE = REPO / "docs" / "user-guide.md"

#: What a block's first command needs that the guide did elsewhere.
GIVEN = {
    "lkmsh rmmod provider": [
        "insmod sample_modules/provider.ko",
        "insmod sample_modules/consumer.ko",
    ],
    "lkmsh lsmod | cat": [
        "reboot",
        "insmod sample_modules/provider.ko",
        "insmod sample_modules/consumer.ko",
    ],
    "lkmsh ksyms -m provider": ["reboot", "insmod sample_modules/provider.ko"],
    "lkmsh modprobe --show-depends chain_top": ["reboot"],
}
#: Blocks this test cannot run, and why.
SKIPPED = {
    "lkmsh insmod hello_sysfs.ko": "the guide's own example module, built by the reader",
    "lkmsh insmod livepatch-sample.ko": "Linux's samples/livepatch/livepatch-sample.c, built by"
    " the reader (tests/corpus/test_upstream_livepatch.py runs these steps)",
    "lkmsh": "the REPL: tests/shell/test_repl*.py drive it on a pty",
}
PATHS = [
    (re.compile(r"/\S*?/sample_modules/"), "/path/to/sample_modules/"),
    (re.compile(r"/home/you/lkmsh/sample_modules/"), "/path/to/sample_modules/"),
]


def normal(line: str) -> str:
    for pattern, repl in PATHS:
        line = pattern.sub(repl, line)
    return line.rstrip()


def blocks(text: str) -> list[list[Step]]:
    """The console blocks, each the list of its ``$`` steps and the lines they show."""
    out: list[list[Step]] = []
    inside = False
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            inside = line.strip() == "```console" and not inside
            if inside:
                out.append([])
        elif inside and line.startswith("$ "):
            out[-1].append(Step(line[2:], lineno=lineno))
        elif inside and out[-1]:
            out[-1][-1].expected.append(line)
    return [b for b in out if b]


def matches(want: str, got: str) -> bool:
    if "..." in want:
        return got.startswith(want.split("...", 1)[0].rstrip())
    return got == want


def test_the_user_guides_console_blocks_print_what_lkmsh_prints(tmp_path):
    work = tmp_path / "lkmsh"
    work.mkdir()
    shutil.copytree(REPO / "sample_modules", work / "sample_modules")
    (work / "notes.txt").write_text("my notes, not a state file\n")
    (work / "not-an-elf.ko").write_text("not an ELF file\n")
    env = dict(os.environ, LKMSH_STATE=str(tmp_path / "guide.sqlite"), PYTHONWARNINGS="ignore")
    env.update(XDG_STATE_HOME=str(tmp_path / "xdg-state"), XDG_CACHE_HOME=str(tmp_path / "c"))
    for name in ("LKMSH_MODULE_PATH", "LKMSH_DEBUG", "NO_COLOR"):
        env.pop(name, None)

    def sh(command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["/bin/sh", "-c", command.replace("lkmsh", LKMSH, 1)],
            cwd=work, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip

    problems, ran = [], 0
    for block in blocks(GUIDE.read_text()):
        first = block[0].command.split("#")[0].strip()
        if first in SKIPPED:
            continue
        for given in GIVEN.get(first, []):
            sh(f"lkmsh {given}")
        for step in block:
            proc = sh(step.command)
            ran += 1
            got = [normal(x) for x in (proc.stdout + proc.stderr).splitlines()]
            want = [normal(x) for x in step.expected if x.strip() and x.strip() != "..."]
            if (proc.returncode != 0) != any("ERROR:" in x for x in want):
                problems.append(f"line {step.lineno}: {step.command}: exit {proc.returncode}")
            exact = want and not any("..." in x for x in step.expected)
            if exact and got != want:  # a block that cuts nothing shows all of it
                problems.append(
                    f"line {step.lineno}: {step.command}: shows\n"
                    + "\n".join(want)
                    + "\nprints\n"
                    + "\n".join(got)
                )
                continue
            at = 0
            for line in want:
                while at < len(got) and not matches(line, got[at]):
                    at += 1
                if at == len(got):
                    problems.append(
                        f"line {step.lineno}: {step.command}: no line\n  {line}\nin\n"
                        + "\n".join(got)
                    )
                    break
                at += 1
    assert ran >= 20
    assert not problems, "\n".join(problems)
