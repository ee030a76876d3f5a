"""<crypto/hash.h> and <crypto/skcipher.h>: transforms, hashing, AES, scatterlists.

Results come from lkmsh/kernel/crypto.py (the host's primitives). A transform
handle is a small heap object holding the algorithm's name and driver name
(what crypto_shash_alg_name() returns points there).
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from lkmsh.kernel.crypto import Alg, Digest, Tfm, find, keyable
from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.kapi.bug import KernelBug, call_trace
from lkmsh.kernel.kapi.common import cstr, decode, owner
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.pages import page_to_virt

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

MASK64 = (1 << 64) - 1
HANDLE = 128  # name at 0, driver name at 64
NAME_MAX = 64
SG_SIZE, SG_CHAIN, SG_END = 32, 1, 2
REQ_SIZE = 96  # struct skcipher_request without a context
#: struct skcipher_request: cryptlen 0, iv 8, src 16, dst 24, base 32 (base.complete 48,
#: base.data 56, base.tfm 64, base.flags 72)
R_LEN, R_IV, R_SRC, R_DST, R_COMPLETE, R_DATA, R_TFM = 0, 8, 16, 24, 48, 56, 64


def _err(e: int) -> int:
    return (-e) & MASK64


def _alloc(ctx: CallContext, kind: str) -> int:
    name = decode(cstr(ctx, ctx.arg(0), 128))
    alg = find(name, kind)
    if alg is None:
        return _err(errno.ENOENT)
    handle = ctx.kernel.heap.alloc(HANDLE, KERNEL_OWNER, ctx.caller, zero=True)
    if not handle:
        return _err(errno.ENOMEM)
    ctx.mem.write(handle, alg.name.encode()[: NAME_MAX - 1])
    ctx.mem.write(handle + NAME_MAX, alg.driver.encode()[: NAME_MAX - 1])
    ctx.kernel.crypto.tfms[handle] = Tfm(alg.name, owner(ctx))
    return handle


def _tfm(ctx: CallContext, handle: int) -> tuple[Tfm, Alg]:
    tfm = ctx.kernel.crypto.tfms.get(handle)
    if tfm is None:
        # a pointer that is no transform: read it as Linux would (and fault if unmapped)
        ctx.mem.read(handle, 8)
        msg = f"crypto: {handle:#x} is not a crypto transform"
        raise KernelBug(msg, [msg, *call_trace(ctx)])
    alg = find(tfm.alg, "shash") or find(tfm.alg, "skcipher")
    assert alg is not None
    return tfm, alg


def _free(ctx: CallContext) -> None:
    handle = ctx.arg(0)
    if not handle or handle >= MASK64 - 4095:
        return
    if ctx.kernel.crypto.tfms.pop(handle, None) is not None:
        ctx.kernel.heap.free(handle)


def _setkey(ctx: CallContext) -> int:
    tfm, alg = _tfm(ctx, ctx.arg(0))
    key = ctx.mem.read(ctx.arg(1), ctx.arg(2) & 0xFFFFFFFF) if ctx.arg(2) & 0xFFFFFFFF else b""
    if not keyable(alg):
        return -errno.ENOSYS
    if alg.type == "skcipher" and len(key) not in (16, 24, 32):
        return -errno.EINVAL
    if alg.name in ("crc32", "crc32c") and len(key) != 4:
        return -errno.EINVAL
    tfm.key = key.hex()
    return 0


# -- shash -------------------------------------------------------------------


@kapi(
    "crypto_alloc_shash",
    "struct crypto_shash *crypto_alloc_shash(const char *alg_name, u32 type, u32 mask)",
    gpl=True,
)
def crypto_alloc_shash(ctx: CallContext) -> int:
    return _alloc(ctx, "shash")


@kapi("crypto_free_shash", "void crypto_free_shash(struct crypto_shash *tfm)", gpl=True)
def crypto_free_shash(ctx: CallContext) -> None:
    _free(ctx)


@kapi(
    "crypto_has_shash", "int crypto_has_shash(const char *alg_name, u32 type, u32 mask)", gpl=True
)
def crypto_has_shash(ctx: CallContext) -> int:
    return int(find(decode(cstr(ctx, ctx.arg(0), 128)), "shash") is not None)


@kapi("crypto_shash_digestsize", "unsigned int crypto_shash_digestsize(struct crypto_shash *tfm)")
def crypto_shash_digestsize(ctx: CallContext) -> int:
    return _tfm(ctx, ctx.arg(0))[1].digestsize


@kapi("crypto_shash_blocksize", "unsigned int crypto_shash_blocksize(struct crypto_shash *tfm)")
def crypto_shash_blocksize(ctx: CallContext) -> int:
    return _tfm(ctx, ctx.arg(0))[1].blocksize


@kapi("crypto_shash_descsize", "unsigned int crypto_shash_descsize(struct crypto_shash *tfm)")
def crypto_shash_descsize(ctx: CallContext) -> int:
    _tfm(ctx, ctx.arg(0))
    return 8


@kapi("crypto_shash_alg_name", "const char *crypto_shash_alg_name(struct crypto_shash *tfm)")
def crypto_shash_alg_name(ctx: CallContext) -> int:
    _tfm(ctx, ctx.arg(0))
    return ctx.arg(0)


@kapi("crypto_shash_driver_name", "const char *crypto_shash_driver_name(struct crypto_shash *tfm)")
def crypto_shash_driver_name(ctx: CallContext) -> int:
    _tfm(ctx, ctx.arg(0))
    return ctx.arg(0) + NAME_MAX


@kapi(
    "crypto_shash_setkey",
    "int crypto_shash_setkey(struct crypto_shash *tfm, const u8 *key, unsigned int keylen)",
    gpl=True,
)
def crypto_shash_setkey(ctx: CallContext) -> int:
    return _setkey(ctx)


def _start(ctx: CallContext, desc: int, handle: int | None = None) -> Digest | int:
    """A digest in progress for @desc (a shash_desc, whose first word is the transform,
    or an ahash request with @handle given)."""
    tfm, alg = _tfm(ctx, ctx.mem.read_u64(desc) if handle is None else handle)
    if alg.name.startswith("hmac(") and tfm.key is None:
        return -errno.ENOKEY
    digest = Digest(alg, tfm.key_bytes)
    ctx.kernel.crypto.digests[desc] = digest
    return digest


def _data(ctx: CallContext, addr: int, n: int) -> bytes:
    return ctx.mem.read(addr, n) if n else b""


def _finish(ctx: CallContext, desc: int, digest: Digest, out: int) -> int:
    ctx.mem.write(out, digest.final())
    ctx.kernel.crypto.digests.pop(desc, None)
    return 0


@kapi("crypto_shash_init", "int crypto_shash_init(struct shash_desc *desc)")
def crypto_shash_init(ctx: CallContext) -> int:
    started = _start(ctx, ctx.arg(0))
    return started if isinstance(started, int) else 0


def _running(ctx: CallContext, desc: int) -> Digest | int:
    digest = ctx.kernel.crypto.digests.get(desc)
    return digest if digest is not None else _start(ctx, desc)


@kapi(
    "crypto_shash_update",
    "int crypto_shash_update(struct shash_desc *desc, const u8 *data, unsigned int len)",
    gpl=True,
)
def crypto_shash_update(ctx: CallContext) -> int:
    digest = _running(ctx, ctx.arg(0))
    if isinstance(digest, int):
        return digest
    digest.update(_data(ctx, ctx.arg(1), ctx.arg(2) & 0xFFFFFFFF))
    return 0


@kapi("crypto_shash_final", "int crypto_shash_final(struct shash_desc *desc, u8 *out)", gpl=True)
def crypto_shash_final(ctx: CallContext) -> int:
    digest = _running(ctx, ctx.arg(0))
    if isinstance(digest, int):
        return digest
    return _finish(ctx, ctx.arg(0), digest, ctx.arg(1))


@kapi(
    "crypto_shash_finup",
    "int crypto_shash_finup(struct shash_desc *desc, const u8 *data, unsigned int len, u8 *out)",
    gpl=True,
)
def crypto_shash_finup(ctx: CallContext) -> int:
    digest = _running(ctx, ctx.arg(0))
    if isinstance(digest, int):
        return digest
    digest.update(_data(ctx, ctx.arg(1), ctx.arg(2) & 0xFFFFFFFF))
    return _finish(ctx, ctx.arg(0), digest, ctx.arg(3))


@kapi(
    "crypto_shash_digest",
    "int crypto_shash_digest(struct shash_desc *desc, const u8 *data, unsigned int len, u8 *out)",
    gpl=True,
)
def crypto_shash_digest(ctx: CallContext) -> int:
    digest = _start(ctx, ctx.arg(0))
    if isinstance(digest, int):
        return digest
    digest.update(_data(ctx, ctx.arg(1), ctx.arg(2) & 0xFFFFFFFF))
    return _finish(ctx, ctx.arg(0), digest, ctx.arg(3))


@kapi(
    "crypto_shash_tfm_digest",
    "int crypto_shash_tfm_digest(struct crypto_shash *tfm, const u8 *data, unsigned int len,"
    " u8 *out)",
    gpl=True,
)
def crypto_shash_tfm_digest(ctx: CallContext) -> int:
    tfm, alg = _tfm(ctx, ctx.arg(0))
    if alg.name.startswith("hmac(") and tfm.key is None:
        return -errno.ENOKEY
    digest = Digest(alg, tfm.key_bytes)
    digest.update(_data(ctx, ctx.arg(1), ctx.arg(2) & 0xFFFFFFFF))
    ctx.mem.write(ctx.arg(3), digest.final())
    return 0


# -- skcipher ----------------------------------------------------------------


@kapi(
    "crypto_alloc_skcipher",
    "struct crypto_skcipher *crypto_alloc_skcipher(const char *alg_name, u32 type, u32 mask)",
    gpl=True,
)
def crypto_alloc_skcipher(ctx: CallContext) -> int:
    return _alloc(ctx, "skcipher")


@kapi("crypto_free_skcipher", "void crypto_free_skcipher(struct crypto_skcipher *tfm)", gpl=True)
def crypto_free_skcipher(ctx: CallContext) -> None:
    _free(ctx)


@kapi(
    "crypto_has_skcipher",
    "int crypto_has_skcipher(const char *alg_name, u32 type, u32 mask)",
    gpl=True,
)
def crypto_has_skcipher(ctx: CallContext) -> int:
    return int(find(decode(cstr(ctx, ctx.arg(0), 128)), "skcipher") is not None)


@kapi(
    "crypto_skcipher_setkey",
    "int crypto_skcipher_setkey(struct crypto_skcipher *tfm, const u8 *key, unsigned int keylen)",
    gpl=True,
)
def crypto_skcipher_setkey(ctx: CallContext) -> int:
    return _setkey(ctx)


@kapi("crypto_skcipher_ivsize", "unsigned int crypto_skcipher_ivsize(struct crypto_skcipher *tfm)")
def crypto_skcipher_ivsize(ctx: CallContext) -> int:
    return _tfm(ctx, ctx.arg(0))[1].ivsize


@kapi(
    "crypto_skcipher_blocksize",
    "unsigned int crypto_skcipher_blocksize(struct crypto_skcipher *tfm)",
)
def crypto_skcipher_blocksize(ctx: CallContext) -> int:
    return _tfm(ctx, ctx.arg(0))[1].blocksize


@kapi(
    "crypto_skcipher_alg_name", "const char *crypto_skcipher_alg_name(struct crypto_skcipher *tfm)"
)
def crypto_skcipher_alg_name(ctx: CallContext) -> int:
    _tfm(ctx, ctx.arg(0))
    return ctx.arg(0)


@kapi(
    "skcipher_request_alloc",
    "struct skcipher_request *skcipher_request_alloc(struct crypto_skcipher *tfm, gfp_t gfp)",
)
def skcipher_request_alloc(ctx: CallContext) -> int:
    return _request_alloc(ctx, REQ_SIZE, R_TFM)


@kapi("skcipher_request_free", "void skcipher_request_free(struct skcipher_request *req)")
def skcipher_request_free(ctx: CallContext) -> None:
    _request_free(ctx)


def _request_alloc(ctx: CallContext, size: int, tfm_at: int) -> int:
    """A zeroed request of @size for the transform in arg 0 (its base.tfm at @tfm_at)."""
    from lkmsh.kernel.kapi.slab import _alloc as kmalloc

    _tfm(ctx, ctx.arg(0))
    req = kmalloc(ctx, size, ctx.arg(1) & 0xFFFFFFFF, zero=True)
    if req:
        ctx.mem.write_u64(req + tfm_at, ctx.arg(0))
    return req


def _request_free(ctx: CallContext) -> None:
    from lkmsh.kernel.kapi.slab import _free as kfree

    ctx.kernel.crypto.digests.pop(ctx.arg(0), None)  # an ahash request's digest in progress
    if ctx.arg(0) > 16:
        kfree(ctx, ctx.arg(0))


@kapi(
    "crypto_req_done", "void crypto_req_done(struct crypto_async_request *req, int err)", gpl=True
)
def crypto_req_done(ctx: CallContext) -> None:
    wait = ctx.mem.read_u64(ctx.arg(0) + (R_DATA - 32))
    if wait:
        ctx.mem.write_u32(wait + 4, ctx.arg(1) & 0xFFFFFFFF)
        ctx.mem.write_u32(wait, 1)


def _sg_spans(ctx: CallContext, sg: int, need: int) -> list[tuple[int, int]]:
    """(address, length) pieces of a scatterlist, up to ``need`` bytes."""
    spans: list[tuple[int, int]] = []
    got = 0
    for _ in range(1 << 16):
        if not sg or got >= need:
            break
        link = ctx.mem.read_u64(sg)
        if link & SG_CHAIN:
            sg = link & ~3
            continue
        offset, length = ctx.mem.read_u32(sg + 8), ctx.mem.read_u32(sg + 12)
        take = min(length, need - got)
        spans.append((page_to_virt(link & ~3) + offset, take))
        got += take
        if link & SG_END:
            break
        sg += SG_SIZE
    return spans


def _crypt(ctx: CallContext, encrypt: bool) -> int:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    req = ctx.arg(0)
    tfm, alg = _tfm(ctx, ctx.mem.read_u64(req + R_TFM))
    key = tfm.key_bytes
    if key is None:
        return -errno.ENOKEY
    n = ctx.mem.read_u32(req + R_LEN)
    if alg.blocksize > 1 and n % alg.blocksize:
        return -errno.EINVAL
    src = _sg_spans(ctx, ctx.mem.read_u64(req + R_SRC), n)
    data = b"".join(ctx.mem.read(a, m) for a, m in src if m)
    if len(data) < n:
        return -errno.EINVAL
    iv_addr = ctx.mem.read_u64(req + R_IV)
    iv = ctx.mem.read(iv_addr, 16) if alg.ivsize else b""
    mode_name = alg.name.split("(")[0]
    mode = {"ecb": lambda: modes.ECB(), "cbc": lambda: modes.CBC(iv), "ctr": lambda: modes.CTR(iv)}
    cipher = Cipher(algorithms.AES(key), mode[mode_name]())
    op = cipher.encryptor() if encrypt else cipher.decryptor()
    out = op.update(data) + op.finalize()
    at = 0
    for a, m in _sg_spans(ctx, ctx.mem.read_u64(req + R_DST), n):
        ctx.mem.write(a, out[at : at + m])
        at += m
    # the IV a chained next request continues with, as Linux's modes leave it
    if mode_name == "cbc" and n:
        ctx.mem.write(iv_addr, (out if encrypt else data)[n - 16 : n])
    elif mode_name == "ctr" and n:
        counter = (int.from_bytes(iv, "big") + -(-n // 16)) % (1 << 128)
        ctx.mem.write(iv_addr, counter.to_bytes(16, "big"))
    return 0


@kapi(
    "crypto_skcipher_encrypt", "int crypto_skcipher_encrypt(struct skcipher_request *req)", gpl=True
)
def crypto_skcipher_encrypt(ctx: CallContext) -> int:
    return _crypt(ctx, True)


@kapi(
    "crypto_skcipher_decrypt", "int crypto_skcipher_decrypt(struct skcipher_request *req)", gpl=True
)
def crypto_skcipher_decrypt(ctx: CallContext) -> int:
    return _crypt(ctx, False)


# -- ahash -------------------------------------------------------------------
#: struct ahash_request: base 0 (base.tfm 32), nbytes 48, src 56, result 64, priv 72
A_TFM, A_NBYTES, A_SRC, A_RESULT = 32, 48, 56, 64
AHASH_REQ_SIZE = 80


@kapi(
    "crypto_alloc_ahash",
    "struct crypto_ahash *crypto_alloc_ahash(const char *alg_name, u32 type, u32 mask)",
    gpl=True,
)
def crypto_alloc_ahash(ctx: CallContext) -> int:
    return _alloc(ctx, "shash")  # an ahash over a synchronous hash, as crypto_ahash_init_tfm


@kapi("crypto_free_ahash", "void crypto_free_ahash(struct crypto_ahash *tfm)", gpl=True)
def crypto_free_ahash(ctx: CallContext) -> None:
    _free(ctx)


@kapi(
    "crypto_has_ahash", "int crypto_has_ahash(const char *alg_name, u32 type, u32 mask)", gpl=True
)
def crypto_has_ahash(ctx: CallContext) -> int:
    return crypto_has_shash(ctx)


@kapi("crypto_ahash_digestsize", "unsigned int crypto_ahash_digestsize(struct crypto_ahash *tfm)")
def crypto_ahash_digestsize(ctx: CallContext) -> int:
    return crypto_shash_digestsize(ctx)


@kapi("crypto_ahash_alg_name", "const char *crypto_ahash_alg_name(struct crypto_ahash *tfm)")
def crypto_ahash_alg_name(ctx: CallContext) -> int:
    return crypto_shash_alg_name(ctx)


@kapi("crypto_ahash_driver_name", "const char *crypto_ahash_driver_name(struct crypto_ahash *tfm)")
def crypto_ahash_driver_name(ctx: CallContext) -> int:
    return crypto_shash_driver_name(ctx)


@kapi(
    "crypto_ahash_setkey",
    "int crypto_ahash_setkey(struct crypto_ahash *tfm, const u8 *key, unsigned int keylen)",
    gpl=True,
)
def crypto_ahash_setkey(ctx: CallContext) -> int:
    return _setkey(ctx)


@kapi(
    "ahash_request_alloc",
    "struct ahash_request *ahash_request_alloc(struct crypto_ahash *tfm, gfp_t gfp)",
)
def ahash_request_alloc(ctx: CallContext) -> int:
    return _request_alloc(ctx, AHASH_REQ_SIZE, A_TFM)


@kapi("ahash_request_free", "void ahash_request_free(struct ahash_request *req)")
def ahash_request_free(ctx: CallContext) -> None:
    _request_free(ctx)


def _ahash_start(ctx: CallContext, req: int) -> Digest | int:
    """crypto_ahash_init(): a digest in progress, kept by the request's address."""
    return _start(ctx, req, ctx.mem.read_u64(req + A_TFM))


