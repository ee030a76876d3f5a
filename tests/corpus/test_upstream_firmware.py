"""lib/test_firmware.c, unmodified, checked as tools/testing/selftests/firmware/
fw_filesystem.sh (with fw_lib.sh's setup) drives it on Linux 6.1.

.ci/run unpacks only lib/ and samples/, so the script's checks are replayed here,
in its order and with its files, through lkmsh's CLI: the firmware directory is
a host temporary directory named through /sys/module/firmware_class/parameters/
path (``echo -n``), ``echo -ne '\\0'`` is its ``printf '\\000'`` (an empty name),
``cat`` its ``diff`` and ``$(cat ...)`` reads. Debian's 6.1 has no
CONFIG_FW_LOADER_USER_HELPER (no /sys/class/firmware: the script's
HAS_FW_LOADER_USER_HELPER=no, so its user-helper waits and fw_fallback.sh do not
apply), no CONFIG_EFI_EMBEDDED_FIRMWARE (no trigger_request_platform) and no
CONFIG_FW_UPLOAD (fw_upload.sh: upload_register fails with -EINVAL); its
CONFIG_FW_LOADER_COMPRESS_XZ is set, so the compressed rounds run too (xz files
made as the script's ``xz -C crc32 --lzma2=dict=2MiB`` makes them).

One script runs everything with ``--keep-going`` (writes fail on purpose):
``echo @@LABEL`` marks each check in standard output, and standard error says
``SCRIPT:LINE: ...`` of each failing command, so every failure is matched to
the command the selftest expects to fail.
"""

from __future__ import annotations

import errno
import lzma
import os
import re
import subprocess
from pathlib import Path

import pytest
from corpus_helpers import lkmsh_argv, log_text

DIR = "/sys/devices/virtual/misc/test_firmware"
NAME = "test-firmware.bin"
INTO_BUF = "test-firmware-into-buf.bin"
FW_TEXT, INTO_BUF_TEXT = "ABCD0123\n", "EFGH4567\n"
PARAM = "/sys/module/firmware_class/parameters/path"
#: what a failing write says, by errno (bash's "echo: write error: ...")
WRITE_ERROR = {e: f"echo: write error: {os.strerror(e)}" for e in (22, 2, 12, 16, 34)}


class Script:
    """Commands for one ``lkmsh --keep-going FILE`` run, and which of them must fail."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.failing: dict[int, str] = {}  # line number -> the error it must print
        self.labels: list[str] = []

    def run(self, command: str, fails: str | None = None) -> None:
        self.lines.append(command)
        if fails is not None:
            self.failing[len(self.lines)] = fails

    def mark(self, label: str) -> None:
        """A newline (the section before may not end in one) and the label's line."""
        self.labels.append(label)
        self.run("echo")
        self.run(f"echo @@{label}")


def xz(path: Path, keep: bool) -> None:
    """$RUN_XZ [-k] FILE: PATH.xz with a CRC32 check and a 2 MiB dictionary."""
    packed = lzma.compress(
        path.read_bytes(),
        format=lzma.FORMAT_XZ,
        check=lzma.CHECK_CRC32,
        filters=[{"id": lzma.FILTER_LZMA2, "dict_size": 2 << 20}],
    )
    Path(f"{path}.xz").write_bytes(packed)
    if not keep:
        path.unlink()


