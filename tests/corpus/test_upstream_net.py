"""The kernel's network test modules, unmodified: lib/test_blackhole_dev.c and
samples/connector/cn_test.c, through the CLI as on Linux."""

from __future__ import annotations

from corpus_helpers import log_text, module_name


def test_blackhole_dev_selftest_drops_its_packet(tree, cli):
    """lib/test_blackhole_dev.c: a UDP/IPv6 skb given to blackhole_netdev, which drops
    it (its ratelimited warning) and says NET_XMIT_SUCCESS; rmmod's goodbye."""
    build, ko = cli.build_cmd(tree, "lib/test_blackhole_dev.c")
    r = cli.line(build, f"insmod {ko}", f"rmmod {module_name(ko)}", "dmesg", "lsmod")
    assert r.returncode == 0, r.stderr
    log = [line for line in log_text(r.stdout) if "taints kernel" not in line]
    assert log == [
        "blackhole_netdev_xmit(): Dropping skb.",
        "dev_queue_xmit() returned NET_XMIT_SUCCESS",
        "test_blackholedev module terminating.",
        "Module                  Size  Used by",
    ]


def test_connector_sample_callbacks_timer_and_a_message_from_user_space(tree, cli):
    """samples/connector/cn_test.c: two callbacks under {14.1110} and {14.1111} in
    /proc/net/connector, a timer sending a message each second (pr_debug, seen once
    dynamic debug enables it; nobody listens, so cn_netlink_send finds no one), and
    a message from user space (`cn send`, as ucon.c) printed by the callback."""
    build, ko = cli.build_cmd(tree, "samples/connector/cn_test.c")
    r = cli.line(
        build,
        f"insmod {ko}",
        "cat /proc/net/connector",
        "echo 'module cn_test +p' > /proc/dynamic_debug/control",
        "sleep 2",
        "cn send 14.1110 --seq 7 hello from user space",
        f"rmmod {module_name(ko)}",
        "cat /proc/net/connector",
    )
    assert r.returncode == 0, r.stderr
    listing = "Name            ID\ncn_proc         1:1\n"
    assert listing + "cn_test         14:1110\ncn_test         14:1111\n" in r.stdout
    assert r.stdout.count(listing) == 2  # the second listing: only the boot's
    log = [line for line in log_text(cli("dmesg").stdout) if "taints kernel" not in line]
    assert log[0] == "cn_test: initialized with id={14.1111}"
    assert log[1:3] == ["cn_test: cn_test_timer_func: timer fired"] * 2
    callback = log[3]
    assert callback.startswith("cn_test: cn_test_callback: ")
    assert callback.endswith(": idx=e, val=456, seq=7, ack=0, len=22: hello from user space.")
    jiffies = int(callback.split(": ")[2])
    assert jiffies >= 4294892297 + 2 * 250  # INITIAL_JIFFIES, then 2 s at HZ=250 slept
