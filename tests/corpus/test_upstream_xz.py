"""lib/xz/xz_dec_test.c, unmodified: .xz files written into its character device.

Driven as its own message says: ``mknod xz_dec_test c MAJOR 0`` with the major
it registered, then .xz files written into the node (here with ``dd``); each
file's verdict and the CRC32 of what it decoded to are in dmesg. The files are
made by Python's lzma and by the ``xz`` tool: good ones (one block, several
blocks, a BCJ filter, no check), and the ones XZ Embedded refuses as Linux
builds it (CRC64, SHA-256, a delta filter, an 8 MiB dictionary past its
DICT_MAX of 1 MiB, a flipped byte, a truncated file, not .xz at all).
"""

from __future__ import annotations

import lzma
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest
from corpus_helpers import log_text

SOURCE = "lib/xz/xz_dec_test.c"
DATA = bytes(range(256)) * 64 + b"lkmsh decodes .xz streams\n" * 4000


def _xz(data: bytes, **kw) -> bytes:
    kw.setdefault("check", lzma.CHECK_CRC32)
    if "filters" not in kw:
        kw.setdefault("preset", 1)  # a 1 MiB dictionary: the tester's DICT_MAX
    return lzma.compress(data, format=lzma.FORMAT_XZ, **kw)


def _files(tmp: Path) -> dict[str, bytes]:
    good = _xz(DATA)
    corrupt = bytearray(good)
    corrupt[len(good) // 2] ^= 0x40
    files = {
        "good": good,
        "nocheck": _xz(DATA, check=lzma.CHECK_NONE),
        "x86": _xz(DATA, filters=[{"id": lzma.FILTER_X86}, {"id": lzma.FILTER_LZMA2, "preset": 1}]),
        "crc64": _xz(DATA, check=lzma.CHECK_CRC64),
        "sha256": _xz(DATA, check=lzma.CHECK_SHA256),
        "delta": _xz(DATA, filters=[{"id": lzma.FILTER_DELTA}, {"id": lzma.FILTER_LZMA2}]),
        "bigdict": _xz(DATA, preset=6),
        "corrupt": bytes(corrupt),
        "truncated": good[:-7],
        "notxz": DATA[:3000],
        "garbage": good + b"trailing bytes",
    }
    xz = shutil.which("xz")
    if xz:  # several blocks, as `xz --block-size` makes them
        (tmp / "plain").write_bytes(DATA)
        out = subprocess.run(
            [xz, "-1", "--check=crc32", "--block-size=40000", "-c", str(tmp / "plain")],
            capture_output=True,
            check=True,
        )
        files["blocks"] = out.stdout
    for name, data in files.items():
        (tmp / f"{name}.xz").write_bytes(data)
    return files


def _verdicts(lines: list[str]) -> list[list[str]]:
    """The tester's lines for each file, from "opened" to "closed"."""
    runs: list[list[str]] = []
    for line in lines:
        if not line.startswith("xz_dec_test: "):
            continue
        text = line.removeprefix("xz_dec_test: ")
        if text == "opened":
            runs.append([])
        elif runs and not text.startswith("decoding "):
            runs[-1].append(text)
    return runs


def test_xz_dec_test_decodes_and_refuses_as_linux(tree, cli, tmp_path):
    build, ko = cli.build_cmd(tree, SOURCE)
    r = cli.line(build, f"insmod {ko}", "dmesg")
    assert r.returncode == 0, r.stderr
    m = re.search(r"'mknod xz_dec_test c (\d+) 0'", r.stdout)
    assert m, r.stdout
    major = int(m.group(1))
    assert f"{major} xz_dec_test" in cli("cat", "/proc/devices").stdout
    files = _files(tmp_path)
    names = list(files)
    writes = [f"dd if={tmp_path / n}.xz of=/dev/xz_dec_test bs=4096" for n in names]
    # one dd a file; a refused file makes its dd fail (EIO), and the script goes on
    r = cli(
        "--keep-going",
        "-c",
        "; ".join([f"mknod /dev/xz_dec_test c {major} 0", "dmesg -C", *writes, "dmesg"]),
    )
    runs = dict(zip(names, _verdicts(log_text(r.stdout)), strict=True))
    failed = r.stderr.count("dd: error writing '/dev/xz_dec_test': Input/output error")
    crc = f"XZ_STREAM_END, CRC32 = 0x{zlib.crc32(DATA):08X}"
    for good in ("good", "nocheck", "x86", "blocks"):
        if good in files:
            assert runs[good][-2:] == [crc, "closed"], (good, runs[good])
    refused = {
        "crc64": "XZ_OPTIONS_ERROR",
        "sha256": "XZ_OPTIONS_ERROR",
        "delta": "XZ_OPTIONS_ERROR",
        "bigdict": "XZ_MEMLIMIT_ERROR",
        "corrupt": "XZ_DATA_ERROR",
        "notxz": "XZ_FORMAT_ERROR",
    }
    for name, verdict in refused.items():
        assert runs[name] == [verdict, "closed"], (name, runs[name])
    assert failed == len(refused)
    # a truncated file: every write is taken (XZ_OK), release says so
    assert runs["truncated"][-3:] == ["XZ_OK", "input was truncated", "closed"]
    # bytes after the Stream: the write returns short, dd writes the rest, refused
    assert runs["garbage"][-3:] == [crc, "14 bytes of garbage at the end of the file", "closed"]
    assert r.stderr.count("No space left on device") == 1  # what dd says of that -ENOSPC
    r = cli.line("rmmod xz_dec_test", "dmesg")
    assert r.returncode == 0, r.stderr
    assert log_text(r.stdout)[-1] == "xz_dec_test: module unloaded"
    assert "unreferenced" not in r.stdout  # xz_dec_end() freed the decoder


@pytest.mark.parametrize("bs", ["1", "7", "1000"])
def test_xz_dec_test_any_write_size(tree, cli, tmp_path, bs):
    """The decoder resumes across writes of any size: byte by byte too."""
    if bs != "1000" and cli.arch != "x86_64":
        pytest.skip("one architecture is enough for the small write sizes")
    build, ko = cli.build_cmd(tree, SOURCE)
    data = DATA[:20000]
    (tmp_path / "f.xz").write_bytes(_xz(data))
    r = cli.line(build, f"insmod {ko}", "dmesg")
    major = re.search(r"'mknod xz_dec_test c (\d+) 0'", r.stdout).group(1)
    r = cli.line(
        f"mknod /dev/xz_dec_test c {major} 0",
        f"dd if={tmp_path / 'f.xz'} of=/dev/xz_dec_test bs={bs}",
        "dmesg",
    )
    assert r.returncode == 0, r.stderr
    assert f"xz_dec_test: XZ_STREAM_END, CRC32 = 0x{zlib.crc32(data):08X}" in log_text(r.stdout)