def test_fw_filesystem_checks(tree, cli):
    fwpath = cli.cwd / "fwpath"  # setup_tmp_file: mktemp -d
    fwpath.mkdir()
    fw, into_buf = fwpath / NAME, fwpath / INTO_BUF
    fw.write_text(FW_TEXT)
    into_buf.write_text(INTO_BUF_TEXT)
    build, ko = cli.build_cmd(tree, "lib/test_firmware.c")
    s = Script()
    s.run(build)
    s.run(f"insmod {ko}")  # check_mods: modprobe test_firmware
    s.run("ls /sys/class/firmware", fails="ls: cannot access '/sys/class/firmware': No such")
    s.run(f"echo -n {fwpath} > {PARAM}")
    s.mark("path")
    s.run(f"cat {PARAM}")
    # empty names, sync and async (test_firmware's async store says -ENOMEM)
    s.run(f"echo -ne '\\0' > {DIR}/trigger_request", fails=WRITE_ERROR[errno.EINVAL])
    s.run(f"echo -ne '\\0' > {DIR}/trigger_async_request", fails=WRITE_ERROR[errno.ENOMEM])
    s.run(f"echo -n nope-{NAME} > {DIR}/trigger_request", fails=WRITE_ERROR[errno.ENOENT])
    s.mark("nope")
    s.run("cat /dev/test_firmware")
    s.run(f"echo -n {NAME} > {DIR}/trigger_request")
    s.mark("sync")
    s.run("cat /dev/test_firmware")
    s.run(f"echo -n {NAME} > {DIR}/trigger_async_request")
    s.mark("async")
    s.run("cat /dev/test_firmware")
    s.run(
        f"ls {DIR}/trigger_request_platform",
        fails=f"ls: cannot access '{DIR}/trigger_request_platform': No such",
    )
    s.mark("config")
    s.run(f"ls {DIR}/reset")  # test_config_present: [ -f $DIR/reset ]

    def read_firmwares(label: str, expect: str | None) -> None:
        for i in range(4):
            s.run(f"echo -n {i} > {DIR}/config_read_fw_idx")
            s.mark(f"{label}#{i}")
            if expect is None:  # read_firmwares_expect_nofile: the read fails
                s.run(f"cat {DIR}/read_firmware", fails=f"cat: {DIR}/read_firmware: No such file")
            else:
                s.run(f"cat {DIR}/read_firmware")
        s.mark(f"{label}:result")
        s.run(f"cat {DIR}/test_result")

    def batched(label: str, *config: str, trigger: str = "trigger_batched_requests",
                expect: str | None = None, read: bool = True) -> None:  # fmt: skip
        s.run(f"echo 1 > {DIR}/reset")
        for c in config:
            s.run(f"{c}")
        s.run(f"echo -n 1 > {DIR}/{trigger}")
        if read:
            read_firmwares(label, expect)
        else:
            s.mark(f"{label}:result")
            s.run(f"cat {DIR}/test_result")
        s.run(f"echo 1 > {DIR}/release_all_firmware")

    name = f"echo -n {INTO_BUF} > {DIR}/config_name"
    into = f"echo 1 > {DIR}/config_into_buf"
    direct = f"echo 1 > {DIR}/config_sync_direct"
    no_uevent = f"echo 0 > {DIR}/config_send_uevent"
    nope = f"echo -n nope-{NAME} > {DIR}/config_name"

    def do_tests(mode: str, fw_text: str, into_text: str, random_name: str) -> None:
        missing = mode == "nofile"
        batched(f"{mode}:sync", *([nope] if missing else []), expect=None if missing else fw_text)
        batched(f"{mode}:into", nope if missing else name, into,
                expect=None if missing else into_text)  # fmt: skip
        batched(f"{mode}:direct", *([nope] if missing else []), direct, read=False)
        batched(f"{mode}:uevent", *([nope] if missing else []),
                trigger="trigger_batched_requests_async", read=False)  # fmt: skip
        batched(f"{mode}:custom", no_uevent, f"echo -n {random_name} > {DIR}/config_name",
                trigger="trigger_batched_requests_async", read=False)  # fmt: skip

    def partial(label: str, off: int, size: int, missing: bool) -> None:
        s.run(f"echo 1 > {DIR}/reset")
        s.run(nope if missing else name)
        for c in (into, f"echo 1 > {DIR}/config_partial", f"echo {size} > {DIR}/config_buf_size",
                  f"echo {off} > {DIR}/config_file_offset"):  # fmt: skip
            s.run(c)
        s.run(f"echo -n 1 > {DIR}/trigger_batched_requests")
        read_firmwares(label, None if missing else INTO_BUF_TEXT[off : off + size])
        s.run(f"echo 1 > {DIR}/release_all_firmware")

    (fwpath / "tmp.random").write_text(FW_TEXT)  # setup_random_file
    do_tests("normal", FW_TEXT, INTO_BUF_TEXT, "tmp.random")
    for off, size in ((0, 10), (0, 5), (1, 6), (2, 10)):
        partial(f"partial{off},{size}", off, size, missing=False)
    do_tests("nofile", FW_TEXT, INTO_BUF_TEXT, "tmp.fake")  # setup_random_file_fake
    for off, size in ((0, 10), (0, 5), (1, 6), (2, 10)):
        partial(f"partial-nofile{off},{size}", off, size, missing=True)
    s.run(f"echo 1 > {DIR}/reset")
    s.run(f"echo -n {NAME} > {DIR}/config_name")
    s.mark("end")
    script = cli.cwd / "fw_filesystem.lk"
    script.write_text("\n".join(s.lines) + "\n")
    first = _run(cli, script)
    assert_script(s, first, fwpath)
    log = log_text(cli("dmesg").stdout)
    assert log[:3] == [
        "test_firmware: loading out-of-tree module taints kernel.",
        "test_firmware: interface ready",
        "test_firmware: loading ''",
    ]
    missing = f"misc test_firmware: Direct firmware load for nope-{NAME} failed with error -2"
    assert missing in log
    # the partial reads: 5 bytes from 0, 6 from 1, the 7 left from 2
    for size in (5, 6, 7):
        assert f"test_firmware: #3: batched sync loaded {size}" in log

    # test_request_firmware_compressed XZ: both files, then the .xz only
    s2 = Script()
    for f in (fw, into_buf):
        xz(f, keep=True)
    do_tests_compressed(s2, "both")
    for f in (fw, into_buf):
        f.rename(f"{f}-orig")
    do_tests_compressed(s2, "componly")
    s2.mark("end")
    script2 = cli.cwd / "fw_compressed.lk"
    script2.write_text("\n".join(s2.lines) + "\n")
    assert_script(s2, _run(cli, script2), fwpath)
    r = cli("rmmod", "test_firmware")
    assert r.returncode == 0, r.stderr
    log = log_text(cli("dmesg").stdout)
    assert log[-1] == "test_firmware: removed interface"
    assert not [line for line in log if "kmemleak" in line or "BUG" in line]


