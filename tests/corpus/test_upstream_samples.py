"""The kernel's samples/ modules, unmodified: the kobject samples.

Built with ``lkmsh build`` from the Linux 6.1 tree, loaded with ``lkmsh insmod``,
then used the way the samples' comments say: the kobject samples'
attributes under /sys/kernel read and store integers.
"""

from __future__ import annotations

from corpus_helpers import module_name


def test_kobject_example_attributes(tree, cli):
    build, ko = cli.build_cmd(tree, "samples/kobject/kobject-example.c")
    d = "/sys/kernel/kobject_example"
    r = cli.line(build, f"insmod {ko}", f"ls {d}", f"cat {d}/foo {d}/baz {d}/bar")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split()
    assert sorted(lines[:3]) == ["bar", "baz", "foo"]
    assert lines[3:] == ["0", "0", "0"]
    r = cli.line(
        f"echo 42 > {d}/foo",
        f"echo 7 > {d}/bar",
        f"cat {d}/foo {d}/bar {d}/baz",
        f"echo x > {d}/foo",
    )
    assert r.stdout.split() == ["42", "7", "0"]
    assert r.returncode == 1  # kstrtoint refuses "x": the store returns -EINVAL
    assert "Invalid argument" in r.stderr
    r = cli.line(f"rmmod {module_name(ko)}", f"ls {d}")
    assert r.returncode == 1
    assert "No such file or directory" in r.stderr


def test_kset_example_objects(tree, cli):
    build, ko = cli.build_cmd(tree, "samples/kobject/kset-example.c")
    d = "/sys/kernel/kset_example"
    r = cli.line(build, f"insmod {ko}", f"ls {d}", f"ls {d}/foo")
    assert r.returncode == 0, r.stderr
    assert sorted(r.stdout.split()) == ["bar", "bar", "baz", "baz", "foo", "foo"]
    r = cli.line(f"echo 3 > {d}/baz/bar", f"cat {d}/baz/bar {d}/baz/baz {d}/foo/bar")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["3", "0", "0"]
    r = cli.line(f"rmmod {module_name(ko)}", f"ls {d}")
    assert r.returncode == 1
    assert "No such file or directory" in r.stderr
