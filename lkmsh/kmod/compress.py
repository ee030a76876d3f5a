"""Reading module files, compressed or not, as kmod does (.ko, .ko.gz, .ko.xz, .ko.zst).

gzip and xz come with Python; zstd needs the ``zstandard`` package (a
dependency of lkmsh). A file that does not decompress is an ElfError
(ENOEXEC), the way kmod reports a module it cannot read.
"""

from __future__ import annotations

import errno

from lkmsh.errors import ElfError, KernelError

#: kmod 30's module suffixes, in its order.
MODULE_EXTENSIONS = (".ko", ".ko.gz", ".ko.xz", ".ko.zst")


def module_extension(name: str) -> str | None:
    """The module suffix of a file name, or None (kmod needs something before it)."""
    for ext in MODULE_EXTENSIONS:
        if name.endswith(ext) and len(name) > len(ext):
            return ext
    return None


def decompress(data: bytes, name: str) -> bytes:
    """The ELF bytes of a module file's contents, going by its suffix (the codecs are
    imported on first use: an unchanged tree's depmod never needs them)."""
    import gzip
    import lzma
    import zlib

    try:
        if name.endswith(".gz"):
            return gzip.decompress(data)
        if name.endswith(".xz"):
            return lzma.decompress(data)
        if name.endswith(".zst"):
            import zstandard

            return zstandard.ZstdDecompressor().decompressobj().decompress(data)
    except (OSError, EOFError, lzma.LZMAError, zlib.error) as exc:
        raise ElfError(f"{name}: cannot decompress: {exc}") from None
    except Exception as exc:  # zstandard.ZstdError has no common base we can name lazily
        if type(exc).__module__.startswith("zstandard"):
            raise ElfError(f"{name}: cannot decompress: {exc}") from None
        raise
    return data


def read_module_file(path: str) -> bytes:
    """A module file's ELF image; OSError becomes a KernelError with its errno."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise KernelError(f"{path}: {exc.strerror}", errno=exc.errno or errno.EIO) from None
    return decompress(data, path)
