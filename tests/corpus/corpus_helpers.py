"""Where the upstream Linux 6.1 sources are, and the real CLI to build and load them.

The project ships no copy of upstream files: .ci/run unpacks Debian's
linux-source-6.1 (samples/, lib/, a few drivers) into the test cache, or
LKMSH_LINUX_SOURCE names such a tree. Without it the corpus tests skip.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

DEFAULT_TREE = Path.home() / ".cache" / "lkmsh-test" / "linux-source-6.1"


def linux_tree() -> Path | None:
    """The unpacked Linux 6.1 tree, if there is one (it must hold lib/ and samples/)."""
    tree = Path(os.environ.get("LKMSH_LINUX_SOURCE") or DEFAULT_TREE)
    return tree if (tree / "lib").is_dir() and (tree / "samples").is_dir() else None


def tree_release(tree: Path) -> str:
    """VERSION.PATCHLEVEL.SUBLEVEL of the tree's top Makefile ("6.1.192")."""
    text = (tree / "Makefile").read_text(errors="replace")
    parts = [
        re.search(rf"^{k}\s*=\s*(\d+)", text, re.M) for k in ("VERSION", "PATCHLEVEL", "SUBLEVEL")
    ]
    return ".".join(m.group(1) if m else "?" for m in parts)


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def lkmsh_argv() -> list[str]:
    script = Path(sys.executable).with_name("lkmsh")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-c", "import sys; from lkmsh.shell.cli import main; sys.exit(main())"]


class Cli:
    """``lkmsh --state STATE --arch ARCH ...`` through the console script."""

    def __init__(self, state: Path, cwd: Path, arch: str):
        self.state, self.cwd, self.arch = state, cwd, arch
        # lib/test_string.c makes ~200,000 memset calls and checks 50 M bytes: well
        # under a second on Linux, but past the default soft-lockup threshold of
        # lkmsh's virtual-time watchdog (which charges each block and kernel call
        # more than hardware takes) and, on a loaded machine, past the host-time
        # backstop. 60 is Linux's largest watchdog_thresh.
        self.env = dict(
            os.environ, PYTHONWARNINGS="ignore", LKMSH_TIMEOUT="600", LKMSH_WATCHDOG_THRESH="60"
        )
        self.env.pop("LKMSH_STATE", None)
        self.timeout = 300  # seconds of one command line (``allow`` raises it)

    def allow(self, seconds: int) -> None:
        """Let one command line run @seconds: lkmsh's own wall-clock limit and ours."""
        self.env["LKMSH_TIMEOUT"] = str(seconds)
        self.timeout = seconds

    def __call__(self, *args: str) -> Run:
        argv = [*lkmsh_argv(), "--state", str(self.state), "--arch", self.arch, *args]
        proc = subprocess.run(
            argv,
            capture_output=True,
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            timeout=self.timeout,
        )
        out = proc.stdout.decode("utf-8", "replace")
        return Run(proc.returncode, out, proc.stderr.decode("utf-8", "replace"))

    def line(self, *commands: str) -> Run:
        """One ``lkmsh -c 'A; B; ...'`` line (it stops at the first failing command)."""
        return self("-c", "; ".join(commands))

    def build_cmd(self, tree: Path, *sources: str, out: str | None = None) -> tuple[str, Path]:
        """The ``build`` command of upstream @sources, unmodified, and the .ko it makes
        (named as kbuild names it: the first source's stem)."""
        target = self.cwd / (out or Path(sources[0]).with_suffix(".ko").name)
        return f"build {' '.join(str(tree / s) for s in sources)} -o {target}", target


def log_text(out: str) -> list[str]:
    """``dmesg`` output as text lines, without the timestamps."""
    return [re.sub(r"^\[[ \d.]+\] ", "", line) for line in out.splitlines()]


# KTAP result lines as lib/kunit/test.c prints them: 6.1.0 writes "ok 1 - name",
# the 6.1 stable series (KTAP subtest headers backported) "ok 1 name".
KTAP_RESULT = re.compile(
    r"^(?P<indent>(?:    )*)(?P<ok>ok|not ok) (?P<n>\d+) (?:- )?(?P<name>\S+)(?P<skip> # SKIP.*)?$"
)


@dataclass
class KtapSuite:
    name: str
    ok: bool
    cases: dict[str, str]  # case name -> "ok", "not ok" or "skip"


def ktap_suites(lines: list[str]) -> list[KtapSuite]:
    """The suites a module ran, each with its cases' results (parameter subtests ignored)."""
    suites, cases = [], {}
    for line in lines:
        m = KTAP_RESULT.match(line)
        if not m:
            continue
        depth = len(m["indent"]) // 4
        result = "skip" if m["skip"] else m["ok"]
        if depth == 1:
            cases[m["name"]] = result
        elif depth == 0:
            suites.append(KtapSuite(m["name"], m["ok"] == "ok", cases))
            cases = {}
    return suites


def module_name(ko: Path) -> str:
    """The name a .ko loads under (kbuild's: dashes become underscores)."""
    return ko.name.split(".")[0].replace("-", "_")
