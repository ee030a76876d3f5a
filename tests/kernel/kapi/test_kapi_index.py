"""The generated kapi index: current, and what lets a kernel import only the families it calls."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from lkmsh.kernel.kapi import index, registry

ROOT = Path(__file__).resolve().parents[3]


def test_the_index_is_what_the_families_register():
    # stale: run `python -m lkmsh.kernel.kapi` and commit lkmsh/kernel/kapi/index.py
    assert Path(index.__file__).read_text() == registry.render_index()


def test_the_index_names_every_function_with_its_family_and_gpl_flag():
    table = registry.kapi_table()
    assert [(f.name, f.family, f.gpl) for f in table] == [tuple(e) for e in registry.kapi_names()]
    data = registry.kdata_table()
    assert [(d.name, d.family, d.size, d.gpl) for d in data] == [tuple(e) for e in index.DATA]
    assert set(index.DATA_FAMILIES) == {d.family for d in data}


def _run(code: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(out.stdout)


def test_a_kernel_imports_only_the_families_its_modules_call():
    code = """
import json, sys
from pathlib import Path
from lkmsh.kernel.kernel import Kernel
from lkmsh.kernel.kapi import index
k = Kernel()
booted = {f for f in index.FAMILIES if f"lkmsh.kernel.kapi.{f}" in sys.modules}
k.module_load(Path("sample_modules/hello.ko").read_bytes(), "who=index")
k.module_unload("hello")
after = {f for f in index.FAMILIES if f"lkmsh.kernel.kapi.{f}" in sys.modules}
print(json.dumps({"booted": sorted(booted), "after": sorted(after),
                  "dmesg": k.log.text()}))
"""
    got = _run(code)
    assert "crypto" not in got["after"] and "block" not in got["after"]
    assert set(index.DATA_FAMILIES) <= set(got["booted"])  # refreshed before every call
    assert "printk" in got["after"]
    assert "Hello, index" in got["dmesg"]


def test_the_digest_and_slots_do_not_depend_on_what_was_imported():
    code = """
import json
from lkmsh.kernel.kernel import Kernel
from lkmsh.kernel.kapi import registry
k = Kernel()
before = (registry.table_digest(), k.image.text["crypto_alloc_shash"])
registry.load_all()
print(json.dumps([before, (registry.table_digest(), Kernel().image.text["crypto_alloc_shash"])]))
"""
    before, after = _run(code)
    assert before == after


def test_lookup_imports_the_family_of_a_function_not_called_yet():
    code = """
import json, sys
from lkmsh.kernel.kapi import registry
was = "lkmsh.kernel.kapi.siphash" in sys.modules
f = registry.lookup("siphash_1u64")
print(json.dumps([was, f.family, "lkmsh.kernel.kapi.siphash" in sys.modules,
                  registry.lookup("no_such_function") is None]))
"""
    assert _run(code) == [False, "siphash", True, True]
