"""The kernel's random numbers: deterministic per kernel, so the same commands give the same dmesg.

Linux seeds its CRNG from hardware entropy; lkmsh's "entropy" is a boot seed
kept in the state file, and the stream is SHA-256 in counter mode over it,
so two runs with one seed draw the same bytes and a saved kernel goes on
where it stopped.
"""

from __future__ import annotations

from typing import Any

from lkmsh.kernel.component import Component

DEFAULT_SEED = 0x6C6B6D7368  # "lkmsh"


class Random(Component):
    name = "random"

    def __init__(self, seed: int = DEFAULT_SEED):
        self.seed = seed
        self.counter = 0
        self._pool = b""

    def to_data(self) -> Any:
        # the unread rest of the pool is dropped: the next draw starts a new block
        return {"seed": self.seed, "counter": self.counter}

    def load_data(self, data: Any) -> None:
        if data:
            self.seed = int(data["seed"])
            self.counter = int(data["counter"])
            self._pool = b""

    def bytes(self, n: int) -> bytes:
        out = bytearray(self._pool[:n])
        self._pool = self._pool[n:]
        while len(out) < n:
            import hashlib  # here: OpenSSL's load is ~4 ms of a one-shot start-up

            block = hashlib.sha256(f"{self.seed}:{self.counter}".encode()).digest()
            self.counter += 1
            take = n - len(out)
            out += block[:take]
            self._pool = block[take:]
        return bytes(out)

    def u32(self) -> int:
        return int.from_bytes(self.bytes(4), "little")

    def u64(self) -> int:
        return int.from_bytes(self.bytes(8), "little")
