"""The netlink connector (drivers/connector of Linux 6.1): callbacks keyed by {idx, val}.

A module registers a callback with ``cn_add_callback`` under a ``struct cb_id``;
``/proc/net/connector`` lists them (the boot's ``cn_proc`` first, as
CONFIG_PROC_EVENTS builds it). A message from user space (what
samples/connector/ucon.c sends, here ``cn send IDX.VAL TEXT``) is a ``struct
cn_msg`` handed to the callback of its id, in the sender's context, as
``cn_rx_skb`` does. ``cn_netlink_send`` is the kernel's broadcast to the
group's listeners: lkmsh has no user-space netlink sockets, so there are
never any and it returns what Linux returns then (-ESRCH).
"""

from __future__ import annotations

import errno as E
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from lkmsh.errors import KernelError
from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.snapshot import typed

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel

CN_CBQ_NAMELEN = 32
CN_MSG_SIZE = 20  # struct cn_msg: id (2 x u32), seq, ack, len (u16), flags (u16)
NETLINK_SKB_PARMS_SIZE = (
    48  # struct netlink_skb_parms: creds (pid, uid, gid), portid, dst_group, flags, sk, nsid
)
CONNECTOR_MAX_MSG_SIZE = 16384
CN_IDX_PROC = CN_VAL_PROC = 1


class ConnectorError(KernelError):
    """A connector message refused with Linux's errno."""


@dataclass
class Callback:
    idx: int
    val: int
    name: str
    fn: int  # module code: void (*)(struct cn_msg *, struct netlink_skb_parms *); 0 for the kernel's
    owner: str


class Connector(Component):
    name = "connector"

    def __init__(self, kernel: Kernel):
        self.kernel = kernel
        self.callbacks: list[Callback] = [
            Callback(CN_IDX_PROC, CN_VAL_PROC, "cn_proc", 0, KERNEL_OWNER)
        ]

    def find(self, idx: int, val: int) -> Callback | None:
        return next((c for c in self.callbacks if (c.idx, c.val) == (idx, val)), None)

    def add(self, idx: int, val: int, name: str, fn: int, owner: str) -> int:
        """cn_add_callback: 0, or -EINVAL when the id has a callback already."""
        if self.find(idx, val) is not None:
            return -E.EINVAL
        self.callbacks.append(Callback(idx, val, name[: CN_CBQ_NAMELEN - 1], fn, owner))
        return 0

    def delete(self, idx: int, val: int) -> None:
        """cn_del_callback: nothing happens for an id with no callback."""
        self.callbacks = [c for c in self.callbacks if (c.idx, c.val) != (idx, val)]

    def broadcast_target(self, idx: int, val: int, portid: int, group: int) -> int:
        """cn_netlink_send_mult's answer with no listener anywhere: -ENODEV for an id with
        no callback (and no group given), -ECONNREFUSED for a port, else -ESRCH."""
        if not portid and not group and self.find(idx, val) is None:
            return -E.ENODEV
        return -E.ECONNREFUSED if portid else -E.ESRCH

    def deliver(self, idx: int, val: int, data: bytes, seq: int = 0, ack: int = 0) -> str:
        """A message from user space to the callback of {idx, val}: its name."""
        cb = self.find(idx, val)
        if cb is None or not cb.fn:
            # cn_call_callback finds none: the message is dropped, sendmsg saw it sent
            raise ConnectorError(f"no connector callback for {idx}:{val}", E.ENODEV)
        if len(data) > CONNECTOR_MAX_MSG_SIZE - CN_MSG_SIZE:
            raise ConnectorError(f"a message of {len(data)} bytes (at most "
                                 f"{CONNECTOR_MAX_MSG_SIZE - CN_MSG_SIZE})", E.EMSGSIZE)  # fmt: skip
        heap, mem = self.kernel.heap, self.kernel.mem
        msg = heap.alloc(CN_MSG_SIZE + len(data), KERNEL_OWNER, zero=True)
        parms = heap.alloc(NETLINK_SKB_PARMS_SIZE, KERNEL_OWNER, zero=True)
        if not msg or not parms:
            for a in (msg, parms):
                if a:
                    heap.free(a)
            raise ConnectorError("out of memory for a connector message", E.ENOMEM)
        try:
            head = b"".join(v.to_bytes(4, "little") for v in (idx, val, seq, ack))
            mem.write(msg, head + len(data).to_bytes(2, "little") + bytes(2) + data)
            task = self.kernel.sched.current if self.kernel.sched else None
            pid = task.pid if task is not None else 0
            mem.write(parms, pid.to_bytes(4, "little") + bytes(8) + pid.to_bytes(4, "little"))
            from lkmsh.kernel.sysfs import call_module_code

            call_module_code(self.kernel, cb.fn, [msg, parms])
        finally:
            heap.free(msg)
            heap.free(parms)
        return cb.name

    def proc_text(self) -> str:
        rows = "".join(f"{c.name:<15} {c.idx}:{c.val}\n" for c in self.callbacks)
        return "Name            ID\n" + rows

    # -- component ---------------------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        return {"callbacks": [asdict(c) for c in self.callbacks if c.owner != KERNEL_OWNER]}

    def load_data(self, data: dict[str, Any] | None) -> None:
        for item in (data or {}).get("callbacks", []):
            self.callbacks.append(typed(Callback, item, "connector callback"))

    def module_going(self, module: Any) -> list[Report]:
        left = [c for c in self.callbacks if c.owner == module.name]
        for c in left:
            self.delete(c.idx, c.val)
        return [(4, f"{module.name}: removing connector callback {c.name} {c.idx}:{c.val} "
                 "it left registered") for c in left]  # fmt: skip
