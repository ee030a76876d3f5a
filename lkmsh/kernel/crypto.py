"""The crypto API's algorithms and the transforms modules allocate.

Digests and ciphers are the host's (hashlib, hmac, the cryptography
package's AES), so every result is the standard one; what is Linux's here is
the catalogue (names, driver names, sizes, /proc/crypto's wording) and the
per-transform state: the key set with setkey, which the state file keeps.
A hash in progress (between init and final) lives only as long as the process.
"""

from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.snapshot import typed

if TYPE_CHECKING:
    from lkmsh.kernel.module import Module

MASK32 = 0xFFFFFFFF


@dataclass(frozen=True)
class Alg:
    name: str
    driver: str
    type: str  # "shash" or "skcipher"
    blocksize: int
    digestsize: int = 0
    min_keysize: int = 0
    max_keysize: int = 0
    ivsize: int = 0
    chunksize: int = 0
    priority: int = 100


_HASHES = {  # name: (hashlib name, block size, digest size)
    "md5": ("md5", 64, 16),
    "sha1": ("sha1", 64, 20),
    "sha224": ("sha224", 64, 28),
    "sha256": ("sha256", 64, 32),
    "sha384": ("sha384", 128, 48),
    "sha512": ("sha512", 128, 64),
}


def _catalogue() -> dict[str, Alg]:
    algs: list[Alg] = []
    for name, (_, bs, ds) in _HASHES.items():
        algs.append(Alg(name, f"{name}-generic", "shash", bs, ds))
        algs.append(Alg(f"hmac({name})", f"hmac({name}-generic)", "shash", bs, ds))
    algs.append(Alg("crc32", "crc32-generic", "shash", 1, 4))
    algs.append(Alg("crc32c", "crc32c-generic", "shash", 1, 4))
    for mode, bs, iv in (("ecb", 16, 0), ("cbc", 16, 16), ("ctr", 1, 16)):
        algs.append(Alg(f"{mode}(aes)", f"{mode}(aes-generic)", "skcipher", bs, 0, 16, 32, iv, 16))
    return {a.name: a for a in algs}


ALGORITHMS = _catalogue()


def find(name: str, kind: str) -> Alg | None:
    """An algorithm by name or driver name, of the wanted type."""
    for alg in ALGORITHMS.values():
        if name in (alg.name, alg.driver) and alg.type == kind:
            return alg
    return None


def _crc32c_table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C = _crc32c_table()


def crc32c_le(crc: int, data: bytes) -> int:
    for b in data:
        crc = (crc >> 8) ^ _CRC32C[(crc ^ b) & 0xFF]
    return crc


class Digest:
    """One hash in progress (a shash_desc between init and final)."""

    def __init__(self, alg: Alg, key: bytes | None):
        import hashlib  # here, not at import: OpenSSL's load is ~4 ms of a one-shot start-up
        import hmac

        self.alg = alg
        if alg.name.startswith("hmac("):
            self.h: Any = hmac.new(key or b"", digestmod=_HASHES[alg.name[5:-1]][0])
        elif alg.name in _HASHES:
            self.h = hashlib.new(_HASHES[alg.name][0])
        else:  # crc32 / crc32c: the seed is the key (crc32: 0, crc32c: ~0 by default)
            default = 0 if alg.name == "crc32" else MASK32
            self.crc = int.from_bytes(key, "little") if key else default

    def update(self, data: bytes) -> None:
        if self.alg.name == "crc32":
            self.crc = ~zlib.crc32(data, ~self.crc & MASK32) & MASK32
        elif self.alg.name == "crc32c":
            self.crc = crc32c_le(self.crc, data)
        else:
            self.h.update(data)

    def final(self) -> bytes:
        if self.alg.name == "crc32":
            return self.crc.to_bytes(4, "little")
        if self.alg.name == "crc32c":
            return (~self.crc & MASK32).to_bytes(4, "little")
        return self.h.digest()


def needs_key(alg: Alg) -> bool:
    return alg.name.startswith("hmac(") or alg.type == "skcipher"


def keyable(alg: Alg) -> bool:
    return needs_key(alg) or alg.name in ("crc32", "crc32c")


@dataclass
class Tfm:
    alg: str
    owner: str
    key: str | None = None  # hex of the key set with setkey

    @property
    def key_bytes(self) -> bytes | None:
        return bytes.fromhex(self.key) if self.key is not None else None


@dataclass
class Crypto(Component):
    """Transforms by handle (the struct crypto_* * a module holds) and hashes in progress."""

    name = "crypto"
    tfms: dict[int, Tfm] = field(default_factory=dict)
    digests: dict[int, Digest] = field(default_factory=dict)  # shash_desc address -> state

    def to_data(self) -> Any:
        return {str(h): asdict(t) for h, t in self.tfms.items()}

    def load_data(self, data: Any) -> None:
        self.tfms = {int(h): typed(Tfm, t, "crypto transform") for h, t in (data or {}).items()}

    def module_going(self, module: Module) -> list[Report]:
        for h in [h for h, t in self.tfms.items() if t.owner == module.name]:
            del self.tfms[h]
        return []

    def refcnt(self, alg: Alg) -> int:
        return 1 + sum(1 for t in self.tfms.values() if t.alg == alg.name)

    def proc_text(self) -> str:
        """/proc/crypto, as crypto/proc.c and each type's show function word it."""
        out = []
        for alg in ALGORITHMS.values():
            lines = [
                f"name         : {alg.name}",
                f"driver       : {alg.driver}",
                "module       : kernel",
                f"priority     : {alg.priority}",
                f"refcnt       : {self.refcnt(alg)}",
                "selftest     : passed",
                "internal     : no",
                f"type         : {alg.type}",
            ]
            if alg.type == "shash":
                lines += [f"blocksize    : {alg.blocksize}", f"digestsize   : {alg.digestsize}"]
            else:
                lines += [
                    "async        : no",
                    f"blocksize    : {alg.blocksize}",
                    f"min keysize  : {alg.min_keysize}",
                    f"max keysize  : {alg.max_keysize}",
                    f"ivsize       : {alg.ivsize}",
                    f"chunksize    : {alg.chunksize}",
                    f"walksize     : {alg.chunksize}",
                ]
            out.append("\n".join(lines) + "\n\n")
        return "".join(out)
