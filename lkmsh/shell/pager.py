"""A pager for long output on a terminal, as git and pgcli page theirs.

Only when the output goes to a terminal and is taller than it: ``$PAGER``
(``LKMSH_PAGER`` first; ``less`` when neither is set, with ``LESS=FRX`` unless
``LESS`` is set, as git does, so colours pass and a screenful just prints).
``PAGER=cat`` or an empty ``LKMSH_PAGER`` turns paging off. Piped or
redirected, output is never paged.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from typing import Any, TextIO


def pager_command() -> str | None:
    cmd = os.environ.get("LKMSH_PAGER")
    if cmd is None:
        cmd = os.environ.get("PAGER", "less")
    cmd = cmd.strip()
    return None if cmd in ("", "cat") else cmd


def render_paged(view: Any, out: TextIO) -> None:
    """Render @view as on the terminal; through the pager when it does not fit."""
    from rich.console import Console

    size = shutil.get_terminal_size()
    buf = io.StringIO()
    no_color = bool(os.environ.get("NO_COLOR"))
    console = Console(
        file=buf,
        width=size.columns,
        force_terminal=not no_color,  # colours into the buffer, for less -R
        no_color=no_color,
        highlight=False,
        soft_wrap=False,
    )
    view.rich(console)
    text = buf.getvalue()
    pager = pager_command()
    if pager is None or text.count("\n") < size.lines - 1:
        out.write(text)
        out.flush()
        return
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    out.flush()
    try:
        subprocess.run(pager, shell=True, input=text.encode("utf-8", "replace"), env=env)
    except OSError:
        out.write(text)
