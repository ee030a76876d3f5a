"""XZ Embedded (lib/xz) as Linux 6.1 builds it: the decoder behind <linux/xz.h>.

The .xz container (Stream Header, Block Headers, Block Padding, CRC32 checks,
Index, Stream Footer) is followed here byte by byte, in the order and with the
results lib/xz/xz_dec_stream.c gives, so every ``enum xz_ret`` and where input
stops being consumed are XZ Embedded's: CRC32 and no check only (Linux builds it
without XZ_DEC_ANY_CHECK, so CRC64 and SHA-256 are XZ_OPTIONS_ERROR), LZMA2
with at most one BCJ filter (x86, PowerPC, IA-64, ARM, ARM-Thumb, SPARC: the
Kconfig defaults), dictionaries up to dict_max in the multi-call modes.

The LZMA2 data of a block (and the BCJ filter over it) is decoded by the host's
liblzma through Python's ``lzma`` in raw mode. The LZMA2 chunk headers are
followed here too (``_Chunks``), so liblzma is given exactly the bytes of the
block's LZMA2 stream, never the Block Padding after it.

Nothing here knows the kernel: the kapi layer (kapi/xz.py) reads and writes
module memory and accounts the dictionary; ``XzDecoders`` keeps the decoders
across commands by replaying each one's calls since its last reset.
"""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from lkmsh.kernel.component import Component, Report


class XzRet(IntEnum):
    OK = 0
    STREAM_END = 1
    UNSUPPORTED_CHECK = 2
    MEM_ERROR = 3
    MEMLIMIT_ERROR = 4
    FORMAT_ERROR = 5
    OPTIONS_ERROR = 6
    DATA_ERROR = 7
    BUF_ERROR = 8


class XzMode(IntEnum):
    SINGLE = 0
    PREALLOC = 1
    DYNALLOC = 2


HEADER_MAGIC = b"\xfd7zXZ\x00"
FOOTER_MAGIC = b"YZ"
STREAM_HEADER_SIZE = 12
CHECK_NONE, CHECK_CRC32, CHECK_MAX = 0, 1, 15
VLI_UNKNOWN = (1 << 64) - 1
VLI_BYTES_MAX = 9  # sizeof(vli_type) * 8 / 7
LZMA2_ID = 0x21
#: the BCJ filters Linux builds (CONFIG_XZ_DEC_X86 ... _SPARC): .xz's Filter IDs, which
#: are liblzma's too (x86, PowerPC, IA-64, ARM, ARM-Thumb, SPARC)
BCJ_FILTERS = frozenset(range(4, 10))
#: the dictionary liblzma gets in single-call mode, where XZ Embedded's is the
#: output buffer: at least liblzma's minimum, at most lkmsh's whole heap
SINGLE_DICT_MIN, SINGLE_DICT_MAX = 4096, 64 << 20
#: how much input or output one step moves (module buffers are read in pieces)
STEP = 64 << 10
#: the most input one stream's replay log keeps for the state file
LOG_MAX = 32 << 20
_HASH = struct.Struct("<QQI4x")  # struct xz_dec_hash: unpadded, uncompressed, crc32


def lzma2_dict_size(props: int) -> int:
    return (2 + (props & 1)) << ((props >> 1) + 11)


