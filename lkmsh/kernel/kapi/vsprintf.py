"""Linux's vsnprintf as a pure function: format bytes + 64-bit arguments -> bytes.

Follows lib/vsprintf.c of Linux 6.1, including where it differs from C's printf:

- ``%.0d`` of 0 prints "0"; ``%#x`` of 0 prints "0x0"; ``%#.3o`` of 8 "0010";
  the ``0`` flag still pads when a precision is given; ``%.d``/``%.s`` (a dot
  without digits) means no precision at all.
- Length modifiers are ``hh h l ll L z t``; ``j``, ``q`` and ``%n`` are unknown
  conversions, and, as Linux, an unknown conversion ends the output there
  (``on_invalid`` is told, for the WARN_ONCE Linux prints).
- ``%s`` of NULL prints "(null)", of an unreadable address "(efault)".
- ``%p`` prints a hashed pointer: the low 32 bits of a keyed BLAKE2b hash
  (Linux uses siphash with a random boot key; lkmsh's key is ``ptr_key``, fixed
  per kernel so dmesg is reproducible), zero-padded to 16 hex digits. NULL and
  ERR_PTR values print raw. ``%pK`` hashes too (kptr_restrict=0).
- ``%px`` raw; ``%pS``/``%pSR``/``%pB`` "sym+0xoff/0xsize [mod]", ``%ps``
  without the offset (``%pF`` is a plain ``%p`` and ``%pf`` a firmware node, as
  in 6.1); ``%pM``/``%pm`` MAC addresses, ``%pI4``/``%pi4``/``%pI6``/``%pi6``
  IP addresses, ``%*ph`` hex dumps, ``%pe`` error names, ``%pks``/``%pus``
  strings; any other ``%p<ext>`` prints the hashed pointer. All alphanumeric
  characters after ``%p`` are consumed, as Linux does.
"""

from __future__ import annotations

import errno as _errno
import re
from collections.abc import Callable, Iterator

ReadCStr = Callable[[int, int], "bytes | None"]
ReadBytes = Callable[[int, int], "bytes | None"]
Symbolize = Callable[[int], str]

DEFAULT_PTR_KEY = b"lkmsh-ptr-hash-key"
PAGE_SIZE = 4096
MAX_ERRNO = 4095
STRING_LIMIT = 1 << 20  # longest %s we scan for its NUL
FIELD_WIDTH_MAX = (1 << 23) - 1
PRECISION_MAX = (1 << 15) - 1
MASK64 = (1 << 64) - 1
POLL_EVERY = 256

# printf_spec flags (Linux's values; SMALL is 0x20 so it lower-cases by OR).
ZEROPAD, SIGN, PLUS, SPACE, LEFT, SMALL, SPECIAL = 1, 2, 4, 8, 16, 32, 64

_SPEC = re.compile(rb"%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+)?)?(hh|ll|h|l|L|z|t)?(.?)", re.S)
_ALNUM = re.compile(rb"[A-Za-z0-9]*")
_FLAG_BITS = {ord("-"): LEFT, ord("+"): PLUS, ord(" "): SPACE, ord("#"): SPECIAL, ord("0"): ZEROPAD}
_OFFSET = re.compile(r"\+0x[0-9a-f]+/0x[0-9a-f]+")
_DIGITS = "0123456789ABCDEF"


def _signed(value: int, bits: int) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def _is_err(ptr: int) -> bool:
    return ptr >= (MASK64 - MAX_ERRNO + 1)


#: One field's output, ``head + fill * count + tail``: a field width of 8 MiB
#: is a count, never 8 MiB of host memory.
Piece = tuple[bytes, bytes, int, bytes]


def _plain(text: bytes) -> Piece:
    return text, b"", 0, b""


def number(num: int, base: int, flags: int, width: int, precision: int) -> bytes:
    """lib/vsprintf.c number(): ``num`` is the (already sized) integer value."""
    head, fill, count, tail = _number(num, base, flags, width, precision)
    return head + fill * count + tail


