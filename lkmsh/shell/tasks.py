"""Tasks and time in the shell: ``sleep`` lets virtual time pass, ``ps`` lists the tasks."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from lkmsh.shell.context import Context
from lkmsh.shell.messages import CommandFailed
from lkmsh.shell.registry import Arg, command
from lkmsh.shell.render import View

NSEC_PER_SEC = 1_000_000_000
MAX_SLEEP_S = 10 * 365 * 24 * 3600


def parse_seconds(text: str) -> int:
    """coreutils sleep's NUMBER[SUFFIX] (s, m, h, d), as nanoseconds."""
    scale = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    unit = text[-1:] if text[-1:] in scale else "s"
    number = text[:-1] if text[-1:] in scale else text
    try:
        value = float(number)
    except ValueError:
        raise CommandFailed(f"invalid time interval '{text}'") from None
    seconds = value * scale[unit]
    if not 0 <= seconds <= MAX_SLEEP_S:  # also refuses nan
        raise CommandFailed(f"invalid time interval '{text}'")
    return int(round(seconds * NSEC_PER_SEC))


@command(
    "sleep",
    "Let virtual time pass: timers fire, threads run (SECONDS, or NUMBER[smhd])",
    args=[Arg("seconds", missing="missing operand")],
    mutates=True,
)
def sleep(ctx: Context, seconds: str) -> None:
    ns = parse_seconds(seconds)
    ctx.kernel().sleep(ns)


@dataclass
class PsView(View):
    """ps -e -o pid,stat,wchan,comm: kernel threads in brackets, as ps shows them."""

    tasks: list[Any]  # kernel.TaskInfo

    def plain(self) -> str:
        lines = [f"{'PID':>7} {'STAT':<4} {'WCHAN':<22} COMMAND"]
        for t in self.tasks:
            comm = t.comm if t.kind == "user" else f"[{t.comm}]"
            lines.append(f"{t.pid:>7} {t.state:<4} {t.wchan or '-':<22} {comm}")
        return "\n".join(lines) + "\n"

    def to_json(self) -> Any:
        return [asdict(t) for t in self.tasks]


@command("ps", "List the kernel's tasks: pid, state, what they wait in (wchan), name")
def ps(ctx: Context) -> PsView:
    return PsView(ctx.kernel().tasks())
