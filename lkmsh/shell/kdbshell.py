"""``kdb``: the kernel debugger's shell, entered as from the keyboard (SysRq-g).

``kdb`` alone prints kdb's entry banner and reads commands at its ``kdb> ``
prompt until ``go`` (or the end of input): from the terminal, or line by line
from standard input, each echoed after the prompt as a serial console shows it.
``kdb COMMAND [ARG...]`` runs one command and leaves (for scripts). Either way
the machine is stopped for the session: nothing else runs, no time passes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import Any

from lkmsh.shell.context import Context
from lkmsh.shell.registry import Arg, Kind, command
from lkmsh.shell.render import View


class KdbView(View):
    def __init__(self, text: str):
        self.text = text

    def plain(self) -> str:
        return self.text

    def to_json(self) -> Any:
        return {"output": self.text}


def _lines(interactive: bool, prompt: Callable[[], str], out: Any) -> Iterator[str]:
    """What is typed at kdb's prompt (from the terminal, or standard input echoed)."""
    while True:
        if interactive:
            try:
                yield input(prompt())
            except EOFError:
                out.write("\n")
                return
            continue
        line = sys.stdin.readline()
        if not line:
            return
        out.write(prompt() + line.rstrip("\n") + "\n")
        yield line.rstrip("\n")


@command(
    "kdb",
    "The kernel debugger's shell with the machine stopped: kdb (its prompt, until go) "
    "| kdb COMMAND [ARG...] (one command; help lists them)",
    args=[Arg("words", Kind.TEXT, many=True, required=False)],
    mutates=lambda p: True,
    raw=True,
)
def kdb(ctx: Context, words: tuple[str, ...]) -> Any:
    with ctx.kernel().kdb_session() as (banner, run_line, prompt):
        if words:
            text, _ = run_line(" ".join(words))
            return KdbView(text)
        out = ctx.out
        out.write(banner)
        interactive = sys.stdin.isatty() and out.isatty()
        for line in _lines(interactive, prompt, out):
            text, go = run_line(line)
            out.write(text)
            out.flush()
            if go:
                break
    return None