def do_tests_compressed(s: Script, mode: str) -> None:
    """do_tests with the compressed files: sync, into_buf, direct reads of both names."""
    for label, name in (("sync", NAME), ("into", INTO_BUF)):
        s.run(f"echo 1 > {DIR}/reset")
        s.run(f"echo -n {name} > {DIR}/config_name")
        if label == "into":
            s.run(f"echo 1 > {DIR}/config_into_buf")
        s.run(f"echo -n 1 > {DIR}/trigger_batched_requests")
        for i in range(4):
            s.run(f"echo -n {i} > {DIR}/config_read_fw_idx")
            s.mark(f"{mode}:{label}#{i}")
            s.run(f"cat {DIR}/read_firmware")
        s.run(f"echo 1 > {DIR}/release_all_firmware")


def _run(cli, script: Path) -> tuple[str, str]:
    argv = [*lkmsh_argv(), "--state", str(cli.state), "--arch", cli.arch, "--keep-going"]
    proc = subprocess.run(
        [*argv, str(script)], capture_output=True, text=True, env=cli.env, cwd=cli.cwd,
        timeout=900,
    )  # fmt: skip
    return proc.stdout, proc.stderr


def _sections(stdout: str) -> dict[str, str]:
    """Each label's output: what came between its line and the next mark's newline."""
    out: dict[str, str] = {}
    for part in re.split(r"\n@@", "\n" + stdout + "\n@@end")[1:]:
        label, _, text = part.partition("\n")
        out[label] = text
    return out


def assert_script(s: Script, run: tuple[str, str], fwpath: Path) -> None:
    stdout, stderr = run
    failed: dict[int, str] = {}
    for line in stderr.splitlines():
        m = re.match(r"^.*?\.lk:(\d+): (.*)$", line)
        assert m, f"unexpected error output: {line!r}"
        failed[int(m.group(1))] = m.group(2)
    assert sorted(failed) == sorted(s.failing), (failed, s.failing)
    for n, want in s.failing.items():
        assert failed[n].startswith(want), (s.lines[n - 1], failed[n])
    sections = _sections(stdout)
    assert list(sections) == s.labels  # every check ran, in order
    if "path" in sections:
        assert sections["path"] == f"{fwpath}\n"
        assert sections["nope"] == ""  # diff -q FW /dev/test_firmware differs
        assert sections["sync"] == FW_TEXT
        assert sections["async"] == FW_TEXT
        assert sections["config"] == f"{DIR}/reset\n"
    for label, text in sections.items():
        if ":result" in label:
            missing = "nofile" in label
            assert text == ("-2\n" if missing else "0\n"), label
        elif label.startswith(("normal:sync#", "normal:into#")):
            assert text == (FW_TEXT if "sync" in label else INTO_BUF_TEXT), label
        elif label.startswith("nofile:"):
            assert text == "", label
        elif label.startswith("partial") and "nofile" not in label:
            off, size = (int(x) for x in label[len("partial") :].split("#")[0].split(","))
            assert text == INTO_BUF_TEXT[off : off + size], label
        elif label.startswith(("both:", "componly:")):
            assert text == (FW_TEXT if ":sync#" in label else INTO_BUF_TEXT), label


@pytest.mark.parametrize("trigger", ["trigger_custom_fallback"])
def test_custom_fallback_without_the_user_helper(tree, cli, trigger):
    """trigger_custom_fallback (FW_ACTION_NOUEVENT) finds files as the uevent path does;
    without CONFIG_FW_LOADER_USER_HELPER a missing one fails at once (-ENODEV from
    test_firmware), and no loading/data files appear under the device."""
    fwpath = cli.cwd / "fw"
    fwpath.mkdir()
    (fwpath / NAME).write_text(FW_TEXT)
    build, ko = cli.build_cmd(tree, "lib/test_firmware.c")
    r = cli.line(build, f"insmod {ko}", f"echo -n {fwpath} > {PARAM}",
                 f"echo -n {NAME} > {DIR}/{trigger}", "cat /dev/test_firmware")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout == FW_TEXT
    r = cli("-c", f"echo -n nope-{NAME} > {DIR}/{trigger}")
    assert r.returncode == 1 and r.stderr.endswith(f"{os.strerror(errno.ENODEV)}\n")
    r = cli("ls", DIR)
    assert f"nope-{NAME}" not in r.stdout.split()
    log = log_text(cli("dmesg").stdout)
    assert log[-2:] == [
        f"misc test_firmware: Direct firmware load for nope-{NAME} failed with error -2",
        "test_firmware: failed to async load firmware",
    ]
