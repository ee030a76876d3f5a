"""The REPL follows its state file when another process replaces it (issue 17, item 13).

It keeps one SQLite connection for the session; once the path names a new
file (``rm`` and a reboot elsewhere), that connection writes to a deleted
inode. Every command checks the file's identity and reopens the path.
"""

from __future__ import annotations

import pytest

from .conftest import need_kernel
from .test_repl import PROMPT, leave, spawn

pexpect = pytest.importorskip("pexpect")


def names(lkmsh) -> list[str]:
    return [ln.split()[0] for ln in lkmsh("lsmod").stdout.splitlines()[1:]]


def test_a_replaced_state_file_is_reopened_and_no_write_is_lost(tmp_path, state, lkmsh):
    need_kernel()
    child = spawn(tmp_path, state)
    child.sendline("insmod sample_modules/hello.ko; lsmod")
    child.expect("Live")
    child.expect(PROMPT)
    assert names(lkmsh) == ["hello"]
    for f in state.parent.glob(state.name + "*"):  # rm kernel.sqlite*: the file and its WAL
        f.unlink()
    # another terminal boots a new kernel in its place
    assert lkmsh("reboot").returncode == 0
    assert lkmsh("insmod", "sample_modules/procfs.ko").returncode == 0
    child.sendline("insmod sample_modules/provider.ko; lsmod --json")
    child.expect('"name": "procfs"')  # the REPL reads the new file...
    child.expect(PROMPT)
    assert names(lkmsh) == ["provider", "procfs"]  # ...and its insmod went into the new file
    assert leave(child) == 0
    assert names(lkmsh) == ["provider", "procfs"]
