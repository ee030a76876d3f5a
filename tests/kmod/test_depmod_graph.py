"""depmod --graph: the dependency graph depmod computes for a tree, as a tree for people and
Graphviz DOT for tools; a cycle is drawn, marked in red, and still fails the command."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from kmod_helpers import SAMPLES, build, module_source, needs_gcc

EDGE = re.compile(r'^  "(\w+)" -> "(\w+)"( \[.*\])?;$', re.M)
NODE = re.compile(r'^  "(\w+)"( \[.*\])?;$', re.M)
RED_EDGE = ' [color=red, penwidth=2, label="cycle"]'
RED_NODE = " [color=red, fontcolor=red, penwidth=2]"


def dot_edges(dot: str) -> dict[tuple[str, str], str]:
    return {(a, b): attrs or "" for a, b, attrs in EDGE.findall(dot)}


def dot_nodes(dot: str) -> dict[str, str]:
    return {n: attrs or "" for n, attrs in NODE.findall(dot)}


@pytest.fixture
def chain_tree(tmp_path: Path) -> Path:
    d = tmp_path / "chain"
    d.mkdir()
    for name in ("chain_bottom", "chain_middle", "chain_top", "provider", "consumer", "hello"):
        shutil.copy(SAMPLES / f"{name}.ko", d)
    return d


def test_dot_of_the_sample_chain(chain_tree, lkmsh):
    r = lkmsh("depmod", "--graph", "--dot", str(chain_tree))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f'digraph "{chain_tree}" {{\n') and r.stdout.endswith("}\n")
    assert dot_edges(r.stdout) == {
        ("chain_middle", "chain_bottom"): "",
        ("chain_top", "chain_middle"): "",
        ("consumer", "provider"): "",
    }
    assert set(dot_nodes(r.stdout)) == {
        "chain_bottom", "chain_middle", "chain_top", "consumer", "provider", "hello",
    }  # fmt: skip
    assert "red" not in r.stdout
    assert not (chain_tree / "modules.dep").exists()  # --graph only draws


def test_the_tree_of_named_modules_holds_what_they_use(chain_tree, lkmsh):
    r = lkmsh("depmod", "--graph", str(chain_tree), "chain_top")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "chain_top\n└── chain_middle\n    └── chain_bottom\n"
    r = lkmsh("depmod", "--graph", str(chain_tree), "consumer.ko", "no_such")
    assert r.returncode == 1
    assert r.stdout == "consumer\n└── provider\n"
    assert f"depmod: ERROR: no_such: no module of that name in {chain_tree}\n" in r.stderr


def test_the_graph_is_the_one_modules_dep_describes(chain_tree, lkmsh):
    assert lkmsh("depmod", str(chain_tree)).returncode == 0
    dep = (chain_tree / "modules.dep").read_text()
    listed = {
        (Path(mod).stem, Path(d).stem)
        for line in dep.splitlines()
        for mod, _, rest in [line.partition(":")]
        for d in rest.split()
    }
    edges = set(dot_edges(lkmsh("depmod", "--dot", str(chain_tree)).stdout))
    # modules.dep lists every dependency, direct or not; the graph only the direct ones
    assert edges <= listed and listed - edges == {("chain_top", "chain_bottom")}


@needs_gcc
def test_a_cycle_is_drawn_highlighted_then_reported(tmp_path, lkmsh):
    d = tmp_path / "ring"
    build(tmp_path, "ring_a", module_source(exports=("ra",), uses=("rb",)), out=d / "ring_a.ko")
    build(tmp_path, "ring_b", module_source(exports=("rb",), uses=("ra",)), out=d / "ring_b.ko")
    build(tmp_path, "ring_user", module_source(uses=("ra",)), out=d / "ring_user.ko")
    shutil.copy(SAMPLES / "hello.ko", d)
    r = lkmsh("depmod", "--graph", "--dot", str(d))
    assert r.returncode == 1
    assert re.search(
        r"^depmod: ERROR: Cycle detected: ring_(a|b) -> ring_(a|b) -> ", r.stderr, re.M
    )
    edges = dot_edges(r.stdout)
    assert edges == {
        ("ring_a", "ring_b"): RED_EDGE,
        ("ring_b", "ring_a"): RED_EDGE,
        ("ring_user", "ring_a"): "",  # into the cycle, not part of it
    }
    nodes = dot_nodes(r.stdout)
    assert nodes == {"ring_a": RED_NODE, "ring_b": RED_NODE, "ring_user": "", "hello": ""}
    tree = lkmsh("depmod", "--graph", str(d))
    assert tree.returncode == 1 and "Cycle detected" in tree.stderr
    assert tree.stdout == (
        "hello\nring_user\n└── ring_a\n    └── ring_b\n        └── ring_a (cycle)\n"
    )
    plain = lkmsh("depmod", str(d))  # without --graph: kmod's behaviour, nothing drawn
    assert plain.returncode == 1 and plain.stdout == ""
