"""Fixtures of the upstream corpus tests; helpers live in corpus_helpers.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from arches import ARCHES
from corpus_helpers import Cli, linux_tree


@pytest.fixture(scope="session")
def tree() -> Path:
    """The Linux 6.1 source tree (.ci/run unpacks it; LKMSH_LINUX_SOURCE names another)."""
    found = linux_tree()
    if found is None:
        pytest.skip(
            "no Linux 6.1 source tree: .ci/run unpacks Debian's linux-source-6.1 into "
            "~/.cache/lkmsh-test/linux-source-6.1 (or set LKMSH_LINUX_SOURCE)"
        )
    return found


@pytest.fixture(params=ARCHES)
def arch(request) -> str:
    return request.param


@pytest.fixture
def cli(tmp_path: Path, arch: str) -> Cli:
    """The CLI on a fresh state file whose kernel is @arch's."""
    return Cli(tmp_path / "kernel.sqlite", tmp_path, arch)
