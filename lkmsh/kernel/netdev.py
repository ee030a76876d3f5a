"""Network devices: registered net_devices, their transmit queue, and packets.

As Linux 6.1's net/core/dev.c for what drivers see. ``register_netdev``
names the device (``eth%d`` -> eth0, eth1 ...), gives it an ifindex and
``/sys/class/net/NAME/{mtu,address,operstate,...}``; ``ip link set NAME up``
is dev_open (``->ndo_open``), ``down`` dev_close (``->ndo_stop``). A packet
the shell sends (``ip send``) is an sk_buff handed to ``->ndo_start_xmit``
while the queue runs; while the driver keeps it stopped
(``netif_stop_queue``) packets wait in the device's queue (a pfifo of
``tx_queue_len``) and go out when it wakes, as the qdisc does; NETDEV_TX_BUSY
puts one back. ``netif_rx`` is the stack receiving: the packet is kept (the
last PACKETS_KEPT, with those sent, for ``tcpdump``) and the buffer freed.

operstate follows RFC 2863 as Linux's linkwatch: "down" while the device is
down, "unknown" when up and its driver never touched the carrier, else "up"
or "down" by ``netif_carrier_on/off``.
"""

from __future__ import annotations

import errno as E
import os
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from lkmsh.errors import KernelError
from lkmsh.kernel.clock import NSEC_PER_JIFFY
from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.netstructs import (
    ARPHRD_ETHER,
    ETH_HLEN,
    IFF_BROADCAST,
    IFF_LOWER_UP,
    IFF_MULTICAST,
    IFF_RUNNING,
    IFF_UP,
    IFNAMSIZ,
    LINK_STATE_NOCARRIER,
    LINK_STATE_PRESENT,
    LINK_STATE_START,
    MAX_PACKET,
    NET_DEVICE,
    NET_DEVICE_OPS,
    NET_SKB_PAD,
    NET_XMIT_CN,
    NET_XMIT_DROP,
    NET_XMIT_SUCCESS,
    NETDEV_TX_BUSY,
    PACKETS_KEPT,
    SK_BUFF,
    SKB_SHARED_INFO,
    STATS,
    STATS_FIELDS,
    skb_data_align,
)
from lkmsh.kernel.snapshot import typed
from lkmsh.kernel.vfs import TextFile

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel


class NetError(KernelError):
    """A network device operation refused with Linux's errno."""


@dataclass
class NetDev:
    addr: int  # struct net_device
    owner: str | None
    priv_size: int = 0
    name: str = ""
    ifindex: int = 0
    registered: bool = False
    queue_stopped: bool = False
    carrier_touched: bool = False
    backlog: list[str] = field(default_factory=list)  # hex packets the qdisc holds
    #: [ns, "out"|"in", hex] of the last PACKETS_KEPT packets (tcpdump)
    packets: list[list[Any]] = field(default_factory=list)


@dataclass(frozen=True)
class NetLink:
    """One device as ``ip link show`` prints it."""

    ifindex: int
    name: str
    flags: int
    mtu: int
    operstate: str
    type: int
    address: str
    broadcast: str
    qlen: int
    carrier: bool
    stats: dict[str, int]