def _ahash_feed(ctx: CallContext, req: int, digest: Digest) -> None:
    n = ctx.mem.read_u32(req + A_NBYTES)
    for addr, m in _sg_spans(ctx, ctx.mem.read_u64(req + A_SRC), n):
        digest.update(_data(ctx, addr, m))


def _ahash_step(ctx: CallContext, feed: bool, final: bool, start: bool = False) -> int:
    req = ctx.arg(0)
    digest = _ahash_start(ctx, req) if start else ctx.kernel.crypto.digests.get(req)
    if digest is None:
        digest = _ahash_start(ctx, req)
    if isinstance(digest, int):
        return digest
    if feed:
        _ahash_feed(ctx, req, digest)
    if final:
        return _finish(ctx, req, digest, ctx.mem.read_u64(req + A_RESULT))
    return 0


@kapi("crypto_ahash_init", "int crypto_ahash_init(struct ahash_request *req)")
def crypto_ahash_init(ctx: CallContext) -> int:
    return _ahash_step(ctx, feed=False, final=False, start=True)


@kapi("crypto_ahash_update", "int crypto_ahash_update(struct ahash_request *req)")
def crypto_ahash_update(ctx: CallContext) -> int:
    return _ahash_step(ctx, feed=True, final=False)


@kapi("crypto_ahash_final", "int crypto_ahash_final(struct ahash_request *req)", gpl=True)
def crypto_ahash_final(ctx: CallContext) -> int:
    return _ahash_step(ctx, feed=False, final=True)


@kapi("crypto_ahash_finup", "int crypto_ahash_finup(struct ahash_request *req)", gpl=True)
def crypto_ahash_finup(ctx: CallContext) -> int:
    return _ahash_step(ctx, feed=True, final=True)


@kapi("crypto_ahash_digest", "int crypto_ahash_digest(struct ahash_request *req)", gpl=True)
def crypto_ahash_digest(ctx: CallContext) -> int:
    return _ahash_step(ctx, feed=True, final=True, start=True)
