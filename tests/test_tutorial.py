"""docs/tutorial.md, run as written: every ``$`` line of its console blocks, in order.

The commands run in a copy of sample_modules/ (the tutorial's ``cd``), with
the tutorial's state files (``export LKMSH_STATE=...``, moved under the test's
tmp directory). A command whose block shows an ``ERROR:`` line must fail, any
other must succeed; every output line the block shows (``...`` lines mark what
the tutorial cut) must appear in the real output, in order, once addresses,
sizes, timestamps and PIDs (which "will differ on your machine") are masked.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TUTORIAL = REPO / "docs" / "tutorial.md"


@dataclass
class Step:
    command: str
    expected: list[str] = field(default_factory=list)
    lineno: int = 0


def steps(text: str) -> list[Step]:
    out: list[Step] = []
    in_console = False
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            in_console = line.strip() == "```console" and not in_console
            continue
        if not in_console:
            continue
        if line.startswith("$ "):
            out.append(Step(line[2:], lineno=lineno))
        elif out:
            out[-1].expected.append(line)
    return out


_MASKS = [
    (re.compile(r"\[\s*\d+\.\d{6}\]"), "[T]"),  # dmesg timestamps
    (re.compile(r"\b\d+\.\d{6}:"), "T:"),  # ftrace timestamps
    (re.compile(r"-\d+(\s+\[000\])"), r"-P\1"),  # TASK-PID
    (re.compile(r"0x[0-9a-f]+"), "H"),
    (re.compile(r"\b[0-9a-f]{8,16}\b"), "H"),
    (re.compile(r"\b[0-9a-f]{2}\b"), "B"),  # code bytes (disasm, Oops Code: lines)
    (re.compile(r"(?<![\w.])\d+\b"), "N"),
    (re.compile(r"/\S*/sample_modules/"), "SAMPLES/"),
    (re.compile(r"\s+"), " "),
]


def mask(line: str) -> str:
    line = line.rstrip()
    for pattern, repl in _MASKS:
        line = pattern.sub(repl, line)
    return line.strip()


def shown(expected: list[str]) -> list[str]:
    """The lines a block shows, without the cut markers and the comments after a command."""
    return [mask(x) for x in expected if x.strip() and not x.lstrip().startswith("...")]


def run_step(step: Step, cwd: Path, env: dict[str, str], tmp: Path) -> tuple[Path, int, str]:
    command = step.command.replace("/tmp/", f"{tmp}/")  # the tutorial's /tmp is the test's
    words = shlex.split(command, comments=True)
    if words[0] == "cd":
        return (cwd / words[1]).resolve(), 0, ""
    if words[0] == "export":
        name, _, value = words[1].partition("=")
        env[name] = value
        return cwd, 0, ""
    assert words[0] in ("lkmsh", "cp"), f"tutorial line {step.lineno}: {step.command}"
    proc = subprocess.run(
        ["/bin/sh", "-c", command.replace("lkmsh ", f"{LKMSH} ", 1)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return cwd, proc.returncode, (proc.stdout + proc.stderr).replace(str(tmp), "/tmp")


def _lkmsh() -> str:
    script = Path(sys.executable).with_name("lkmsh")
    if script.is_file():
        return shlex.quote(str(script))
    return shlex.quote(shutil.which("lkmsh") or "lkmsh")


LKMSH = _lkmsh()


def test_the_tutorial_runs_as_written(tmp_path):
    work = tmp_path / "checkout"
    work.mkdir()
    shutil.copytree(REPO / "sample_modules", work / "sample_modules")
    env = dict(os.environ)
    env.update(
        XDG_STATE_HOME=str(tmp_path / "xdg-state"),
        XDG_CACHE_HOME=str(tmp_path / "xdg-cache"),
        PYTHONWARNINGS="ignore",
    )
    for name in ("LKMSH_STATE", "LKMSH_MODULE_PATH", "LKMSH_DEBUG", "NO_COLOR"):
        env.pop(name, None)
    cwd = work
    problems = []
    all_steps = steps(TUTORIAL.read_text())
    assert len(all_steps) > 30
    for step in all_steps:
        cwd, rc, output = run_step(step, cwd, env, tmp_path)
        must_fail = any("ERROR:" in x for x in step.expected)
        if (rc != 0) != must_fail:
            problems.append(f"line {step.lineno}: {step.command}: exit {rc}\n{output}")
            continue
        actual = [mask(x) for x in output.splitlines()]
        at = 0
        for want in shown(step.expected):
            while at < len(actual) and actual[at] != want:
                at += 1
            if at == len(actual):
                problems.append(
                    f"line {step.lineno}: {step.command}: no line like\n  {want}\nin\n{output}"
                )
                break
            at += 1
    assert not problems, "\n".join(problems)


if __name__ == "__main__":  # print what each step gives, to paste into the tutorial
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        work = tmp / "checkout"
        shutil.copytree(REPO / "sample_modules", work / "sample_modules")
        env = dict(os.environ, XDG_STATE_HOME=str(tmp / "x"), XDG_CACHE_HOME=str(tmp / "c"))
        cwd = work
        for step in steps(TUTORIAL.read_text()):
            cwd, rc, output = run_step(step, cwd, env, tmp)
            print(f"$ {step.command}   [line {step.lineno}, exit {rc}]\n{output}", end="")