def _number(num: int, base: int, flags: int, width: int, precision: int) -> Piece:
    """number() as a Piece: at most one of its three paddings is ever non-empty."""
    need_pfx = bool(flags & SPECIAL) and base != 10
    is_zero = num == 0
    if flags & LEFT:
        flags &= ~ZEROPAD
    sign = ""
    if flags & SIGN:
        if num < 0:
            sign, num = "-", -num
            width -= 1
        elif flags & PLUS:
            sign = "+"
            width -= 1
        elif flags & SPACE:
            sign = " "
            width -= 1
    else:
        num &= MASK64
    if need_pfx:
        if base == 16:
            width -= 2
        elif not is_zero:
            width -= 1
    if base == 10:
        digits = str(num)
    elif base == 16:
        digits = f"{num:x}" if flags & SMALL else f"{num:X}"
    else:
        digits = f"{num:o}"
    i = len(digits)
    if i > precision:
        precision = i
    width -= precision
    prefix = sign
    if need_pfx:
        if base == 16 or not is_zero:
            prefix += "0"
        if base == 16:
            prefix += "x" if flags & SMALL else "X"
    body = ("0" * (precision - i) + digits).encode()
    if width <= 0:
        return _plain(prefix.encode() + body)
    if flags & LEFT:
        return prefix.encode() + body, b" ", width, b""
    if flags & ZEROPAD:
        return prefix.encode(), b"0", width, body
    return b"", b" ", width, prefix.encode() + body


def _widen(text: bytes, width: int, flags: int) -> Piece:
    if len(text) >= width:
        return _plain(text)
    if flags & LEFT:
        return text, b" ", width - len(text), b""
    return b"", b" ", width - len(text), text


def _limited(text: bytes, precision: int) -> bytes:
    return text[:precision] if precision >= 0 else text


def _error_string(msg: bytes, width: int, flags: int, precision: int) -> Piece:
    if precision == -1:
        precision = 16
    return _widen(_limited(msg, precision), width, flags)


def _check_pointer(ptr: int) -> bytes | None:
    if ptr == 0:
        return b"(null)"
    if ptr < PAGE_SIZE or _is_err(ptr):
        return b"(efault)"
    return None


class Sink:
    """Where vsnprintf's output goes: the first ``limit`` bytes are kept (None:
    all), every byte is counted, as Linux writes up to ``end`` and counts on.

    ``flush``, when given, receives the kept bytes in pieces of at most
    ``FLUSH_AT`` (sprintf's destination in module memory), so even an
    unbounded sprintf holds little host memory at a time.
    """

    __slots__ = ("_parts", "_held", "room", "total", "_flush")

    FLUSH_AT = 1 << 16

    def __init__(self, limit: int | None = None, flush: Callable[[bytes], None] | None = None):
        self._parts: list[bytes] = []
        self._held = 0
        self.room = -1 if limit is None else max(limit, 0)
        self.total = 0
        self._flush = flush

    def put(self, data: bytes) -> None:
        n = len(data)
        self.total += n
        if self.room < 0:
            self._keep(data)
        elif self.room:
            take = data[: self.room]
            self.room -= len(take)
            self._keep(take)

    def pad(self, fill: bytes, count: int) -> None:
        """``count`` copies of the byte ``fill``, materialised only as far as they are kept."""
        if count <= 0 or not fill:
            return
        self.total += count
        keep = count if self.room < 0 else min(count, self.room)
        if self.room > 0:
            self.room -= keep
        while keep > 0:
            step = min(keep, self.FLUSH_AT)
            self._keep(fill * step)
            keep -= step

    def piece(self, p: Piece) -> None:
        head, fill, count, tail = p
        if head:
            self.put(head)
        self.pad(fill, count)
        if tail:
            self.put(tail)

    def _keep(self, data: bytes) -> None:
        if not data:
            return
        self._parts.append(data)
        self._held += len(data)
        if self._flush is not None and self._held >= self.FLUSH_AT:
            self.drain()

    def drain(self) -> None:
        """Hand what is held to ``flush`` (sprintf calls it once more at the end)."""
        if self._parts and self._flush is not None:
            data = b"".join(self._parts)
            self._parts, self._held = [], 0
            self._flush(data)

    def getvalue(self) -> bytes:
        return b"".join(self._parts)


