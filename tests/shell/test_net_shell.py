"""ip link, ip send and tcpdump over the snull sample, one command at a time."""

from __future__ import annotations

import json

import pytest

from .conftest import SAMPLES, assert_no_traceback

pytestmark = pytest.mark.usefixtures("kernel_ready")


def ok(r):
    assert_no_traceback(r)
    assert r.returncode == 0, r.stderr
    return r


def test_a_packet_sent_on_sn0_shows_up_on_sn1(lkmsh, tmp_path):
    ko = tmp_path / "snull.ko"
    ok(lkmsh("build", str(SAMPLES / "snull.c"), "-o", str(ko)))
    ok(lkmsh("insmod", str(ko)))
    assert ok(lkmsh("ip", "link")).stdout == (
        "1: sn0: <BROADCAST,MULTICAST,NOARP> mtu 1500 qdisc noop state DOWN mode DEFAULT"
        " group default qlen 1000\n"
        "    link/ether 00:00:00:00:00:00 brd ff:ff:ff:ff:ff:ff\n"
        "2: sn1: <BROADCAST,MULTICAST,NOARP> mtu 1500 qdisc noop state DOWN mode DEFAULT"
        " group default qlen 1000\n"
        "    link/ether 00:00:00:00:00:00 brd ff:ff:ff:ff:ff:ff\n"
    )
    r = lkmsh("ip", "send", "sn0", "ffffffffffff")
    assert (r.returncode, r.stderr) == (1, "ip: sn0: Network is down\n")
    ok(lkmsh("ip", "link", "set", "sn0", "up"))
    ok(lkmsh("ip", "link", "set", "dev", "sn1", "up"))
    assert ok(lkmsh("cat", "/sys/class/net/sn1/operstate")).stdout == "up\n"
    assert ok(lkmsh("cat", "/sys/class/net/sn0/address")).stdout == "00:53:4e:55:4c:30\n"
    ok(lkmsh("ip", "send", "sn0", "ff:ff:ff:ff:ff:ff", "00534e554c30", "0800", "68656c6c6f"))
    shown = ok(lkmsh("ip", "-s", "link", "show", "sn1")).stdout.splitlines()
    assert shown[0].startswith("2: sn1: <BROADCAST,MULTICAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc")
    assert "state UP" in shown[0]
    assert shown[3].split() == ["19", "1", "0", "0", "0", "0"]  # RX bytes packets ...
    dump = ok(lkmsh("tcpdump", "-i", "sn1")).stdout.splitlines()
    assert dump[0].split(" ", 1)[1] == (
        "In  00:53:4e:55:4c:30 > ff:ff:ff:ff:ff:ff, ethertype IPv4 (0x0800), length 19: "
    )
    assert dump[1:] == ["\t0x0000:  ffff ffff ffff 0053 4e55 4c30 0800 6865", "\t0x0010:  6c6c 6f"]
    packets = json.loads(ok(lkmsh("tcpdump", "-i", "sn0", "--json")).stdout)
    assert [p["direction"] for p in packets] == ["out"]
    ok(lkmsh("ip", "link", "set", "sn1", "mtu", "1400"))
    assert ok(lkmsh("cat", "/sys/class/net/sn1/mtu")).stdout == "1400\n"
    ok(lkmsh("ip", "link", "set", "sn1", "down"))
    assert "state DOWN" in ok(lkmsh("ip", "link", "show", "sn1")).stdout
    ok(lkmsh("rmmod", "snull"))
    assert ok(lkmsh("ip", "link")).stdout == ""


def test_ip_words_the_errors_as_iproute2(lkmsh):
    r = lkmsh("ip", "link", "show", "eth9")
    assert (r.returncode, r.stderr) == (1, 'ip: Device "eth9" does not exist.\n')
    r = lkmsh("ip", "link", "set", "eth9", "up")
    assert (r.returncode, r.stderr) == (1, 'ip: Cannot find device "eth9"\n')
    r = lkmsh("ip", "route")
    assert (r.returncode, r.stderr) == (1, 'ip: Object "route" is unknown, try "ip help".\n')
    r = lkmsh("tcpdump", "-i", "eth9")
    assert (r.returncode, r.stderr) == (1, "tcpdump: eth9: No such device exists\n")
