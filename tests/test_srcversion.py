"""srcversion as Linux 6.1's modpost makes it: MD4 (RFC 1320) over the sources' significant bytes.

The proof that the digits are modpost's own: Debian's kbuild-built modules of
the 6.1 cloud kernel carry a srcversion, and lkmsh computes the same one from
the same Debian source (linux-source-6.1 of the same version), when the CI's
distribution cache has both.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from lkmsh.md4 import MD4, ModpostMD4
from lkmsh.sumversion import ObjectSources, read_depfile, significant, srcversion

# RFC 1320, appendix A.5
RFC1320 = [
    (b"", "31d6cfe0d16ae931b73c59d7e0c089c0"),
    (b"a", "bde52cb31de33e46245e05fbdbd6fb24"),
    (b"abc", "a448017aaf21d8525fc10ae87aa6729d"),
    (b"message digest", "d9130a8164549fe818874806e1c7014b"),
    (b"abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"),
    (
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        "043f8582f241db351ce627e153e7f0e4",
    ),
    (b"1234567890" * 8, "e33b4ddc9c38f2199c3e7b164fcc0536"),
]


@pytest.mark.parametrize(("message", "digest"), RFC1320)
def test_md4_gives_rfc_1320s_test_vectors(message, digest):
    assert MD4(message).hexdigest() == digest
    pieces = MD4()  # fed a byte at a time, across block boundaries
    for b in message:
        pieces.update(bytes([b]))
    assert pieces.hexdigest() == digest


def test_what_parse_file_keeps():
    src = (
        b"/* a comment */ int  x = 1;\t// kept, as modpost keeps it\n"
        b'const char *s = "two  spaces /* not a comment */";\n'
        b"#define LONG(a) \\\n  (a)\n"
        b"char q = '\"'; int after;\n"  # a quote in a char literal starts a "string"
    )
    assert significant(src) == (
        b"intx=1;//kept,asmodpostkeepsit"
        b'constchar*s="two  spaces /* not a comment */";'
        b"#defineLONG(a)(a)"
        b"charq='\"'; int after;\n"
    )
    assert significant(b"a/*/b") == b"ab"  # "/*/" opens and closes, as parse_comment reads it
    assert significant(b"ab\0cd") == b"ab"  # read as a C string


def test_a_depfile_names_the_source_first():
    text = "/m/a.o: /m/a.c /m/local.h \\\n /m/sub/x.h /m/with\\ space.h\n"
    obj = read_depfile(text)
    assert obj.source == Path("/m/a.c")
    assert obj.deps == [Path("/m/local.h"), Path("/m/sub/x.h"), Path("/m/with space.h")]


# --- against a real kbuild-built module ------------------------------------------

CACHE = Path.home() / ".cache" / "lkmsh-test"
# modules of Debian's 6.1 cloud kernel that have a MODULE_VERSION (so a
# srcversion) and one source file that includes no header of its own directory
DEBIAN_MODULES = {
    "drivers/char/hangcheck-timer": "drivers/char/hangcheck-timer.c",
    "net/ipv4/tcp_illinois": "net/ipv4/tcp_illinois.c",
    "drivers/uio/uio_pci_generic": "drivers/uio/uio_pci_generic.c",
}


def _debian_tree() -> Path | None:
    found = sorted(CACHE.glob("unsigned/lib/modules/6.1.*-cloud-amd64/kernel"))
    return found[-1] if found else None


def _debian_sources() -> Path | None:
    """The sources above, from the cache or unpacked once from linux-source-6.1's .deb."""
    for root in (CACHE / "linux-source-6.1", CACHE / "srcversion" / "linux-source-6.1"):
        if all((root / s).is_file() for s in DEBIAN_MODULES.values()):
            return root
    debs = sorted(CACHE.glob("debs/linux-source-6.1_*_all.deb"))
    if not debs or not all(shutil.which(t) for t in ("dpkg-deb", "tar", "xz")):
        return None
    out = CACHE / "srcversion"
    out.mkdir(parents=True, exist_ok=True)
    members = " ".join(f"linux-source-6.1/{s}" for s in DEBIAN_MODULES.values())
    subprocess.run(
        f"dpkg-deb --fsys-tarfile {debs[-1]} | tar -xO ./usr/src/linux-source-6.1.tar.xz"
        f" | xz -dc | tar -x -C {out} {members}",
        shell=True,
        timeout=300,
        check=False,
    )
    root = out / "linux-source-6.1"
    return root if all((root / s).is_file() for s in DEBIAN_MODULES.values()) else None


def _modinfo(ko: Path, key: str) -> str:
    with ko.open("rb") as fh:
        data = ELFFile(fh).get_section_by_name(".modinfo").data()
    (value,) = [r[len(key) + 1 :] for r in data.split(b"\0") if r.startswith(key.encode() + b"=")]
    return value.decode()


@pytest.mark.parametrize("module", sorted(DEBIAN_MODULES))
def test_srcversion_is_the_one_debians_kbuild_gave(module):
    tree = _debian_tree()
    if tree is None:
        pytest.skip("no Debian 6.1 cloud module tree in ~/.cache/lkmsh-test (.ci/run fetches it)")
    src = _debian_sources()
    if src is None:
        pytest.skip("no linux-source-6.1 .deb in ~/.cache/lkmsh-test/debs (.ci/run fetches it)")
    want = _modinfo(tree / f"{module}.ko", "srcversion")
    assert re.fullmatch(r"[0-9A-F]{23}", want)
    assert srcversion([ObjectSources(src / DEBIAN_MODULES[module])]) == want


# --- lkmsh build ------------------------------------------------------------------

MAIN = r"""
#include <linux/module.h>
#include <linux/kernel.h>
#include "version_msg.h"   /* in the module's directory: part of srcversion */
#include "sub/other.h"     /* in a subdirectory: not */

static int __init versioned_init(void)
{
	pr_info("versioned: %s %d\n", VERSION_MSG, OTHER);
	return 0;
}

static void __exit versioned_exit(void)
{
}

module_init(versioned_init);
module_exit(versioned_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION("2.1");
"""


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs the host gcc")
def test_lkmsh_build_hashes_the_source_and_its_own_directorys_headers(tmp_path):
    from lkmsh.build import build_module

    d = tmp_path / "versioned"
    (d / "sub").mkdir(parents=True)
    (d / "versioned.c").write_text(MAIN)
    (d / "version_msg.h").write_text('#define VERSION_MSG "first"\n')
    (d / "sub" / "other.h").write_text("#define OTHER 1\n")
    ko = d / "versioned.ko"

    def built() -> str:
        build_module([d / "versioned.c"], ko)
        return _modinfo(ko, "srcversion")

    first = built()
    assert re.fullmatch(r"[0-9A-F]{23}", first)
    # modpost's digits: MD4 over the source's significant bytes, then the local header's
    md = ModpostMD4(significant(MAIN.encode()) + b'#defineVERSION_MSG"first"')
    assert first == md.hexdigest().upper()[:23]
    (d / "versioned.c").write_text(MAIN.replace("\t", "        ") + "/* reindented */\n")
    assert built() == first  # whitespace and comments do not count
    (d / "sub" / "other.h").write_text("#define OTHER 2\n")
    assert built() == first  # a subdirectory's header is not summed
    (d / "version_msg.h").write_text('#define VERSION_MSG "second"\n')
    assert built() != first  # the local header is
