"""samples/kdb/kdb_hello.c, unmodified: its command in kdb, entered from the shell."""

from __future__ import annotations

from corpus_helpers import module_name


def test_kdb_hello_adds_its_command_to_kdb(tree, cli):
    """The sample's `hello` in kdb's help and run with none, one and two arguments
    (argc counts the words after the command: two is KDB_ARGCOUNT's diagnostic)."""
    build, ko = cli.build_cmd(tree, "samples/kdb/kdb_hello.c")
    r = cli.line(build, f"insmod {ko}", "kdb hello", "kdb hello world", "kdb hello a b", "kdb help")
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    assert out[:3] == [
        "Hello world!",
        "Hello world.",
        "diag: -2: Improper argument count, see usage.",
    ]
    assert out[-1] == "hello           [string]            Say Hello World or Hello [string]"
    r = cli.line(f"rmmod {module_name(ko)}", "kdb hello")
    assert r.stdout.strip() == "Unknown kdb command: 'hello'"