class _Chunks:
    """Follows the LZMA2 chunk headers to find where a block's LZMA2 stream ends.

    Control bytes as xz_dec_lzma2.c reads them: 0x00 the end, 0x01/0x02 an
    uncompressed chunk (with/without dictionary reset) and a 16-bit size, 0x80+
    an LZMA chunk with two 16-bit sizes and, from 0xC0, a properties byte. The
    first chunk must reset the dictionary.
    """

    def __init__(self) -> None:
        self.header = bytearray()
        self.header_size = 0  # bytes of the chunk header after its control byte
        self.control = 0
        self.body = 0  # bytes of chunk data still to pass
        self.need_dict_reset = True
        self.done = False

    def take(self, data: bytes, pos: int) -> tuple[int, bool]:
        """How many bytes from @pos belong to the LZMA2 stream; True when one is invalid."""
        i, n = pos, len(data)
        while i < n and not self.done:
            if self.body:
                k = min(self.body, n - i)
                self.body -= k
                i += k
            elif len(self.header) < self.header_size:
                self.header.append(data[i])
                i += 1
                if len(self.header) == self.header_size:
                    # the data's size - 1: an uncompressed chunk's first, an LZMA one's second
                    at = 0 if self.control < 0x80 else 2
                    self.body = (self.header[at] << 8 | self.header[at + 1]) + 1
            else:
                c = data[i]
                i += 1
                if c == 0:
                    self.done = True
                    break
                if c >= 0xE0 or c == 0x01:
                    self.need_dict_reset = False
                elif self.need_dict_reset or 0x02 < c < 0x80:
                    return i - pos, True
                self.control = c
                self.header = bytearray()
                self.header_size = 2 if c < 0x80 else (5 if c >= 0xC0 else 4)
        return i - pos, False


@dataclass
class _Buf:
    """struct xz_buf for one step: the input piece, its position, the output room."""

    data: bytes
    room: int
    pos: int = 0
    out: bytearray = field(default_factory=bytearray)

    @property
    def avail(self) -> int:
        return len(self.data) - self.pos


