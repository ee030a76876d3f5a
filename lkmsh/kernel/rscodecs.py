"""Reed-Solomon codecs (lib/reed_solomon/'s codec_list): one per set of parameters, shared.

init_rs() hands each caller its own ``struct rs_control`` but points every
control asking for the same field and generator at one ``struct rs_codec``,
counted by users; free_rs() frees the codec with its last user. The codecs'
memory belongs to the kernel (Linux's list keeps it referenced), so a module
that leaks its control leaves the codec behind as Linux does. This component
remembers the list across commands; the coders are C (lkmsh/klib/rslib.c).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from lkmsh.kernel.component import Component
from lkmsh.kernel.snapshot import typed


@dataclass
class Codec:
    addr: int  # struct rs_codec *
    symsize: int
    gfpoly: int
    gffunc: int  # module function stepping the field (init_rs_non_canonical), or 0
    fcr: int
    prim: int
    nroots: int
    users: int

    def params(self) -> tuple[int, ...]:
        return (self.symsize, self.gfpoly, self.gffunc, self.fcr, self.prim, self.nroots)


class RsCodecs(Component):
    name = "rs_codecs"

    def __init__(self) -> None:
        self.codecs: list[Codec] = []  # newest first, as list_add() leaves codec_list

    def to_data(self) -> Any:
        return [asdict(c) for c in self.codecs]

    def load_data(self, data: Any) -> None:
        self.codecs = [typed(Codec, c, "rs codec") for c in data or []]

    def find(self, params: tuple[int, ...]) -> Codec | None:
        return next((c for c in self.codecs if c.params() == params), None)

    def at(self, addr: int) -> Codec | None:
        return next((c for c in self.codecs if c.addr == addr), None)