class NetCore(Component):
    name = "net"

    def __init__(self, kernel: Kernel):
        self.kernel = kernel
        self.devices: list[NetDev] = []
        self.skbs: dict[int, str] = {}  # live sk_buff -> who holds it (a module, or the kernel)
        self._next_ifindex = 1

    def by_addr(self, addr: int) -> NetDev | None:
        return next((d for d in self.devices if d.addr == addr), None)

    def by_name(self, name: str) -> NetDev:
        dev = next((d for d in self.devices if d.registered and d.name == name), None)
        if dev is None:
            raise NetError(f'Device "{name}" does not exist.', E.ENODEV)
        return dev

    # -- the device's memory ---------------------------------------------------------------

    def mem_u32(self, dev: NetDev, name: str) -> int:
        return self.kernel.mem.read_u32(dev.addr + NET_DEVICE.off(name))

    def flags(self, dev: NetDev) -> int:
        return self.mem_u32(dev, "flags")

    def _set_flags(self, dev: NetDev, flags: int) -> None:
        self.kernel.mem.write_u32(dev.addr + NET_DEVICE.off("flags"), flags)

    def _state(self, dev: NetDev) -> int:
        return self.kernel.mem.read_u64(dev.addr + NET_DEVICE.off("state"))

    def _set_state_bit(self, dev: NetDev, bit: int, on: bool) -> None:
        at = dev.addr + NET_DEVICE.off("state")
        word = self.kernel.mem.read_u64(at)
        self.kernel.mem.write_u64(at, word | 1 << bit if on else word & ~(1 << bit))

    def link_flags(self, dev: NetDev) -> int:
        """dev_get_flags: dev->flags with RUNNING and LOWER_UP of a running device."""
        flags = self.flags(dev)
        if self._state(dev) >> LINK_STATE_START & 1:
            if self.operstate(dev) in ("up", "unknown"):
                flags |= IFF_RUNNING
            if self.carrier_ok(dev):
                flags |= IFF_LOWER_UP
        return flags

    def carrier_ok(self, dev: NetDev) -> bool:
        return not self._state(dev) >> LINK_STATE_NOCARRIER & 1

    def is_up(self, dev: NetDev) -> bool:
        return bool(self.flags(dev) & IFF_UP)

    def mtu(self, dev: NetDev) -> int:
        return self.mem_u32(dev, "mtu")

    def link_type(self, dev: NetDev) -> int:
        return self.kernel.mem.read_u16(dev.addr + NET_DEVICE.off("type"))

    def address(self, dev: NetDev, which: str = "dev_addr") -> str:
        mem = self.kernel.mem
        n = mem.read_u8(dev.addr + NET_DEVICE.off("addr_len"))
        if which == "dev_addr":
            at = mem.read_u64(dev.addr + NET_DEVICE.off("dev_addr"))
        else:
            at = dev.addr + NET_DEVICE.off(which)
        raw = mem.read(at, min(n, 32)) if at and n else b""
        return ":".join(f"{b:02x}" for b in raw)

    def operstate(self, dev: NetDev) -> str:
        if not self.is_up(dev):
            return "down"
        if not dev.carrier_touched:
            return "unknown"
        return "up" if self.carrier_ok(dev) else "down"

    def stats(self, dev: NetDev) -> dict[str, int]:
        """dev_get_stats: ->ndo_get_stats's table, else dev->stats."""
        mem = self.kernel.mem
        base = dev.addr + NET_DEVICE.off("stats__rx_packets")
        ops = mem.read_u64(dev.addr + NET_DEVICE.off("netdev_ops"))
        fn = mem.read_u64(ops + NET_DEVICE_OPS.off("ndo_get_stats")) if ops else 0
        if fn:
            got = self.call(fn, [dev.addr])
            base = got or base
        return {name: mem.read_u64(base + 8 * i) for i, name in enumerate(STATS_FIELDS)}

    # -- life ------------------------------------------------------------------------------

    def setup_ether(self, addr: int) -> None:
        """ether_setup: what an Ethernet device starts with."""
        mem = self.kernel.mem
        nd = NET_DEVICE.off
        mem.write_u16(addr + nd("type"), ARPHRD_ETHER)
        mem.write_u16(addr + nd("hard_header_len"), ETH_HLEN)
        mem.write_u32(addr + nd("mtu"), 1500)
        mem.write_u32(addr + nd("min_mtu"), 68)
        mem.write_u32(addr + nd("max_mtu"), 1500)
        mem.write_u8(addr + nd("addr_len"), 6)
        mem.write_u32(addr + nd("tx_queue_len"), 1000)
        mem.write_u32(addr + nd("flags"), IFF_BROADCAST | IFF_MULTICAST)
        mem.write(addr + nd("broadcast"), b"\xff" * 6)

    def register(self, dev: NetDev) -> int:
        """register_netdevice: 0, or -errno (and a dmesg line when Linux prints one)."""
        mem = self.kernel.mem
        raw = mem.read(dev.addr + NET_DEVICE.off("name"), IFNAMSIZ).split(b"\0")[0]
        name = raw.decode(errors="replace")
        if "%d" in name:
            used = {d.name for d in self.devices if d.registered}
            name = next(name.replace("%d", str(i), 1) for i in range(4096)
                        if name.replace("%d", str(i), 1) not in used)  # fmt: skip
        if not name or "/" in name or " " in name or len(name) >= IFNAMSIZ:
            return -E.EINVAL
        if any(d.registered and d.name == name for d in self.devices):
            return -E.EEXIST
        mem.write(dev.addr + NET_DEVICE.off("name"), name.encode().ljust(IFNAMSIZ, b"\0"))
        mtu = mem.read_u32(dev.addr + NET_DEVICE.off("mtu"))
        lo, hi = (mem.read_u32(dev.addr + NET_DEVICE.off(n)) for n in ("min_mtu", "max_mtu"))
        if hi and mtu > hi:
            self.kernel.log.emit(3, f"{name}: Invalid MTU {mtu} requested, hw max {hi}")
            return -E.EINVAL
        if lo and mtu < lo:
            self.kernel.log.emit(3, f"{name}: Invalid MTU {mtu} requested, hw min {lo}")
            return -E.EINVAL
        dev.name = name
        dev.ifindex = self._next_ifindex
        self._next_ifindex += 1
        mem.write_u32(dev.addr + NET_DEVICE.off("ifindex"), dev.ifindex)
        self._set_state_bit(dev, LINK_STATE_PRESENT, True)
        dev.registered = True
        self._publish(dev)
        return 0

    def _publish(self, dev: NetDev) -> None:
        vfs, base = self.kernel.vfs, f"/sys/class/net/{dev.name}"
        files = {
            "mtu": lambda k: f"{self.mtu(dev)}\n",
            "address": lambda k: f"{self.address(dev)}\n",
            "broadcast": lambda k: f"{self.address(dev, 'broadcast')}\n",
            "operstate": lambda k: f"{self.operstate(dev)}\n",
            "ifindex": lambda k: f"{dev.ifindex}\n",
            "type": lambda k: f"{self.link_type(dev)}\n",
            "flags": lambda k: f"{self.flags(dev):#x}\n",
            "tx_queue_len": lambda k: f"{self.mem_u32(dev, 'tx_queue_len')}\n",
            "addr_len": lambda k: f"{k.mem.read_u8(dev.addr + NET_DEVICE.off('addr_len'))}\n",
        }
        for rel, show in files.items():
            vfs.add(f"{base}/{rel}", TextFile(lambda k, show=show: show(k).encode()), 0o444)
        vfs.add(f"{base}/carrier", TextFile(lambda k: self._carrier_text(dev)), 0o444)
        for name in STATS:
            counter = (lambda n: lambda k: f"{self.stats(dev)[n]}\n".encode())(name)
            vfs.add(f"{base}/statistics/{name}", TextFile(counter), 0o444)

    def _carrier_text(self, dev: NetDev) -> bytes:
        if not self.is_up(dev):  # carrier_show: -EINVAL while the device is down
            from lkmsh.kernel.vfs import FileError

            raise FileError(f"/sys/class/net/{dev.name}/carrier: Invalid argument", E.EINVAL)
        return f"{int(self.carrier_ok(dev))}\n".encode()

    def _unpublish(self, dev: NetDev) -> None:
        vfs = self.kernel.vfs
        base = f"/sys/class/net/{dev.name}"
        for path in sorted((p for p in vfs.walk(base)), key=len, reverse=True):
            vfs.remove(path.rstrip("/"))
        vfs.remove(base)

    def unregister(self, dev: NetDev) -> None:
        """unregister_netdevice: closed first if up, ->ndo_uninit, out of sysfs."""
        if not dev.registered:
            return
        if self.is_up(dev):
            self.close(dev)
        fn = self._op(dev, "ndo_uninit")
        if fn:
            self.call(fn, [dev.addr])
        self._unpublish(dev)
        dev.registered = False
        self._set_state_bit(dev, LINK_STATE_PRESENT, False)

    # -- up and down -----------------------------------------------------------------------

    def _op(self, dev: NetDev, name: str) -> int:
        mem = self.kernel.mem
        ops = mem.read_u64(dev.addr + NET_DEVICE.off("netdev_ops"))
        return mem.read_u64(ops + NET_DEVICE_OPS.off(name)) if ops else 0

    def call(self, fn: int, args: list[int]) -> int:
        from lkmsh.kernel.sysfs import call_module_code

        return call_module_code(self.kernel, fn, args)

    def open(self, dev: NetDev) -> None:
        """__dev_open: ->ndo_validate_addr, ->ndo_open, then IFF_UP."""
        from lkmsh.kernel.callctx import to_signed

        if self.is_up(dev):
            return
        self._set_state_bit(dev, LINK_STATE_START, True)
        for name in ("ndo_validate_addr", "ndo_open"):
            fn = self._op(dev, name)
            ret = to_signed(self.call(fn, [dev.addr]), 32) if fn else 0
            if ret:
                self._set_state_bit(dev, LINK_STATE_START, False)
                raise NetError(f"RTNETLINK answers: {os.strerror(-ret)}", -ret)
        self._set_flags(dev, self.flags(dev) | IFF_UP)

    def close(self, dev: NetDev) -> None:
        """__dev_close: ->ndo_stop; the queue's packets are dropped."""
        if not self.is_up(dev):
            return
        self._set_state_bit(dev, LINK_STATE_START, False)
        fn = self._op(dev, "ndo_stop")
        if fn:
            self.call(fn, [dev.addr])
        self._set_flags(dev, self.flags(dev) & ~IFF_UP)
        dev.backlog.clear()

    def set_mtu(self, dev: NetDev, mtu: int) -> None:
        """dev_set_mtu: the device's bounds, then ->ndo_change_mtu or the field."""
        from lkmsh.kernel.callctx import to_signed

        lo, hi = self.mem_u32(dev, "min_mtu"), self.mem_u32(dev, "max_mtu")
        if mtu < 0 or (lo and mtu < lo) or (hi and mtu > hi):
            raise NetError("Error: mtu out of range.", E.EINVAL)  # as ip prints the extack
        fn = self._op(dev, "ndo_change_mtu")
        if fn:
            ret = to_signed(self.call(fn, [dev.addr, mtu]), 32)
            if ret:
                raise NetError(f"RTNETLINK answers: {os.strerror(-ret)}", -ret)
        else:
            self.kernel.mem.write_u32(dev.addr + NET_DEVICE.off("mtu"), mtu)

    def set_carrier(self, dev: NetDev, on: bool) -> None:
        dev.carrier_touched = True
        self._set_state_bit(dev, LINK_STATE_NOCARRIER, not on)

    # -- packets ---------------------------------------------------------------------------

    def alloc_skb(self, size: int, owner: str, caller: int = 0, headroom: int = 0) -> int:
        """An sk_buff with @size bytes of room after @headroom, or 0. As __alloc_skb, the
        data area is cache-line aligned and its struct skb_shared_info follows it."""
        heap = self.kernel.heap
        if size > MAX_PACKET + NET_SKB_PAD or headroom > NET_SKB_PAD:
            return 0
        total = skb_data_align(headroom + size)
        skb = heap.alloc(SK_BUFF.size, owner, caller, zero=True)
        head = heap.alloc(total + SKB_SHARED_INFO.size, owner, caller, zero=True)
        if not skb or not head:
            for a in (skb, head):
                if a:
                    heap.free(a)
            return 0
        mem, off = self.kernel.mem, SK_BUFF.off
        mem.write_u64(skb + off("head"), head)
        mem.write_u64(skb + off("data"), head + headroom)
        mem.write_u32(skb + off("tail"), headroom)
        mem.write_u32(skb + off("end"), total)
        truesize = total + skb_data_align(SK_BUFF.size) + skb_data_align(SKB_SHARED_INFO.size)
        mem.write_u32(skb + off("truesize"), truesize)
        mem.write_u32(skb + off("users"), 1)
        mem.write_u16(skb + off("mac_header"), 0xFFFF)
        mem.write_u16(skb + off("network_header"), headroom)
        mem.write_u16(skb + off("transport_header"), 0xFFFF)
        mem.write_u32(head + total + SKB_SHARED_INFO.off("dataref"), 1)
        self.skbs[skb] = owner
        return skb

    def free_skb(self, skb: int) -> bool:
        """kfree_skb's end: False when @skb is no live sk_buff (a double free)."""
        if skb not in self.skbs:
            return False
        del self.skbs[skb]
        heap, mem = self.kernel.heap, self.kernel.mem
        head = mem.read_u64(skb + SK_BUFF.off("head"))
        if head and heap.lookup(head) is not None:
            shinfo = head + mem.read_u32(skb + SK_BUFF.off("end"))
            frags = mem.read_u8(shinfo + SKB_SHARED_INFO.off("nr_frags"))
            if frags or mem.read_u64(shinfo + SKB_SHARED_INFO.off("frag_list")):
                # skb_release_data: the pages' references and the frag_list's buffers go
                # (the kernel library's, lkmsh/klib/skbuff.c)
                release = self.kernel.symbol_address("__lkmsh_skb_release_data")
                if release:
                    self.kernel.call(release, [skb])
        if head and heap.lookup(head) is not None:
            heap.free(head)
        heap.free(skb)
        return True

    def skb_bytes(self, skb: int) -> bytes:
        mem = self.kernel.mem
        n = min(mem.read_u32(skb + SK_BUFF.off("len")), MAX_PACKET)
        return mem.read(mem.read_u64(skb + SK_BUFF.off("data")), n)

    def _keep(self, dev: NetDev, way: str, data: bytes) -> None:
        dev.packets.append([self.kernel.clock.ns(), way, data.hex()])
        del dev.packets[:-PACKETS_KEPT]

    def send(self, dev: NetDev, data: bytes) -> str:
        """dev_queue_xmit of @data on @dev: "sent", "queued" (the queue is stopped) or
        "dropped" (the queue is full)."""
        if not dev.registered:
            raise NetError(f'Device "{dev.name}" does not exist.', E.ENODEV)
        if not self.is_up(dev):
            raise NetError(f"{dev.name}: Network is down", E.ENETDOWN)
        if not data or len(data) > MAX_PACKET:
            raise NetError(f"a packet of {len(data)} bytes (1-{MAX_PACKET})", E.EMSGSIZE)
        qlen = self.mem_u32(dev, "tx_queue_len")
        if dev.queue_stopped or dev.backlog:
            if len(dev.backlog) >= max(qlen, 1):
                return "dropped"
            dev.backlog.append(data.hex())
            return "queued"
        return "sent" if self._xmit(dev, data) else "queued"

    def _xmit(self, dev: NetDev, data: bytes) -> bool:
        """One packet to ->ndo_start_xmit; False when the driver said NETDEV_TX_BUSY."""
        if not self._op(dev, "ndo_start_xmit"):
            raise NetError(f"{dev.name}: the driver has no ndo_start_xmit", E.EOPNOTSUPP)
        skb = self.alloc_skb(len(data), KERNEL_OWNER, headroom=NET_SKB_PAD)
        if not skb:
            raise NetError("out of memory for an sk_buff", E.ENOMEM)
        mem, off = self.kernel.mem, SK_BUFF.off
        mem.write(mem.read_u64(skb + off("data")), data)
        mem.write_u32(skb + off("len"), len(data))
        mem.write_u32(skb + off("tail"), NET_SKB_PAD + len(data))
        mem.write_u64(skb + off("dev"), dev.addr)
        mem.write_u16(skb + off("mac_header"), NET_SKB_PAD)
        mem.write_u16(skb + off("network_header"), NET_SKB_PAD + ETH_HLEN)
        if len(data) >= ETH_HLEN and self.link_type(dev) == ARPHRD_ETHER:
            mem.write(skb + off("protocol"), data[12:14])
        return self._start_xmit(dev, skb, data)

    def _start_xmit(self, dev: NetDev, skb: int, data: bytes) -> bool:
        """dev_hard_start_xmit: the driver gets @skb; on NETDEV_TX_BUSY the qdisc keeps
        @data (the buffer freed) and tries again a jiffy later."""
        self.skbs[skb] = dev.owner or KERNEL_OWNER  # the driver holds it now
        self._keep(dev, "out", data)
        ret = self.call(self._op(dev, "ndo_start_xmit"), [skb, dev.addr]) & 0xFFFFFFFF
        if ret == NETDEV_TX_BUSY:
            self.free_skb(skb)
            dev.packets.pop()
            dev.backlog.insert(0, data.hex())
            self._schedule(dev, NSEC_PER_JIFFY)
            return False
        return True

    def queue_xmit(self, skb: int, blackhole: int) -> int:
        """__dev_queue_xmit of a module's @skb: NET_XMIT_* (or -errno); the buffer is the
        stack's from here. @blackhole is the address of blackhole_netdev's device."""
        dev_addr = self.kernel.mem.read_u64(skb + SK_BUFF.off("dev"))
        if dev_addr == blackhole:  # blackhole_netdev_xmit
            self.free_skb(skb)
            self.ratelimited(4, "blackhole_netdev_xmit(): Dropping skb.")
            return NET_XMIT_SUCCESS
        dev = self.by_addr(dev_addr)
        if dev is None or not dev.registered:
            raise NetError(f"skb->dev {dev_addr:#x} is no registered net_device", E.ENODEV)
        if not self.is_up(dev):  # a closed device's qdisc is noop_qdisc: dropped
            self.free_skb(skb)
            return NET_XMIT_CN
        data = self.skb_bytes(skb)
        if dev.queue_stopped or dev.backlog:  # the pfifo keeps its bytes
            self.free_skb(skb)
            if len(dev.backlog) >= max(self.mem_u32(dev, "tx_queue_len"), 1):
                return NET_XMIT_DROP
            dev.backlog.append(data.hex())
            return NET_XMIT_SUCCESS
        self._start_xmit(dev, skb, data)
        return NET_XMIT_SUCCESS

    def ratelimited(self, level: int, line: str) -> None:
        """net_warn_ratelimited() and friends: printed when net_ratelimit() allows."""
        if self.kernel.ratelimits.allow("net", "net_ratelimit"):
            self.kernel.log.emit(level, line)

    def _schedule(self, dev: NetDev, delay: int = 0) -> None:
        """__netif_schedule: the qdisc runs (NET_TX) after what runs now."""
        self.kernel.sched.add_event(self.kernel.clock.ns() + delay, "net_tx", dev.addr)

    def net_tx(self, key: int, when: int) -> None:
        dev = self.by_addr(key)
        while dev is not None and dev.backlog and not dev.queue_stopped and self.is_up(dev):
            if not self._xmit(dev, bytes.fromhex(dev.backlog.pop(0))):
                break

    def wake(self, dev: NetDev) -> None:
        """netif_wake_queue: the queue runs again; the qdisc sends what waits (NET_TX)."""
        dev.queue_stopped = False
        if dev.backlog:
            self._schedule(dev)

    def receive(self, skb: int) -> int:
        """netif_rx: the stack takes the packet (kept for tcpdump); NET_RX_SUCCESS."""
        mem = self.kernel.mem
        dev = self.by_addr(mem.read_u64(skb + SK_BUFF.off("dev")))
        data = self.skb_bytes(skb)
        if dev is not None:
            # eth_type_trans pulled the Ethernet header: tcpdump shows the frame from its MAC header
            mac = mem.read_u16(skb + SK_BUFF.off("mac_header"))
            head = mem.read_u64(skb + SK_BUFF.off("head"))
            start = mem.read_u64(skb + SK_BUFF.off("data"))
            if mac != 0xFFFF and head + mac < start:
                data = mem.read(head + mac, start - head - mac) + data
            self._keep(dev, "in", data)
        self.free_skb(skb)
        return 0 if dev is not None else 1

    # -- what users see --------------------------------------------------------------------

    def proc_net_dev(self) -> str:
        out = [
            "Inter-|   Receive                                                |  Transmit\n",
            " face |bytes    packets errs drop fifo frame compressed multicast|"
            "bytes    packets errs drop fifo colls carrier compressed\n",
        ]
        for d in self.devices:
            if not d.registered:
                continue
            s = self.stats(d)
            out.append(
                f"{d.name:>6}:{s['rx_bytes']:8d} {s['rx_packets']:7d} {s['rx_errors']:4d} "
                f"{s['rx_dropped']:4d} {0:4d} {0:5d} {0:10d} {s['multicast']:9d} "
                f"{s['tx_bytes']:8d} {s['tx_packets']:7d} {s['tx_errors']:4d} "
                f"{s['tx_dropped']:4d} {0:4d} {s['collisions']:5d} {0:7d} {0:10d}\n"
            )
        return "".join(out)

    # -- component ---------------------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        return {
            "devices": [asdict(d) for d in self.devices],
            "skbs": [[a, o] for a, o in self.skbs.items()],
            "next_ifindex": self._next_ifindex,
        }

    def load_data(self, data: dict[str, Any] | None) -> None:
        data = data or {}
        self._next_ifindex = int(data.get("next_ifindex", 1))
        self.skbs = {a: o for a, o in data.get("skbs", [])}
        for item in data.get("devices", []):
            dev = typed(NetDev, item, "network device")
            self.devices.append(dev)
            if dev.registered:
                self._publish(dev)

    def module_going(self, module: Any) -> list[Report]:
        out: list[Report] = []
        name = module.name
        for d in [d for d in self.devices if d.owner == name]:
            if d.registered:
                out.append((4, f"{name}: unregistering network device {d.name} it left"))
                self.unregister(d)
            self.devices.remove(d)
        held = [a for a, o in self.skbs.items() if o == name]
        if held:
            out.append((4, f"{name}: {len(held)} sk_buff(s) it was given were never freed"))
            for a in held:
                self.free_skb(a)
        return out