class XzDec:
    """One ``struct xz_dec``: XZ Embedded's state machine over one .xz Stream."""

    def __init__(self, mode: XzMode, dict_max: int):
        self.mode = mode
        self.dict_max = dict_max
        #: DYNALLOC: (re)allocate the dictionary of that many bytes (vmalloc), False if not;
        #: the kapi layer sets it for each call
        self.grow: Callable[[int], bool] = lambda size: True
        self.allocated = 0  # DYNALLOC: the dictionary's size now
        self.single_room = 0
        self.log_in = bytearray()  # replay log since the last reset (multi-call modes)
        self.log_calls: list[tuple[int, int]] = []  # (input consumed, output room)
        self.log_lost = False
        self.reset()

    # -- the public calls ---------------------------------------------------------

    def reset(self) -> None:
        """xz_dec_reset()."""
        self.seq = "stream_header"
        self.allow_buf_error = False
        self.pos = 0
        self.vli = 0
        self.crc32 = 0
        self.check = CHECK_NONE
        self.block_count = 0
        self.block_compressed = self.block_uncompressed = 0
        self.block_hash = (0, 0, 0)
        self.bh_compressed = self.bh_uncompressed = VLI_UNKNOWN
        self.bh_size = 0
        self.index_seq = "count"
        self.index_size = self.index_count = self.index_unpadded = 0
        self.index_hash = (0, 0, 0)
        self.in_start = 0
        self.temp = bytearray(STREAM_HEADER_SIZE)
        self.temp_pos = 0
        self.bcj = 0
        self.dict_size = 0
        self.lz: Any = None
        self.chunks = _Chunks()
        self.log_in = bytearray()
        self.log_calls = []
        self.log_lost = False

    def run(
        self,
        fetch: Callable[[int, int], bytes],
        in_avail: int,
        room: int,
        emit: Callable[[int, bytes], None],
    ) -> tuple[XzRet, int, int]:
        """xz_dec_run(): (result, input consumed, output made).

        @fetch(offset, n) reads the caller's input from in_pos + offset and
        @emit(offset, data) writes output at out_pos + offset, a step at a time.
        """
        single = self.mode is XzMode.SINGLE
        if single:
            self.reset()
            self.single_room = room
        used_in = used_out = 0
        taken: list[bytes] = []
        while True:
            piece = fetch(used_in, min(in_avail - used_in, STEP))
            b = _Buf(piece, min(room - used_out, STEP))
            ret = self._main(b)
            taken.append(piece[: b.pos])
            if b.out:
                emit(used_out, bytes(b.out))
            used_in += b.pos
            used_out += len(b.out)
            if ret is not XzRet.OK:
                break
            more_in = b.pos == len(piece) and used_in < in_avail
            more_out = len(b.out) == b.room and used_out < room
            if not (more_in or more_out) or (b.pos == 0 and not b.out):
                break
        if single:
            if ret is XzRet.OK:
                ret = XzRet.DATA_ERROR if used_in == in_avail else XzRet.BUF_ERROR
            if ret is not XzRet.STREAM_END:
                used_in = used_out = 0
        else:
            self._log(b"".join(taken), room)
            if ret is XzRet.OK and used_in == 0 and used_out == 0:
                if self.allow_buf_error:
                    ret = XzRet.BUF_ERROR
                self.allow_buf_error = True
            else:
                self.allow_buf_error = False
        return ret, used_in, used_out

    # -- saving: a replay of the calls since the last reset --------------------

    def _log(self, taken: bytes, room: int) -> None:
        if self.log_lost:
            return
        if len(self.log_in) + len(taken) > LOG_MAX:
            self.log_lost = True
            self.log_in, self.log_calls = bytearray(), []
            return
        self.log_in += taken
        self.log_calls.append((len(taken), room))

    def to_data(self) -> dict[str, Any]:
        return {
            "mode": int(self.mode),
            "dict_max": self.dict_max,
            "allocated": self.allocated,
            "calls": [list(c) for c in self.log_calls],
            "input": base64.b64encode(bytes(self.log_in)).decode(),
            "lost": self.log_lost,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> XzDec:
        """The decoder as saved: its calls since the last reset run again (a stream that
        went on past LOG_MAX was not kept: that decoder starts its stream afresh)."""
        dec = cls(XzMode(data["mode"]), data["dict_max"])
        dec.allocated = data.get("allocated", 0)
        log = base64.b64decode(data.get("input", ""))
        at = 0
        for used, room in data.get("calls", []):
            piece = log[at : at + used]
            at += used
            dec.run(lambda off, n, p=piece: p[off : off + n], used, room, lambda off, out: None)
        return dec

    # -- dec_main --------------------------------------------------------------

    def _fill_temp(self, b: _Buf) -> bool:
        n = min(b.avail, len(self.temp) - self.temp_pos)
        self.temp[self.temp_pos : self.temp_pos + n] = b.data[b.pos : b.pos + n]
        b.pos += n
        self.temp_pos += n
        if self.temp_pos == len(self.temp):
            self.temp_pos = 0
            return True
        return False

    def _vli(self, data: bytes | bytearray, pos: int, end: int) -> tuple[XzRet, int]:
        """dec_vli(): (XZ_OK for more, XZ_STREAM_END with self.vli, or XZ_DATA_ERROR), pos."""
        if self.pos == 0:
            self.vli = 0
        while pos < end:
            byte = data[pos]
            pos += 1
            self.vli |= (byte & 0x7F) << self.pos
            if not byte & 0x80:
                if byte == 0 and self.pos != 0:
                    return XzRet.DATA_ERROR, pos  # not the minimal encoding
                self.pos = 0
                return XzRet.STREAM_END, pos
            self.pos += 7
            if self.pos == 7 * VLI_BYTES_MAX:
                return XzRet.DATA_ERROR, pos
        return XzRet.OK, pos

    def _main(self, b: _Buf) -> XzRet:
        self.in_start = b.pos
        while True:
            seq = self.seq
            if seq == "stream_header":
                if not self._fill_temp(b):
                    return XzRet.OK
                self.seq = "block_start"
                ret = self._stream_header()
                if ret is not XzRet.OK:
                    return ret
            elif seq == "block_start":
                if not b.avail:
                    return XzRet.OK
                if b.data[b.pos] == 0:
                    self.in_start = b.pos
                    b.pos += 1
                    self.seq = "index"
                    continue
                self.bh_size = (b.data[b.pos] + 1) * 4
                self.temp = bytearray(self.bh_size)
                self.temp_pos = 0
                self.seq = "block_header"
            elif seq == "block_header":
                if not self._fill_temp(b):
                    return XzRet.OK
                ret = self._block_header()
                if ret is not XzRet.OK:
                    return ret
                self.seq = "block_uncompress"
            elif seq == "block_uncompress":
                ret = self._block(b)
                if ret is not XzRet.STREAM_END:
                    return ret
                self.seq = "block_padding"
            elif seq == "block_padding":
                while self.block_compressed & 3:
                    if not b.avail:
                        return XzRet.OK
                    b.pos += 1
                    if b.data[b.pos - 1] != 0:
                        return XzRet.DATA_ERROR
                    self.block_compressed += 1
                self.seq = "block_check"
            elif seq == "block_check":
                if self.check == CHECK_CRC32:
                    ret = self._crc32_validate(b)
                    if ret is not XzRet.STREAM_END:
                        return ret
                self.seq = "block_start"
            elif seq == "index":
                ret = self._index(b)
                if ret is not XzRet.STREAM_END:
                    return ret
                self.seq = "index_padding"
            elif seq == "index_padding":
                while (self.index_size + (b.pos - self.in_start)) & 3:
                    if not b.avail:
                        self._index_update(b)
                        return XzRet.OK
                    b.pos += 1
                    if b.data[b.pos - 1] != 0:
                        return XzRet.DATA_ERROR
                self._index_update(b)
                if self.block_hash != self.index_hash:
                    return XzRet.DATA_ERROR
                self.seq = "index_crc32"
            elif seq == "index_crc32":
                ret = self._crc32_validate(b)
                if ret is not XzRet.STREAM_END:
                    return ret
                self.temp = bytearray(STREAM_HEADER_SIZE)
                self.seq = "stream_footer"
            else:  # stream_footer
                if not self._fill_temp(b):
                    return XzRet.OK
                return self._stream_footer()

    def _stream_header(self) -> XzRet:
        t = self.temp
        if t[:6] != HEADER_MAGIC:
            return XzRet.FORMAT_ERROR
        if zlib.crc32(t[6:8]) != int.from_bytes(t[8:12], "little"):
            return XzRet.DATA_ERROR
        if t[6] != 0 or t[7] > CHECK_MAX:
            return XzRet.OPTIONS_ERROR
        self.check = t[7]
        if self.check > CHECK_CRC32:
            return XzRet.OPTIONS_ERROR  # no XZ_DEC_ANY_CHECK in Linux
        return XzRet.OK

    def _stream_footer(self) -> XzRet:
        t = self.temp
        if t[10:12] != FOOTER_MAGIC:
            return XzRet.DATA_ERROR
        if zlib.crc32(t[4:10]) != int.from_bytes(t[0:4], "little"):
            return XzRet.DATA_ERROR
        if self.index_size >> 2 != int.from_bytes(t[4:8], "little"):
            return XzRet.DATA_ERROR  # Backward Size
        if t[8] != 0 or t[9] != self.check:
            return XzRet.DATA_ERROR
        return XzRet.STREAM_END

    def _block_header(self) -> XzRet:
        t, size = self.temp, len(self.temp) - 4
        if zlib.crc32(t[:size]) != int.from_bytes(t[size:], "little"):
            return XzRet.DATA_ERROR
        pos, flags = 2, t[1]
        if flags & 0x3E:
            return XzRet.OPTIONS_ERROR  # reserved bits, or more than two filters
        sizes = []
        for present in (flags & 0x40, flags & 0x80):
            if present:
                ret, pos = self._vli(t, pos, size)
                if ret is not XzRet.STREAM_END:
                    return XzRet.DATA_ERROR
                sizes.append(self.vli)
            else:
                sizes.append(VLI_UNKNOWN)
        self.bh_compressed, self.bh_uncompressed = sizes
        self.bcj = 0
        if flags & 0x01:  # two filters: the first a BCJ one, without a start offset
            if size - pos < 2:
                return XzRet.OPTIONS_ERROR
            if t[pos] not in BCJ_FILTERS:
                return XzRet.OPTIONS_ERROR
            self.bcj = t[pos]
            if t[pos + 1] != 0:
                return XzRet.OPTIONS_ERROR
            pos += 2
        if size - pos < 2:
            return XzRet.DATA_ERROR
        if t[pos] != LZMA2_ID or t[pos + 1] != 0x01:
            return XzRet.OPTIONS_ERROR
        pos += 2
        if size - pos < 1:
            return XzRet.DATA_ERROR
        ret = self._lzma2_reset(t[pos])
        if ret is not XzRet.OK:
            return ret
        if any(t[pos + 1 : size]):
            return XzRet.OPTIONS_ERROR  # Header Padding
        self.block_compressed = self.block_uncompressed = 0
        return XzRet.OK

    def _lzma2_reset(self, props: int) -> XzRet:
        """xz_dec_lzma2_reset(): the dictionary the properties ask for, within dict_max."""
        if props > 39:
            return XzRet.OPTIONS_ERROR
        size = lzma2_dict_size(props)
        if self.mode is not XzMode.SINGLE:
            if size > self.dict_max:
                return XzRet.MEMLIMIT_ERROR
            if self.mode is XzMode.DYNALLOC and self.allocated < size:
                self.allocated = size
                if not self.grow(size):
                    self.allocated = 0
                    return XzRet.MEM_ERROR
        else:
            size = max(SINGLE_DICT_MIN, min(size, self.single_room, SINGLE_DICT_MAX))
        self.dict_size = size
        self.lz = None
        self.chunks = _Chunks()
        return XzRet.OK

    def _block(self, b: _Buf) -> XzRet:
        in0, out0 = b.pos, len(b.out)
        ret = self._lzma2(b)
        self.block_compressed += b.pos - in0
        self.block_uncompressed += len(b.out) - out0
        if (
            self.block_compressed > self.bh_compressed
            or self.block_uncompressed > self.bh_uncompressed
        ):
            return XzRet.DATA_ERROR
        if self.check == CHECK_CRC32:
            self.crc32 = zlib.crc32(b.out[out0:], self.crc32)
        if ret is XzRet.STREAM_END:
            for declared, seen in (
                (self.bh_compressed, self.block_compressed),
                (self.bh_uncompressed, self.block_uncompressed),
            ):
                if declared != VLI_UNKNOWN and declared != seen:
                    return XzRet.DATA_ERROR
            unpadded = self.bh_size + self.block_compressed + (4 if self.check else 0)
            self.block_hash = _hash_add(self.block_hash, unpadded, self.block_uncompressed)
            self.block_count += 1
        return ret

    def _lzma2(self, b: _Buf) -> XzRet:
        """xz_dec_lzma2_run() (or the BCJ filter over it): liblzma on the stream's bytes."""
        import lzma  # only when a block is decoded: one-shot commands never need it

        if self.lz is None:
            chain: list[dict[str, Any]] = [{"id": self.bcj}] if self.bcj else []
            chain.append({"id": LZMA2_ID, "dict_size": self.dict_size})
            try:
                self.lz = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=chain)
            except (lzma.LZMAError, MemoryError):
                return XzRet.MEM_ERROR
        while True:
            if self.lz.eof:
                ok = self.chunks.done and not self.lz.unused_data
                return XzRet.STREAM_END if ok else XzRet.DATA_ERROR
            left = b.room - len(b.out)
            if left <= 0:
                return XzRet.OK
            feed = b""
            if self.lz.needs_input:
                if self.chunks.done:
                    return XzRet.DATA_ERROR  # liblzma wants more than the stream holds
                n, bad = self.chunks.take(b.data, b.pos)
                feed = b.data[b.pos : b.pos + n]
                b.pos += n
                if bad:
                    return XzRet.DATA_ERROR
                if not n:
                    return XzRet.OK
            try:
                out = self.lz.decompress(feed, left)
            except lzma.LZMAError as exc:
                return XzRet.MEM_ERROR if "memory" in str(exc).lower() else XzRet.DATA_ERROR
            b.out += out
            if not feed and not out and not self.lz.eof:
                return XzRet.OK

    def _crc32_validate(self, b: _Buf) -> XzRet:
        while True:
            if not b.avail:
                return XzRet.OK
            b.pos += 1
            if (self.crc32 >> self.pos) & 0xFF != b.data[b.pos - 1]:
                return XzRet.DATA_ERROR
            self.pos += 8
            if self.pos >= 32:
                break
        self.crc32 = 0
        self.pos = 0
        return XzRet.STREAM_END

    def _index_update(self, b: _Buf) -> None:
        used = b.data[self.in_start : b.pos]
        self.index_size += len(used)
        self.crc32 = zlib.crc32(used, self.crc32)

    def _index(self, b: _Buf) -> XzRet:
        while True:
            ret, b.pos = self._vli(b.data, b.pos, len(b.data))
            if ret is not XzRet.STREAM_END:
                self._index_update(b)
                return ret
            if self.index_seq == "count":
                self.index_count = self.vli
                if self.index_count != self.block_count:
                    return XzRet.DATA_ERROR
                self.index_seq = "unpadded"
            elif self.index_seq == "unpadded":
                self.index_unpadded = self.vli
                self.index_seq = "uncompressed"
            else:
                self.index_hash = _hash_add(self.index_hash, self.index_unpadded, self.vli)
                self.index_count -= 1
                self.index_seq = "unpadded"
            if self.index_count <= 0:
                return XzRet.STREAM_END


