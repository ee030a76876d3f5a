"""Objects for the ELF reader tests, compiled once per session with the host gcc."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "elftest_module.c"
SAMPLES = HERE.parent.parent / "sample_modules"

KERNEL_FLAGS = [
    "-O2",
    "-ffreestanding",
    "-fno-asynchronous-unwind-tables",
    "-fno-stack-protector",
]


@dataclass(frozen=True)
class Built:
    rel: Path  # gcc -c -fno-pic -mcmodel=kernel: ET_REL, like a .ko
    dyn: Path  # gcc -fPIC -shared -Wl,-Bsymbolic: ET_DYN

    @property
    def rel_bytes(self) -> bytes:
        return self.rel.read_bytes()

    @property
    def dyn_bytes(self) -> bytes:
        return self.dyn.read_bytes()


def _gcc(args: list[str]) -> None:
    done = subprocess.run(["gcc", *args], capture_output=True, text=True)
    if done.returncode:
        pytest.fail(f"gcc {' '.join(args)} failed:\n{done.stderr}")


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Built:
    if shutil.which("gcc") is None:
        pytest.skip("needs the host gcc")
    out = tmp_path_factory.mktemp("elfobjs")
    rel = out / "elftest.o"
    dyn = out / "elftest.so"
    _gcc([*KERNEL_FLAGS, "-fno-pic", "-mcmodel=kernel", "-c", str(SOURCE), "-o", str(rel)])
    _gcc(
        [
            *KERNEL_FLAGS,
            "-fPIC",
            "-shared",
            "-nostdlib",
            "-Wl,-Bsymbolic",
            str(SOURCE),
            "-o",
            str(dyn),
        ]
    )
    return Built(rel, dyn)


@pytest.fixture(scope="session")
def provider_ko() -> bytes:
    """A module from lkmsh's own builder, exports named through __kstrtab_* labels."""
    return (SAMPLES / "provider.ko").read_bytes()


@pytest.fixture(scope="session")
def shared_ko() -> bytes:
    return (SAMPLES / "shared_hello.ko").read_bytes()
