"""The fields kmod's modinfo shows for a signed module, from its appended signature.

Linux appends ``[signature][struct module_signature][magic]`` (see
``lkmsh.elf.signature``). For PKCS#7 (every kernel since 4.x) the signer,
key id and hash algorithm live inside the PKCS#7 message; it is decoded with
asn1crypto (a well-kept ASN.1/CMS parser) rather than by hand, and read as
kmod 30 (built with libcrypto) reads it: the first SignerInfo's issuer CN is
the signer, its serial number (big-endian, no leading zeros) the key id, its
digest algorithm the hash, its encrypted digest the signature.
"""

from __future__ import annotations

from lkmsh.elf.structs import ModuleSignature

ID_TYPES = ("PGP", "X509", "PKCS#7")
# Linux's enum hash_algo order (include/uapi/linux/hash_info.h), as kmod names them.
HASH_ALGOS = (
    "md4",
    "md5",
    "sha1",
    "rmd160",
    "sha256",
    "sha384",
    "sha512",
    "sha224",
    "rmd128",
    "rmd256",
    "rmd320",
    "wp256",
    "wp384",
    "wp512",
    "tgr128",
    "tgr160",
    "tgr192",
    "sm3",
    "streebog256",
    "streebog512",
)
_DIGEST_NAMES = {
    "sha1": "sha1",
    "sha224": "sha224",
    "sha256": "sha256",
    "sha384": "sha384",
    "sha512": "sha512",
    "md5": "md5",
    "md4": "md4",
    "sm3": "sm3",
}


def hex_block(raw: bytes) -> str:
    """kmod's hex rendering: ``AB:CD:...``, 20 bytes a line, lines joined by "\\n\\t\\t"."""
    parts = []
    for i, b in enumerate(raw):
        parts.append(f"{b:02X}")
        if i < len(raw) - 1:
            parts.append(":")
            if (i + 1) % 20 == 0:
                parts.append("\n\t\t")
    return "".join(parts)


def signature_fields(sig: ModuleSignature) -> list[tuple[str, str]]:
    """sig_id, signer, sig_key, sig_hashalgo, signature (kmod's order); [] if unreadable."""
    id_type = ID_TYPES[sig.id_type] if sig.id_type < len(ID_TYPES) else "unknown"
    signer = sig.signer.decode("utf-8", "surrogateescape")
    key_id = sig.key_id
    hash_algo = HASH_ALGOS[sig.hash] if sig.hash < len(HASH_ALGOS) else "unknown"
    blob = sig.signature
    if sig.id_type == 2:
        parsed = _pkcs7(sig.signature)
        if parsed is None:
            return []
        signer, key_id, hash_algo, blob = parsed
    return [
        ("sig_id", id_type),
        ("signer", signer),
        ("sig_key", hex_block(key_id)),
        ("sig_hashalgo", hash_algo),
        ("signature", hex_block(blob)),
    ]


def _pkcs7(der: bytes) -> tuple[str, bytes, str, bytes] | None:
    from asn1crypto import cms

    try:
        info = cms.ContentInfo.load(der)
        signed = info["content"]
        signer_info = signed["signer_infos"][0]
        sid = signer_info["sid"]
        signer = ""
        key_id = b""
        if sid.name == "issuer_and_serial_number":
            issuer = sid.chosen["issuer"]
            for rdn in issuer.chosen:
                for attr in rdn:
                    if attr["type"].native == "common_name":
                        signer = attr["value"].native
            serial = sid.chosen["serial_number"].native
            key_id = serial.to_bytes((serial.bit_length() + 7) // 8, "big") if serial > 0 else b""
        else:
            key_id = sid.chosen.native
        algo = signer_info["digest_algorithm"]["algorithm"].native
        signature = signer_info["signature"].native
    except (ValueError, TypeError, KeyError, IndexError):
        return None
    return signer, key_id, _DIGEST_NAMES.get(algo, algo), signature
