"""The kernel's random numbers: deterministic per kernel, so the same commands give the same dmesg.

Linux seeds its CRNG from hardware entropy; lkmsh's "entropy" is a boot seed
kept in the state file, and the stream is SHA-256 in counter mode over it,
so two runs with one seed draw the same bytes and a saved kernel goes on
where it stopped. Module code draws the stream's next bytes from a buffer the
kernel lends the kernel library (randfast.py); whatever it left unread is put
back before anyone else draws or the state is saved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lkmsh.kernel.component import Component

if TYPE_CHECKING:
    from lkmsh.kernel.randfast import RandomFast

DEFAULT_SEED = 0x6C6B6D7368  # "lkmsh"


class Random(Component):
    name = "random"

    def __init__(self, seed: int = DEFAULT_SEED):
        self.seed = seed
        self.counter = 0
        self._pool = b""
        self.fast: RandomFast | None = None  # the kernel library's buffer (randfast.py)

    def to_data(self) -> Any:
        # the unread rest of the pool is dropped: the next draw starts a new block
        self.take_back()
        return {"seed": self.seed, "counter": self.counter}

    def load_data(self, data: Any) -> None:
        if data:
            self.seed = int(data["seed"])
            self.counter = int(data["counter"])
            self._pool = b""

    def _block(self, i: int) -> bytes:
        import hashlib  # here: OpenSSL's load is ~4 ms of a one-shot start-up

        return hashlib.sha256(f"{self.seed}:{i}".encode()).digest()

    def take_back(self) -> None:
        """Put back the bytes lent to the fast path and not drawn: the stream gives them again."""
        fast = self.fast
        unread = fast.take_back() if fast is not None else 0
        if not unread:
            return
        pos = self.counter * 32 - len(self._pool) - unread
        self.counter = -(-pos // 32)
        self._pool = self._block(self.counter - 1)[pos % 32 :] if pos % 32 else b""

    def lend(self) -> None:
        """Lend the fast path the stream's next bytes (after a draw through the kernel)."""
        fast = self.fast
        if fast is not None and fast.enabled:
            from lkmsh.kernel.randfast import BUF_BYTES

            fast.lend(self.bytes(BUF_BYTES))

    def bytes(self, n: int) -> bytes:
        if self.fast is not None:
            self.take_back()
        out = bytearray(self._pool[:n])
        self._pool = self._pool[n:]
        while len(out) < n:
            block = self._block(self.counter)
            self.counter += 1
            take = n - len(out)
            out += block[:take]
            self._pool = block[take:]
        return bytes(out)

    def u32(self) -> int:
        return int.from_bytes(self.bytes(4), "little")

    def u64(self) -> int:
        return int.from_bytes(self.bytes(8), "little")
