"""Multi-call: run through a link named insmod, lsmod, ... and behave as that tool.

kmod is one binary behind such links too. The tool takes kmod's own argument
syntax (``insmod FILE [PARAM=VALUE...]``, no lkmsh global options); the state
file comes from ``LKMSH_STATE`` or the default location.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from lkmsh.shell.registry import KMOD_TOOLS


def tool_name(argv0: str) -> str | None:
    """The kmod tool @argv0 names (``/usr/local/bin/insmod`` -> ``insmod``), or None."""
    base = os.path.basename(argv0)
    return base if base in KMOD_TOOLS else None


def run_tool(tool: str, argv: Sequence[str]) -> int:
    from lkmsh.shell import registry
    from lkmsh.shell.context import Session
    from lkmsh.shell.runner import EXIT_FAILURE, Runner

    if registry.get(tool) is None:
        import sys

        sys.stderr.write(f"{tool}: ERROR: {tool} is not available in this lkmsh yet\n")
        return EXIT_FAILURE
    runner = Runner(Session(None), prog=tool)
    try:
        return runner.run_argv([tool, *argv])
    finally:
        runner.session.close()
