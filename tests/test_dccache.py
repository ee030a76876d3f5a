"""lkmsh.dccache: dataclass methods compiled once, read back by later processes.

Each check runs a fresh interpreter with its own bytecode prefix, the way a
one-shot command starts: the first writes the cache, the next reads it, and
the classes behave exactly as plain dataclasses do either way.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    sys.version_info[:2] not in ((3, 11), (3, 12)), reason="only 3.11/3.12 compile per method"
)

#: a class with what the kernel's dataclasses use: frozen, defaults, factories, fields
#: left out of repr/compare, __post_init__; then the numbers of cached and new codes
PROGRAM = textwrap.dedent(
    """
    import dataclasses
    import lkmsh.kernel.kernel
    from lkmsh import dccache

    @dataclasses.dataclass(frozen=True)
    class Extent:
        start: int
        size: int = 4096
        tags: tuple = ()
        note: str = dataclasses.field(default="", repr=False, compare=False)

    @dataclasses.dataclass
    class Pool:
        name: str
        items: list = dataclasses.field(default_factory=list)

        def __post_init__(self):
            self.name = self.name.upper()

    a, b = Extent(1), Extent(1, note="x")
    assert a == b and hash(a) == hash(b) and repr(a) == "Extent(start=1, size=4096, tags=())"
    try:
        a.start = 2
    except dataclasses.FrozenInstanceError:
        pass
    else:
        raise AssertionError("frozen")
    p, q = Pool("slab"), Pool("slab")
    assert p.name == "SLAB" and p.items is not q.items and p == q
    assert [f.name for f in dataclasses.fields(Extent)] == ["start", "size", "tags", "note"]
    assert dataclasses.replace(a, size=8) == Extent(1, 8)
    print(dccache._path, len(dccache._codes), dccache._added)
    """
)


def run(prefix: Path, **env_changes: str | None) -> tuple[Path, int, int]:
    env = dict(os.environ, PYTHONPYCACHEPREFIX=str(prefix))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    out = subprocess.run(
        [sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    return Path(out[0]), int(out[1]), int(out[2])


def test_the_first_process_writes_the_cache_and_the_next_reads_it(tmp_path):
    path, codes, added = run(tmp_path)
    assert path.is_relative_to(tmp_path) and path.exists()
    assert codes == added > 100  # the kernel's classes and the program's, all compiled here
    path2, codes2, added2 = run(tmp_path)
    assert (path2, codes2, added2) == (path, codes, 0)  # nothing compiled again


def test_a_damaged_cache_file_is_ignored_and_rewritten(tmp_path):
    path, codes, _ = run(tmp_path)
    path.write_bytes(path.read_bytes()[:200])
    assert run(tmp_path)[2] == codes  # all compiled again
    path.write_bytes(b"not a cache at all")
    assert run(tmp_path)[2] == codes
    assert run(tmp_path)[2] == 0  # and the rewritten file is good


def test_no_file_is_written_where_bytecode_is_not(tmp_path):
    path, codes, added = run(tmp_path, PYTHONDONTWRITEBYTECODE="1")
    assert codes == added > 0 and not path.exists()


def test_the_one_shot_kernel_path_documents_every_dataclass_itself():
    """A dataclass without a docstring gets one from inspect.signature when it is
    created (~0.1 ms each, ~4 ms for the 38 a one-shot insmod used to create):
    every dataclass an insmod's imports and load make has its own."""
    program = textwrap.dedent(
        """
        import inspect, sys
        made = []
        real = inspect.signature
        inspect.signature = lambda obj, *a, **k: (made.append(obj.__qualname__), real(obj, *a, **k))[1]
        import lkmsh.shell.cli, lkmsh.shell.commands, lkmsh.kernel.cpu
        from lkmsh.kernel.kernel import Kernel
        from pathlib import Path
        k = Kernel()
        k.module_load(Path(sys.argv[1]).read_bytes())
        k.module_unload("hello")
        print(made)
        """
    )
    hello = Path(__file__).resolve().parent.parent / "sample_modules" / "hello.ko"
    out = subprocess.run(
        [sys.executable, "-c", program, str(hello)], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
