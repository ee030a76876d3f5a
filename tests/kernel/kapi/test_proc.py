"""/proc entries made by module code, read through their show functions."""

from __future__ import annotations

import errno

import pytest
from kapi_harness import MODULE_TEXT, call

from lkmsh.errors import KernelError, NotFound
from lkmsh.kernel.fsstructs import SeqOff
from lkmsh.kernel.kapi.bug import KernelBug

SHOW = MODULE_TEXT + 0x100


@pytest.fixture
def stats_show(mini):
    """Module code: int hx_show(struct seq_file *m, void *v), printing m->private."""
    mini.define("hx_show", SHOW, 0x40)
    fmt = mini.cstring("count: %d\n")
    name = mini.cstring("lkmsh")

    def show(seq, v):
        assert v == 1  # SEQ_START_TOKEN: single_open's one record
        data = mini.mem.read_u64(seq + SeqOff.private)  # m->private: the entry's data
        call(mini, "seq_printf", seq, fmt, data, caller=SHOW + 4)
        call(mini, "seq_puts", seq, name, caller=SHOW + 8)
        call(mini, "seq_putc", seq, ord("\n"), caller=SHOW + 12)
        call(mini, "seq_write", seq, name, 2, caller=SHOW + 16)
        return 0

    mini.code[SHOW] = show
    return SHOW


def test_create_read_remove(mini, stats_show):
    pde = call(mini, "proc_create_single_data", mini.cstring("hx_stats"), 0o444, 0, stats_show, 42)
    assert pde != 0
    assert mini.mem.read(pde, 9) == b"hx_stats\0"
    entry = mini.procfs.lookup("hx_stats")
    assert (entry.owner, entry.data, entry.mode) == ("hx", 42, 0o100444)
    assert mini.procfs.read(mini, "/proc/hx_stats") == b"count: 42\nlkmsh\nlk"
    live = {a.addr for a in mini.heap.allocations()}
    assert live == {pde}  # the seq_file object was freed after the read
    call(mini, "remove_proc_entry", mini.cstring("hx_stats"), 0)
    assert mini.procfs.names() == []
    assert mini.heap.allocations() == []
    with pytest.raises(NotFound):
        mini.procfs.read(mini, "hx_stats")


def test_duplicate_name_gives_null_and_linux_warning(mini, stats_show):
    name = mini.cstring("hx")
    assert call(mini, "proc_create_single_data", name, 0, 0, stats_show, 0)
    assert call(mini, "proc_create_single_data", name, 0, 0, stats_show, 0) == 0
    assert "proc_dir_entry '/proc/hx' already registered" in mini.texts()


def test_directories(mini, stats_show):
    d = call(mini, "proc_mkdir", mini.cstring("hxdir"), 0)
    f = call(mini, "proc_create_single_data", mini.cstring("stats"), 0, d, stats_show, 1)
    assert f and mini.procfs.names() == ["hxdir", "hxdir/stats"]
    assert mini.procfs.read(mini, "hxdir/stats").startswith(b"count: 1\n")
    with pytest.raises(KernelError) as exc:
        mini.procfs.read(mini, "hxdir")
    assert exc.value.errno == errno.EISDIR
    call(mini, "remove_proc_entry", mini.cstring("hxdir"), 0)  # not empty: Linux warns
    assert any("removing non-empty directory '/proc/hxdir'" in t for t in mini.texts())
    assert mini.procfs.names() == []


def test_removing_an_unknown_entry_warns(mini):
    call(mini, "remove_proc_entry", mini.cstring("ghost"), 0)
    assert "name 'ghost'" in mini.texts()


def test_show_errors_reach_the_reader(mini):
    mini.code[SHOW] = lambda seq, data: (-errno.ENOMEM) & 0xFFFFFFFF
    call(mini, "proc_create_single_data", mini.cstring("bad"), 0, 0, SHOW, 0)
    with pytest.raises(KernelError) as exc:
        mini.procfs.read(mini, "bad")
    assert exc.value.errno == errno.ENOMEM
    mini.code[SHOW] = lambda seq, data: 1  # SEQ_SKIP: nothing to show
    assert mini.procfs.read(mini, "bad") == b""


def test_seq_functions_outside_a_read_are_a_bug(mini):
    with pytest.raises(KernelBug):
        call(mini, "seq_puts", mini.buffer(64), mini.cstring("x"))


def test_leftover_entries_of_an_unloaded_module(mini, stats_show):
    call(mini, "proc_mkdir", mini.cstring("hxdir"), 0)
    call(mini, "proc_create_single_data", mini.cstring("hx"), 0, 0, stats_show, 0)
    assert mini.procfs.remove_owned_by("hx") == ["hx", "hxdir"]
    assert mini.procfs.entries() == []


def test_entries_survive_plain_data_round_trip(mini, stats_show):
    import json

    from lkmsh.kernel.procfs import ProcFS

    call(mini, "proc_create_single_data", mini.cstring("hx"), 0, 0, stats_show, 7)
    again = ProcFS.from_data(json.loads(json.dumps(mini.procfs.to_data())))
    assert again.entries() == mini.procfs.entries()
    mini.procfs = again
    assert mini.procfs.read(mini, "hx").startswith(b"count: 7")
