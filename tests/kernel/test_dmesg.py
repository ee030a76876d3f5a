"""The kernel log ring: levels, continuation lines, wrapping, dmesg's line format."""

from __future__ import annotations

from lkmsh.kernel.dmesg import Dmesg, LogRecord, format_line


class Ticker:
    """A clock that moves 1.5 ms per reading, so timestamps are predictable."""

    def __init__(self):
        self.now = 412_345_000

    def __call__(self) -> int:
        t = self.now
        self.now += 1_500_000
        return t


def test_records_keep_level_and_text_without_newline():
    log = Dmesg(now_ns=Ticker())
    log.emit(6, "hx: hello\n")
    log.emit(3, "hx: something failed\n")
    recs = log.records()
    assert [(r.seq, r.level, r.text) for r in recs] == [
        (0, 6, "hx: hello"),
        (1, 3, "hx: something failed"),
    ]
    assert format_line(recs[0]) == "[    0.412345] hx: hello"
    assert log.format_line(recs[1]) == "[    0.413845] hx: something failed"
    assert [r.text for r in log.records(levels=[3])] == ["hx: something failed"]


def test_timestamp_format_is_linux_5_6():
    assert format_line(LogRecord(0, 0, 6, "boot")) == "[    0.000000] boot"
    assert format_line(LogRecord(0, 123_456_789_999_999, 6, "x")) == "[123456.789999] x"


def test_multiline_text_is_one_record_with_one_timestamp():
    ticks = iter(range(1_000_000, 10**9, 1_000_000))
    log = Dmesg(now_ns=lambda: next(ticks))
    log.emit(4, "first\nsecond\nthird\n")
    (rec,) = log.records()
    assert rec.text == "first\nsecond\nthird" and rec.level == 4
    # dmesg prints each line behind the record's one timestamp
    assert log.text() == ("[    0.001000] first\n[    0.001000] second\n[    0.001000] third\n")


def test_kern_cont_continues_an_open_line_only():
    log = Dmesg()
    log.emit(6, "values:")
    log.emit(4, " 1", cont=True)
    log.emit(4, " 2\n", cont=True)
    log.emit(4, " orphan\n", cont=True)  # the line was closed: a record of its own
    log.emit(6, "open")
    log.emit(6, "next\n")  # not KERN_CONT: closes "open" and starts anew
    assert [(r.level, r.text) for r in log.records()] == [
        (6, "values: 1 2"),
        (4, " orphan"),
        (6, "open"),
        (6, "next"),
    ]


def test_ring_drops_oldest_records_when_full():
    log = Dmesg(capacity=1000)
    for i in range(100):
        log.emit(6, f"message number {i:03d}\n")
    recs = log.records()
    assert recs[-1].text == "message number 099"
    assert recs[0].seq > 0 and len(recs) < 100
    assert log.used_bytes <= 1000
    assert [r.seq for r in recs] == list(range(recs[0].seq, 100))


def test_clear_keeps_counting_sequence_numbers():
    log = Dmesg()
    log.emit(6, "a\n")
    log.clear()
    assert log.records() == []
    log.emit(6, "b\n")
    assert [(r.seq, r.text) for r in log.records()] == [(1, "b")]
    assert log.since(1)[0].text == "b"


def test_round_trip_through_plain_data():
    import json

    log = Dmesg(capacity=4096, now_ns=Ticker())
    log.emit(6, "one\n")
    log.emit(6, "partial")
    data = json.loads(json.dumps(log.to_data()))
    again = Dmesg.from_data(data)
    assert again.records() == log.records()
    assert again.capacity == 4096
    again.emit(6, " tail", cont=True)  # the open line survives persistence
    assert again.records()[-1].text == "partial tail"
    again.emit(6, "two\n")
    assert again.records()[-1].seq == 2


def test_blank_lines_of_reports_are_kept():
    log = Dmesg()
    log.emit(3, "BUG: something")
    log.emit(3, "")
    log.emit(3, "details")
    log.emit(3, "", cont=True)  # an empty continuation adds nothing
    assert [r.text for r in log.records()] == ["BUG: something", "", "details"]
