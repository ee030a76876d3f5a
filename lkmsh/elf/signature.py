"""Finding an appended module signature, so a signed .ko still reads as ELF.

Layout at the end of a signed module (Linux scripts/sign-file):
``[ELF][signer][key id][signature][struct module_signature, 12 bytes][magic]``.
For PKCS#7 signatures (id_type 2, every kernel since 4.x) signer and key id
are empty and the signature blob is the PKCS#7 message. Decoding the PKCS#7
itself belongs elsewhere.
"""

from __future__ import annotations

import errno
import struct

from lkmsh.elf.structs import ModuleSignature
from lkmsh.errors import ElfError

SIGNATURE_MAGIC = b"~Module signature appended~\n"
PKEY_ID_PKCS7 = 2

_MODSIG = struct.Struct(">BBBBB3xI")
_TRAILER = _MODSIG.size + len(SIGNATURE_MAGIC)


def split_signature(data: bytes | memoryview) -> tuple[int, ModuleSignature | None]:
    """Return (length of the ELF image, signature or None).

    A trailer that carries the magic but does not fit raises ElfError with
    EBADMSG, as Linux refuses such a module."""
    size = len(data)
    if size < _TRAILER or bytes(data[size - len(SIGNATURE_MAGIC) :]) != SIGNATURE_MAGIC:
        return size, None
    header_at = size - _TRAILER
    algo, hash_, id_type, signer_len, key_id_len, sig_len = _MODSIG.unpack_from(data, header_at)
    total = signer_len + key_id_len + sig_len
    if sig_len == 0 or total > header_at:
        raise ElfError(
            f"module signature of {sig_len} bytes does not fit in the file", errno=errno.EBADMSG
        )
    if id_type == PKEY_ID_PKCS7 and (algo or hash_ or signer_len or key_id_len):
        raise ElfError("malformed PKCS#7 module signature header", errno=errno.EBADMSG)
    sig_at = header_at - sig_len
    key_at = sig_at - key_id_len
    signer_at = key_at - signer_len
    sig = ModuleSignature(
        algo=algo,
        hash=hash_,
        id_type=id_type,
        signer_len=signer_len,
        key_id_len=key_id_len,
        sig_len=sig_len,
        signer=bytes(data[signer_at:key_at]),
        key_id=bytes(data[key_at:sig_at]),
        signature=bytes(data[sig_at:header_at]),
    )
    return signer_at, sig