def _hash_add(h: tuple[int, int, int], unpadded: int, uncompressed: int) -> tuple[int, int, int]:
    """struct xz_dec_hash after one more block (or record): sums and a CRC32 over them."""
    mask = (1 << 64) - 1
    u, c = (h[0] + unpadded) & mask, (h[1] + uncompressed) & mask
    return u, c, zlib.crc32(_HASH.pack(u, c, h[2]), h[2])


@dataclass
class Decoder:
    """One xz_dec_init()'s kernel objects: the struct, its dictionary (PREALLOC/DYNALLOC)."""

    addr: int
    owner: str
    dict_addr: int
    dec: XzDec


class XzDecoders(Component):
    """The decoders modules hold, by their ``struct xz_dec *``.

    A decoder in the middle of a stream is saved as the calls it took since its
    last reset (input and output room), which restoring replays: the state file
    keeps up to LOG_MAX bytes of one stream's input; past that the decoder
    starts its stream again after a restore.
    """

    name = "xz"

    def __init__(self) -> None:
        self.live: dict[int, Decoder] = {}
        #: saved decoders not used yet in this process (replayed when first asked for)
        self.saved: dict[int, dict[str, Any]] = {}

    def get(self, addr: int) -> Decoder | None:
        d = self.live.get(addr)
        if d is None and addr in self.saved:
            item = self.saved.pop(addr)
            d = self.live[addr] = Decoder(addr, item["owner"], item["dict"], XzDec.from_data(item))
        return d

    def add(self, d: Decoder) -> None:
        self.saved.pop(d.addr, None)
        self.live[d.addr] = d

    def remove(self, addr: int) -> None:
        self.live.pop(addr, None)
        self.saved.pop(addr, None)

    def to_data(self) -> Any:
        live = [
            {"addr": d.addr, "owner": d.owner, "dict": d.dict_addr, **d.dec.to_data()}
            for d in self.live.values()
        ]
        return live + list(self.saved.values())

    def load_data(self, data: Any) -> None:
        self.live = {}
        self.saved = {item["addr"]: item for item in data or []}

    def module_going(self, module: Any) -> list[Report]:
        # what a module forgot to xz_dec_end() is its leaked memory (the heap reports it)
        gone = [a for a, d in self.live.items() if d.owner == module.name]
        gone += [a for a, item in self.saved.items() if item["owner"] == module.name]
        for addr in gone:
            self.remove(addr)
        return []
