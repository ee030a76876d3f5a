"""The netlink connector (<linux/connector.h>) as a module author uses it: callbacks
under a struct cb_id, /proc/net/connector, a message from user space (``cn send``)
reaching the callback, cn_netlink_send with no listener, and a callback left behind."""

from __future__ import annotations

import errno
import subprocess
import sys

import pytest
from kernel_helpers import texts

from lkmsh.errors import KernelError

#: a driver that takes commands from user space over the connector and answers them
CNECHO = r"""
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/connector.h>
#include <linux/module.h>
#include <linux/slab.h>

static struct cb_id cnecho_id = { CN_NETLINK_USERS + 5, 0x1 };
static struct cb_id cnecho_ctl = { CN_NETLINK_USERS + 5, 0x2 };
static unsigned int received;

static void cnecho_callback(struct cn_msg *msg, struct netlink_skb_parms *nsp)
{
	struct cn_msg *reply;
	int err;

	received++;
	pr_info("%u.%u from pid %u: seq=%u ack=%u len=%u: %s\n", msg->id.idx, msg->id.val,
		nsp->creds.pid, msg->seq, msg->ack, msg->len, (char *)msg->data);

	reply = kzalloc(sizeof(*reply) + msg->len, GFP_KERNEL);
	if (!reply)
		return;
	reply->id = msg->id;
	reply->seq = msg->seq;
	reply->ack = msg->ack + 1;
	reply->len = msg->len;
	memcpy(reply->data, msg->data, msg->len);
	err = cn_netlink_send(reply, nsp->portid, 0, GFP_KERNEL);
	pr_info("reply to port %u: %d\n", nsp->portid, err);
	err = cn_netlink_send(reply, 0, 0, GFP_KERNEL);
	pr_info("broadcast: %d\n", err);
	kfree(reply);
}

static int __init cnecho_init(void)
{
	struct cb_id unknown = { CN_NETLINK_USERS + 6, 0x1 };
	struct cn_msg probe = { .id = unknown };
	int err;

	err = cn_add_callback(&cnecho_id, "cnecho", cnecho_callback);
	if (err)
		return err;
	pr_info("again: %d\n", cn_add_callback(&cnecho_id, "cnecho", cnecho_callback));
	err = cn_add_callback(&cnecho_ctl, "cnecho_ctl", cnecho_callback);
	if (err)
		goto out_del;
	pr_info("unknown id: %d\n", cn_netlink_send(&probe, 0, 0, GFP_KERNEL));
	return 0;

out_del:
	cn_del_callback(&cnecho_id);
	return err;
}

static void __exit cnecho_exit(void)
{
	cn_del_callback(&cnecho_ctl);
	cn_del_callback(&cnecho_id);
	pr_info("%u messages\n", received);
}

module_init(cnecho_init);
module_exit(cnecho_exit);
MODULE_LICENSE("GPL");
"""

PROC_BOOT = "Name            ID\ncn_proc         1:1\n"


def test_callbacks_are_listed_and_a_message_reaches_its_callback_on_both_arches(arch_kernel):
    kernel, build = arch_kernel
    assert kernel.read_file("/proc/net/connector").decode() == PROC_BOOT
    kernel.module_load(build(CNECHO, "cnecho"))
    assert kernel.read_file("/proc/net/connector").decode() == (
        PROC_BOOT + "cnecho          16:1\ncnecho_ctl      16:2\n"
    )
    assert texts(kernel)[-2:] == [
        f"cnecho: again: -{errno.EINVAL}",
        f"cnecho: unknown id: -{errno.ENODEV}",
    ]
    assert kernel.connector_send(16, 1, b"ping\0", seq=3, ack=9) == "cnecho"
    pid = int(texts(kernel)[-3].split("from pid ")[1].split(":")[0])
    assert pid > 0
    assert texts(kernel)[-3:] == [
        f"cnecho: 16.1 from pid {pid}: seq=3 ack=9 len=5: ping",
        f"cnecho: reply to port {pid}: -{errno.ECONNREFUSED}",  # no such socket
        f"cnecho: broadcast: -{errno.ESRCH}",  # nobody listens to group 16
    ]
    with pytest.raises(KernelError) as exc:
        kernel.connector_send(16, 7, b"x\0")
    assert exc.value.errno == errno.ENODEV
    kernel.module_unload("cnecho")
    assert texts(kernel)[-1] == "cnecho: 1 messages"
    assert kernel.read_file("/proc/net/connector").decode() == PROC_BOOT
    assert not kernel.heap.allocations("cnecho")


def test_a_callback_left_registered_is_reported_and_removed(kernel, build):
    leaky = CNECHO.replace("\tcn_del_callback(&cnecho_ctl);\n", "")
    kernel.module_load(build(leaky, "cnecho"))
    kernel.module_unload("cnecho")
    assert "cnecho: removing connector callback cnecho_ctl 16:2 it left registered" in texts(kernel)
    assert kernel.read_file("/proc/net/connector").decode() == PROC_BOOT


def _lkmsh(state, *args):
    code = "import sys; from lkmsh.shell.cli import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", code, "--state", str(state), *args],
        capture_output=True,
        text=True,
    )


def test_cn_send_from_one_shot_commands_reaches_a_module_loaded_by_another(build, tmp_path):
    ko = build(CNECHO, "cnecho")
    state = tmp_path / "k.sqlite"
    assert _lkmsh(state, "insmod", str(ko)).returncode == 0
    assert _lkmsh(state, "cat", "/proc/net/connector").stdout.endswith("cnecho_ctl      16:2\n")
    sent = _lkmsh(state, "cn", "send", "16.2", "--seq", "4", "hello", "there")
    assert sent.returncode == 0, sent.stderr
    log = _lkmsh(state, "dmesg").stdout
    assert "16.2 from pid" in log and "seq=4 ack=0 len=12: hello there" in log
    bad = _lkmsh(state, "cn", "send", "16.9", "x")
    assert (bad.returncode, bad.stderr.strip()) == (1, "cn: no connector callback for 16:9")
    usage = _lkmsh(state, "cn", "send", "sixteen", "x")
    assert usage.returncode != 0 and "invalid id" in usage.stderr
    assert "Traceback" not in usage.stderr + bad.stderr
    assert _lkmsh(state, "rmmod", "cnecho").returncode == 0
    assert "cnecho: 1 messages" in _lkmsh(state, "dmesg").stdout