class Formatter:
    """One kernel's formatting environment: memory readers, symboliser, hash key."""

    __slots__ = ("read_cstr", "read_bytes", "symbolize", "ptr_key", "on_invalid", "poll")

    def __init__(
        self,
        read_cstr: ReadCStr,
        read_bytes: ReadBytes | None = None,
        symbolize: Symbolize | None = None,
        ptr_key: bytes = DEFAULT_PTR_KEY,
        on_invalid: Callable[[str], None] | None = None,
    ):
        self.read_cstr = read_cstr
        self.read_bytes = read_bytes
        self.symbolize = symbolize
        self.ptr_key = ptr_key
        self.on_invalid = on_invalid
        #: called every POLL_EVERY conversions (each may scan a 1 MiB string)
        self.poll: Callable[[], None] | None = None

    # -- pointers -----------------------------------------------------------

    def hash_pointer(self, ptr: int) -> int:
        import hashlib  # here: OpenSSL's load is ~4 ms of a one-shot start-up

        digest = hashlib.blake2b(
            ptr.to_bytes(8, "little"), key=self.ptr_key[:64], digest_size=8
        ).digest()
        return int.from_bytes(digest, "little") & 0xFFFFFFFF

    def _pointer_string(self, ptr: int, width: int, flags: int, precision: int) -> Piece:
        if width == -1:
            width = 16
            flags |= ZEROPAD
        return _number(ptr, 16, flags | SMALL, width, precision)

    def _default_pointer(self, ptr: int, width: int, flags: int, precision: int) -> Piece:
        if ptr == 0 or _is_err(ptr):
            return self._pointer_string(ptr, width, flags, precision)
        return self._pointer_string(self.hash_pointer(ptr), width, flags, precision)

    def _symbol(self, ptr: int, ext: bytes) -> str:
        text = self.symbolize(ptr) if self.symbolize else f"0x{ptr:x}"
        if ext[:1] == b"s":
            text = _OFFSET.sub("", text, count=1)
        return text

    def _deref(self, ptr: int, n: int) -> bytes | None:
        if self.read_bytes is None:
            return None
        return self.read_bytes(ptr, n)

    def pointer(self, ext: bytes, ptr: int, width: int, flags: int, precision: int) -> Piece:
        from lkmsh.kernel.kapi.vsprintf_ext import extension

        extra = extension(self, ext, ptr, width)
        if extra is not None:
            return _plain(extra)
        kind = ext[:1]
        if kind in (b"S", b"s", b"B"):
            text = self._symbol(ptr, ext).encode()
            return _widen(_limited(text, precision), width, flags)
        if kind == b"x":
            return self._pointer_string(ptr, width, flags, precision)
        if kind == b"K":
            return self._default_pointer(ptr, width, flags, precision)
        if kind == b"e":
            if not _is_err(ptr):
                return self._default_pointer(ptr, width, flags, precision)
            err = _signed(ptr, 64)
            name = _errno.errorcode.get(-err)
            if name:
                return _widen(_limited(b"-" + name.encode(), precision), width, flags)
            return _number(err, 10, flags | SIGN, width, precision)
        if kind in (b"u", b"k"):
            if ext[1:2] == b"s":
                return self.string(ptr, width, flags, precision)
            return _error_string(b"(einval)", width, flags, precision)
        if kind in (b"d", b"D"):
            return self._dentry(ptr, ext, width, flags, precision)
        if kind in (b"M", b"m", b"I", b"i", b"h"):
            bad = _check_pointer(ptr)
            if bad:
                return _error_string(bad, width, flags, precision)
            if kind in (b"M", b"m"):
                return self._mac(ptr, ext, width, flags, precision)
            if kind == b"h":
                return _plain(self._hex(ptr, ext, width))
            return self._ip(ptr, ext, width, flags, precision)
        return self._default_pointer(ptr, width, flags, precision)

    def _word(self, addr: int) -> int | None:
        raw = self._deref(addr, 8)
        return None if raw is None else int.from_bytes(raw, "little")

    def _dentry(self, ptr: int, ext: bytes, width: int, flags: int, precision: int) -> Piece:
        """%pd[234] (a struct dentry's name, with up to 3 parents) and %pD[234] (a struct
        file's), as dentry_name(): components joined by '/', stopping at the root."""
        from lkmsh.kernel.fsstructs import DentryOff, FileOff

        bad = _check_pointer(ptr)
        if bad:
            return _error_string(bad, width, flags, precision)
        if ext[:1] == b"D":
            ptr = self._word(ptr + FileOff.f_path_dentry) or 0
        depth = int(ext[1:2]) if ext[1:2] in (b"2", b"3", b"4") else 1
        names: list[bytes] = []
        d = ptr
        for i in range(depth):
            bad = _check_pointer(d)
            if bad:  # as check_pointer() mid-walk: the error text, nothing else
                return _error_string(bad, width, flags, precision)
            parent, name = self._word(d + DentryOff.d_parent), self._word(d + DentryOff.d_name_name)
            if parent is None or name is None:
                return _error_string(b"(efault)", width, flags, precision)
            text = self.read_cstr(name, 256) if name else b""
            if parent == d:  # the root: "" above the first component
                names.append(b"" if i else (text or b""))
                break
            names.append(text or b"")
            d = parent
        return _widen(_limited(b"/".join(reversed(names)), precision), width, flags)

    def _mac(self, ptr: int, ext: bytes, width: int, flags: int, precision: int) -> Piece:
        raw = self._deref(ptr, 6)
        if raw is None:
            return _error_string(b"(efault)", width, flags, precision)
        if ext[1:2] == b"R":
            raw = raw[::-1]
        sep = "" if ext[:1] == b"m" else ("-" if ext[1:2] == b"F" else ":")
        text = sep.join(f"{b:02x}" for b in raw).encode()
        return _widen(_limited(text, precision), width, flags)

    def _ip(self, ptr: int, ext: bytes, width: int, flags: int, precision: int) -> Piece:
        version = ext[1:2]
        if version == b"4":
            raw = self._deref(ptr, 4)
            if raw is None:
                return _error_string(b"(efault)", width, flags, precision)
            fmt = "{:03d}" if ext[:1] == b"i" else "{:d}"
            text = ".".join(fmt.format(b) for b in raw)
        elif version == b"6":
            raw = self._deref(ptr, 16)
            if raw is None:
                return _error_string(b"(efault)", width, flags, precision)
            groups = [f"{raw[i]:02x}{raw[i + 1]:02x}" for i in range(0, 16, 2)]
            text = "".join(groups) if ext[:1] == b"i" else ":".join(groups)
        else:
            return _error_string(b"(%pI?)", width, flags, precision)
        return _widen(_limited(text.encode(), precision), width, flags)

    def _hex(self, ptr: int, ext: bytes, width: int) -> bytes:
        sep = {b"C": ":", b"D": "-", b"N": ""}.get(ext[1:2], " ")
        count = 1 if width == -1 else min(max(width, 0), 64)
        if count == 0:
            return b""
        raw = self._deref(ptr, count)
        if raw is None:
            return b"(efault)"
        return sep.join(f"{b:02x}" for b in raw).encode()

    # -- strings ------------------------------------------------------------

    def string(self, ptr: int, width: int, flags: int, precision: int) -> Piece:
        bad = _check_pointer(ptr)
        if bad:
            return _error_string(bad, width, flags, precision)
        limit = precision if precision >= 0 else STRING_LIMIT
        text = self.read_cstr(ptr, limit)
        if text is None:
            return _error_string(b"(efault)", width, flags, precision)
        return _widen(text, width, flags)

    # -- the loop -----------------------------------------------------------

    def format(self, fmt: bytes, args: Iterator[int]) -> bytes:
        """The whole output (for callers with their own bound, as printk's line)."""
        sink = Sink()
        self.format_into(sink, fmt, args)
        return sink.getvalue()

    def format_into(self, sink: Sink, fmt: bytes, args: Iterator[int]) -> None:
        """Format into ``sink``, which keeps what fits and counts the rest (vsnprintf)."""
        out = sink
        pos = 0
        n = len(fmt)
        poll, conversions = self.poll, 0
        while pos < n:
            pct = fmt.find(b"%", pos)
            if pct < 0:
                out.put(fmt[pos:])
                break
            if pct > pos:
                out.put(fmt[pos:pct])
            m = _SPEC.match(fmt, pct)
            assert m is not None  # "%" alone still matches with an empty conversion
            conversions += 1
            if poll is not None and conversions % POLL_EVERY == 0:
                poll()
            flag_text, w_text, p_text, qual, conv = m.groups()
            pos = m.end()
            flags = 0
            for ch in flag_text:
                flags |= _FLAG_BITS[ch]
            if w_text is None:
                width = -1
            elif w_text == b"*":
                width = _signed(next(args), 32)
                if width < 0:
                    width, flags = -width, flags | LEFT
                width = min(width, FIELD_WIDTH_MAX)
            else:
                width = _signed(int(w_text) & 0xFFFFFFFF, 24)
            precision = -1
            if p_text == b"*":
                # format_decode() reads on after a '*' precision: a negative one is 0
                precision = max(0, min(_signed(next(args), 32), PRECISION_MAX))
            elif p_text:
                precision = max(0, _signed(int(p_text) & 0xFFFFFFFF, 16))
            if conv == b"c":
                ch = bytes((next(args) & 0xFF,))
                out.piece(_widen(ch, width, flags))
            elif conv == b"s":
                out.piece(self.string(next(args), width, flags, precision))
            elif conv == b"p":
                ext = _ALNUM.match(fmt, pos).group()
                pos += len(ext)
                out.piece(self.pointer(ext, next(args), width, flags, precision))
            elif conv == b"%":
                out.put(b"%")
            elif conv and conv in b"diouxX":
                base = 10
                if conv == b"o":
                    base = 8
                elif conv in b"xX":
                    base = 16
                    if conv == b"x":
                        flags |= SMALL
                elif conv in b"di":
                    flags |= SIGN
                raw = next(args)
                if qual in (b"l", b"ll", b"L", b"z", b"t"):
                    bits = 64
                elif qual == b"h":
                    bits = 16
                elif qual == b"hh":
                    bits = 8
                else:
                    bits = 32
                num = _signed(raw, bits) if flags & SIGN else raw & ((1 << bits) - 1)
                out.piece(_number(num, base, flags, width, precision))
            else:
                if self.on_invalid is not None:
                    shown = conv.decode("latin-1") if conv else ""
                    self.on_invalid(f"Please remove unsupported %{shown} in format string")
                break


def format(
    fmt: bytes,
    args: Iterator[int],
    read_cstr: ReadCStr,
    symbolize: Symbolize | None = None,
    read_bytes: ReadBytes | None = None,
    ptr_key: bytes = DEFAULT_PTR_KEY,
    on_invalid: Callable[[str], None] | None = None,
) -> bytes:
    """Format ``fmt`` as Linux's vsnprintf would with an unbounded buffer."""
    return Formatter(read_cstr, read_bytes, symbolize, ptr_key, on_invalid).format(fmt, args)
