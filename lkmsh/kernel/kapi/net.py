"""The network driver API of <linux/netdevice.h>, <linux/etherdevice.h> and
<linux/skbuff.h> over netdev.py."""

from __future__ import annotations

import errno as E
from typing import TYPE_CHECKING

from lkmsh.kernel import netdev as N
from lkmsh.kernel import netstructs as NS
from lkmsh.kernel.kapi.bug import warn
from lkmsh.kernel.kapi.common import cstr, format_args, owner
from lkmsh.kernel.kapi.printk import log_text
from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

MASK = (1 << 64) - 1
SKB = NS.SK_BUFF.off


def _neg(code: int) -> int:
    return -code & MASK


def _dev(ctx: CallContext, addr: int) -> N.NetDev | None:
    return ctx.kernel.net.by_addr(addr)


# -- allocation and registration ---------------------------------------------------------


@kapi(
    "alloc_netdev_mqs",
    "struct net_device *alloc_netdev_mqs(int sizeof_priv, const char *name,"
    " unsigned char name_assign_type, void (*setup)(struct net_device *),"
    " unsigned int txqs, unsigned int rxqs)",
)
def alloc_netdev_mqs(ctx: CallContext) -> int:
    priv = ctx.arg(0) & 0xFFFFFFFF
    name = cstr(ctx, ctx.arg(1), NS.IFNAMSIZ + 1) if ctx.arg(1) else b""
    setup = ctx.arg(3)
    if len(name) >= NS.IFNAMSIZ:
        ctx.kernel.log.emit(3, f"alloc_netdev_mqs: name {name.decode(errors='replace')} too long")
        return 0
    if priv >= 1 << 24 or not ctx.arg(4) or not ctx.arg(5):
        return 0
    heap, mem = ctx.kernel.heap, ctx.mem
    addr = heap.alloc(NS.PRIV_OFFSET + priv, owner(ctx), ctx.caller, zero=True)
    if not addr:
        return 0
    mem.write(addr + NS.NET_DEVICE.off("name"), name.ljust(NS.IFNAMSIZ, b"\0"))
    mem.write_u8(addr + NS.NET_DEVICE.off("name_assign_type"), ctx.arg(2) & 0xFF)
    mem.write_u64(addr + NS.NET_DEVICE.off("dev_addr"), addr + NS.OFF_DEV_ADDR_STORE)
    mem.write_u32(addr + NS.NET_DEVICE.off("mtu"), 1500)
    mem.write_u32(addr + NS.NET_DEVICE.off("tx_queue_len"), 1000)
    ctx.kernel.net.devices.append(N.NetDev(addr, owner(ctx), priv))
    if setup == ctx.kernel.symbol_address("ether_setup"):
        ctx.kernel.net.setup_ether(addr)
    elif setup:
        ctx.kernel.net.call(setup, [addr])
    return addr


@kapi(
    "alloc_etherdev_mqs",
    "struct net_device *alloc_etherdev_mqs(int sizeof_priv, unsigned int txqs, unsigned int rxqs)",
)
def alloc_etherdev_mqs(ctx: CallContext) -> int:
    heap, mem = ctx.kernel.heap, ctx.mem
    priv = ctx.arg(0) & 0xFFFFFFFF
    if priv >= 1 << 24:
        return 0
    addr = heap.alloc(NS.PRIV_OFFSET + priv, owner(ctx), ctx.caller, zero=True)
    if not addr:
        return 0
    mem.write(addr + NS.NET_DEVICE.off("name"), b"eth%d".ljust(NS.IFNAMSIZ, b"\0"))
    mem.write_u8(addr + NS.NET_DEVICE.off("name_assign_type"), 1)  # NET_NAME_ENUM
    mem.write_u64(addr + NS.NET_DEVICE.off("dev_addr"), addr + NS.OFF_DEV_ADDR_STORE)
    ctx.kernel.net.devices.append(N.NetDev(addr, owner(ctx), priv))
    ctx.kernel.net.setup_ether(addr)
    return addr


@kapi("ether_setup", "void ether_setup(struct net_device *dev)")
def ether_setup(ctx: CallContext) -> None:
    ctx.kernel.net.setup_ether(ctx.arg(0))


def _register(ctx: CallContext) -> int:
    dev = _dev(ctx, ctx.arg(0))
    if dev is None:
        warn(ctx, ["register_netdev of a net_device alloc_netdev did not make"])
        return _neg(E.EINVAL)
    if dev.registered:
        return _neg(E.EEXIST)
    fn = ctx.kernel.net._op(dev, "ndo_init")
    if fn:
        from lkmsh.kernel.callctx import to_signed

        ret = to_signed(ctx.kernel.net.call(fn, [dev.addr]), 32)
        if ret:
            return ret & MASK
    return ctx.kernel.net.register(dev) & MASK


@kapi("register_netdev", "int register_netdev(struct net_device *dev)")
def register_netdev(ctx: CallContext) -> int:
    return _register(ctx)


@kapi("register_netdevice", "int register_netdevice(struct net_device *dev)")
def register_netdevice(ctx: CallContext) -> int:
    return _register(ctx)


@kapi("unregister_netdev", "void unregister_netdev(struct net_device *dev)")
def unregister_netdev(ctx: CallContext) -> None:
    dev = _dev(ctx, ctx.arg(0))
    if dev is not None:
        ctx.kernel.net.unregister(dev)


@kapi(
    "unregister_netdevice_queue",
    "void unregister_netdevice_queue(struct net_device *dev, struct list_head *head)",
)
def unregister_netdevice_queue(ctx: CallContext) -> None:
    unregister_netdev(ctx)


@kapi("free_netdev", "void free_netdev(struct net_device *dev)")
def free_netdev(ctx: CallContext) -> None:
    net = ctx.kernel.net
    dev = _dev(ctx, ctx.arg(0))
    if dev is None:
        return
    if dev.registered:  # Linux: BUG_ON(dev->reg_state != NETREG_UNREGISTERED) is a WARN here
        warn(ctx, [f"free_netdev of {dev.name}, still registered"])
        net.unregister(dev)
    destructor = ctx.mem.read_u64(dev.addr + NS.NET_DEVICE.off("priv_destructor"))
    if destructor:
        net.call(destructor, [dev.addr])
    net.devices.remove(dev)
    if ctx.kernel.heap.lookup(dev.addr) is not None:
        ctx.kernel.heap.free(dev.addr)


@kapi("rtnl_lock", "void rtnl_lock(void)")
def rtnl_lock(ctx: CallContext) -> None:
    """One kernel lock already serialises every configuration change."""


@kapi("rtnl_unlock", "void rtnl_unlock(void)")
def rtnl_unlock(ctx: CallContext) -> None:
    """See rtnl_lock."""


@kapi("dev_alloc_name", "int dev_alloc_name(struct net_device *dev, const char *name)")
def dev_alloc_name(ctx: CallContext) -> int:
    pattern = cstr(ctx, ctx.arg(1), NS.IFNAMSIZ).decode(errors="replace")
    used = {d.name for d in ctx.kernel.net.devices if d.registered}
    if "%d" not in pattern:
        return _neg(E.EEXIST) if pattern in used else 0
    for i in range(4096):
        name = pattern.replace("%d", str(i), 1)
        if name not in used:
            ctx.mem.write(ctx.arg(0), name.encode().ljust(NS.IFNAMSIZ, b"\0"))
            return i
    return _neg(E.ENFILE)


# -- queue and carrier -----------------------------------------------------------------------


@kapi("netif_start_queue", "void netif_start_queue(struct net_device *dev)")
def netif_start_queue(ctx: CallContext) -> None:
    dev = _dev(ctx, ctx.arg(0))
    if dev is not None:
        dev.queue_stopped = False


@kapi("netif_stop_queue", "void netif_stop_queue(struct net_device *dev)")
def netif_stop_queue(ctx: CallContext) -> None:
    dev = _dev(ctx, ctx.arg(0))
    if dev is not None:
        dev.queue_stopped = True


@kapi("netif_wake_queue", "void netif_wake_queue(struct net_device *dev)")
def netif_wake_queue(ctx: CallContext) -> None:
    dev = _dev(ctx, ctx.arg(0))
    if dev is not None:
        ctx.kernel.net.wake(dev)


@kapi("netif_queue_stopped", "bool netif_queue_stopped(const struct net_device *dev)")
def netif_queue_stopped(ctx: CallContext) -> int:
    dev = _dev(ctx, ctx.arg(0))
    return int(dev is not None and dev.queue_stopped)


@kapi("netif_carrier_on", "void netif_carrier_on(struct net_device *dev)")
def netif_carrier_on(ctx: CallContext) -> None:
    dev = _dev(ctx, ctx.arg(0))
    if dev is not None:
        ctx.kernel.net.set_carrier(dev, True)


@kapi("netif_carrier_off", "void netif_carrier_off(struct net_device *dev)")
def netif_carrier_off(ctx: CallContext) -> None:
    dev = _dev(ctx, ctx.arg(0))
    if dev is not None:
        ctx.kernel.net.set_carrier(dev, False)


# -- sk_buffs ----------------------------------------------------------------------------


@kapi(
    "__alloc_skb",
    "struct sk_buff *__alloc_skb(unsigned int size, gfp_t priority, int flags, int node)",
)
def alloc_skb(ctx: CallContext) -> int:
    return ctx.kernel.net.alloc_skb(ctx.arg(0) & 0xFFFFFFFF, owner(ctx), ctx.caller)


@kapi(
    "__netdev_alloc_skb",
    "struct sk_buff *__netdev_alloc_skb(struct net_device *dev, unsigned int length,"
    " gfp_t gfp_mask)",
)
def netdev_alloc_skb(ctx: CallContext) -> int:
    """NET_SKB_PAD of headroom reserved, skb->dev set, as __netdev_alloc_skb."""
    net = ctx.kernel.net
    skb = net.alloc_skb(ctx.arg(1) & 0xFFFFFFFF, owner(ctx), ctx.caller, NS.NET_SKB_PAD)
    if skb:
        ctx.mem.write_u64(skb + SKB("dev"), ctx.arg(0))
    return skb


def _free(ctx: CallContext, skb: int, what: str) -> None:
    if not skb:
        return
    if not ctx.kernel.net.free_skb(skb):
        warn(ctx, [f"{what} of {skb:#x}, which is no live sk_buff (freed twice?)"])


@kapi("kfree_skb_reason", "void kfree_skb_reason(struct sk_buff *skb, enum skb_drop_reason reason)")
def kfree_skb_reason(ctx: CallContext) -> None:
    _free(ctx, ctx.arg(0), "kfree_skb")


@kapi("consume_skb", "void consume_skb(struct sk_buff *skb)")
def consume_skb(ctx: CallContext) -> None:
    _free(ctx, ctx.arg(0), "consume_skb")


@kapi("__dev_kfree_skb_irq", "void __dev_kfree_skb_irq(struct sk_buff *skb, int reason)")
def dev_kfree_skb_irq(ctx: CallContext) -> None:
    _free(ctx, ctx.arg(0), "dev_kfree_skb_irq")


@kapi("__dev_kfree_skb_any", "void __dev_kfree_skb_any(struct sk_buff *skb, int reason)")
def dev_kfree_skb_any(ctx: CallContext) -> None:
    _free(ctx, ctx.arg(0), "dev_kfree_skb_any")


def _copy(ctx: CallContext, skb: int) -> int:
    net, mem = ctx.kernel.net, ctx.mem
    head = mem.read_u64(skb + SKB("head"))
    data = mem.read_u64(skb + SKB("data"))
    end = mem.read_u32(skb + SKB("end"))
    new = net.alloc_skb(end - (data - head), owner(ctx), ctx.caller, data - head)
    if not new:
        return 0
    new_head = mem.read_u64(new + SKB("head"))
    mem.write(new_head, mem.read(head, end))
    keep = mem.read(skb, NS.SK_BUFF.size)
    mem.write(new, keep)
    mem.write_u64(new + SKB("head"), new_head)
    mem.write_u64(new + SKB("data"), new_head + (data - head))
    mem.write_u64(new + SKB("next"), 0)
    mem.write_u64(new + SKB("prev"), 0)
    mem.write_u32(new + SKB("users"), 1)
    return new


@kapi("skb_copy", "struct sk_buff *skb_copy(const struct sk_buff *skb, gfp_t priority)")
def skb_copy(ctx: CallContext) -> int:
    return _copy(ctx, ctx.arg(0))


@kapi("skb_clone", "struct sk_buff *skb_clone(struct sk_buff *skb, gfp_t priority)")
def skb_clone(ctx: CallContext) -> int:
    """lkmsh clones by copying: the clone's data is its own (nothing shares pages)."""
    return _copy(ctx, ctx.arg(0))


def _over_panic(ctx: CallContext, skb: int, size: int, what: str) -> None:
    """skb_panic's line, then BUG() as Linux."""
    from lkmsh.kernel.kapi.bug import kernel_bug

    mem = ctx.mem
    dev = mem.read_u64(skb + SKB("dev"))
    name = cstr(ctx, dev, NS.IFNAMSIZ).decode(errors="replace") if dev else "<NULL>"
    ctx.kernel.log.emit(
        0,
        f"skbuff: skb_{what}_panic: text:{ctx.caller:016x} len:{mem.read_u32(skb + SKB('len'))} "
        f"put:{size} head:{mem.read_u64(skb + SKB('head')):016x} "
        f"data:{mem.read_u64(skb + SKB('data')):016x} tail:{mem.read_u32(skb + SKB('tail')):#x} "
        f"end:{mem.read_u32(skb + SKB('end')):#x} dev:{name}",
    )
    raise kernel_bug(ctx, "net/core/skbuff.c:113")


@kapi("skb_put", "void *skb_put(struct sk_buff *skb, unsigned int len)")
def skb_put(ctx: CallContext) -> int:
    skb, n, mem = ctx.arg(0), ctx.arg(1) & 0xFFFFFFFF, ctx.mem
    tail = mem.read_u32(skb + SKB("tail"))
    if tail + n > mem.read_u32(skb + SKB("end")):
        _over_panic(ctx, skb, n, "over")
    mem.write_u32(skb + SKB("tail"), tail + n)
    mem.write_u32(skb + SKB("len"), mem.read_u32(skb + SKB("len")) + n)
    return mem.read_u64(skb + SKB("head")) + tail


@kapi("skb_push", "void *skb_push(struct sk_buff *skb, unsigned int len)")
def skb_push(ctx: CallContext) -> int:
    skb, n, mem = ctx.arg(0), ctx.arg(1) & 0xFFFFFFFF, ctx.mem
    data = mem.read_u64(skb + SKB("data")) - n
    if data < mem.read_u64(skb + SKB("head")):
        _over_panic(ctx, skb, n, "under")
    mem.write_u64(skb + SKB("data"), data)
    mem.write_u32(skb + SKB("len"), mem.read_u32(skb + SKB("len")) + n)
    return data


@kapi("skb_pull", "void *skb_pull(struct sk_buff *skb, unsigned int len)")
def skb_pull(ctx: CallContext) -> int:
    """NULL when the buffer is shorter than @len (nothing pulled), as Linux."""
    skb, n, mem = ctx.arg(0), ctx.arg(1) & 0xFFFFFFFF, ctx.mem
    length = mem.read_u32(skb + SKB("len"))
    if n > length:
        return 0
    data = mem.read_u64(skb + SKB("data")) + n
    mem.write_u64(skb + SKB("data"), data)
    mem.write_u32(skb + SKB("len"), length - n)
    return data


@kapi("eth_type_trans", "__be16 eth_type_trans(struct sk_buff *skb, struct net_device *dev)")
def eth_type_trans(ctx: CallContext) -> int:
    """The frame's protocol (network order); the MAC header reset and pulled, pkt_type set."""
    skb, dev, mem = ctx.arg(0), ctx.arg(1), ctx.mem
    mem.write_u64(skb + SKB("dev"), dev)
    head = mem.read_u64(skb + SKB("head"))
    data = mem.read_u64(skb + SKB("data"))
    if mem.read_u32(skb + SKB("len")) < NS.ETH_HLEN:
        return 0
    mem.write_u16(skb + SKB("mac_header"), data - head)
    frame = mem.read(data, NS.ETH_HLEN)
    mem.write_u64(skb + SKB("data"), data + NS.ETH_HLEN)
    mem.write_u32(skb + SKB("len"), mem.read_u32(skb + SKB("len")) - NS.ETH_HLEN)
    mem.write_u16(skb + SKB("network_header"), data + NS.ETH_HLEN - head)
    own_at = mem.read_u64(dev + NS.NET_DEVICE.off("dev_addr")) if dev else 0
    own = mem.read(own_at, 6) if own_at else b""
    # PACKET_BROADCAST / PACKET_MULTICAST / PACKET_HOST / PACKET_OTHERHOST
    group = 1 if frame[:6] == b"\xff" * 6 else 2
    pkt = group if frame[0] & 1 else 0 if frame[:6] == own else 3
    at = skb + NS.PKT_TYPE_OFFSET
    mem.write_u8(at, mem.read_u8(at) & ~NS.PKT_TYPE_MASK | pkt)
    proto = int.from_bytes(frame[12:14], "little")  # __be16 as it sits in memory
    if int.from_bytes(frame[12:14], "big") < 0x600:
        proto = int.from_bytes((0x0004).to_bytes(2, "big"), "little")  # ETH_P_802_2
    mem.write_u16(skb + SKB("protocol"), proto)
    return proto


@kapi("eth_validate_addr", "int eth_validate_addr(struct net_device *dev)")
def eth_validate_addr(ctx: CallContext) -> int:
    at = ctx.mem.read_u64(ctx.arg(0) + NS.NET_DEVICE.off("dev_addr"))
    addr = ctx.mem.read(at, 6)
    if addr[0] & 1 or addr == bytes(6):
        return _neg(E.EADDRNOTAVAIL)
    return 0


@kapi("eth_mac_addr", "int eth_mac_addr(struct net_device *dev, void *p)")
def eth_mac_addr(ctx: CallContext) -> int:
    """struct sockaddr's sa_data (after its 2-byte family) becomes the address."""
    dev, mem = ctx.arg(0), ctx.mem
    new = mem.read(ctx.arg(1) + 2, 6)
    if new[0] & 1 or new == bytes(6):
        return _neg(E.EADDRNOTAVAIL)
    mem.write(mem.read_u64(dev + NS.NET_DEVICE.off("dev_addr")), new)
    return 0


@kapi("netif_rx", "int netif_rx(struct sk_buff *skb)")
def netif_rx(ctx: CallContext) -> int:
    skb = ctx.arg(0)
    if skb not in ctx.kernel.net.skbs:
        warn(ctx, [f"netif_rx of {skb:#x}, which is no live sk_buff"])
        return 1  # NET_RX_DROP
    return ctx.kernel.net.receive(skb)


@kapi("__dev_queue_xmit", "int __dev_queue_xmit(struct sk_buff *skb, struct net_device *sb_dev)")
def dev_queue_xmit(ctx: CallContext) -> int:
    """The packet to skb->dev's queue; NET_XMIT_SUCCESS, _DROP (the queue is full) or
    _CN (the device is down), and the buffer is the stack's whatever the result."""
    skb, net = ctx.arg(0), ctx.kernel.net
    if skb not in net.skbs:
        warn(ctx, [f"dev_queue_xmit of {skb:#x}, which is no live sk_buff"])
        return N.NET_XMIT_DROP
    blackhole = ctx.kernel.symbol_address("blackhole_netdev") or 0
    try:
        return net.queue_xmit(skb, blackhole + 8 if blackhole else 0) & MASK
    except N.NetError as e:
        warn(ctx, [f"dev_queue_xmit: {e}"])
        net.free_skb(skb)
        return N.NET_XMIT_DROP


# -- netdev_printk -------------------------------------------------------------------------


def _reg_state(ctx: CallContext, dev: int) -> str:
    d = _dev(ctx, dev)
    if d is None or not d.registered and not d.name:
        return " (uninitialized)"
    return "" if d.registered else " (unregistered)"


def _netdev_log(ctx: CallContext, level: bytes, dev: int, fmt: int, first: int) -> None:
    body = format_args(ctx, fmt, first)
    if not dev:
        prefix = b"(NULL net_device): "
    else:
        name = cstr(ctx, dev + NS.NET_DEVICE.off("name"), NS.IFNAMSIZ).decode(errors="replace")
        prefix = f"{name}{_reg_state(ctx, dev)}: ".encode()
        parent = ctx.mem.read_u64(dev + NS.NET_DEVICE.off("dev__parent"))
        if parent:
            from lkmsh.kernel.kapi.chrdev import _dev_name, _driver_string

            prefix = f"{_driver_string(ctx, parent)} {_dev_name(ctx, parent)} ".encode() + prefix
    log_text(ctx, level + prefix + body)


@kapi(
    "netdev_printk",
    "void netdev_printk(const char *level, const struct net_device *dev, const char *format, ...)",
)
def netdev_printk(ctx: CallContext) -> None:
    _netdev_log(ctx, cstr(ctx, ctx.arg(0), 8), ctx.arg(1), ctx.arg(2), 3)


def _leveled(name: str, level: int) -> None:
    def impl(ctx: CallContext) -> None:
        _netdev_log(ctx, b"\x01" + str(level).encode(), ctx.arg(0), ctx.arg(1), 2)

    impl.__name__ = name
    impl.__doc__ = f"{name}(dev, fmt, ...): netdev_printk at level {level}."
    kapi(name, f"void {name}(const struct net_device *dev, const char *format, ...)")(impl)


for _n, _l in (
    ("netdev_emerg", 0),
    ("netdev_alert", 1),
    ("netdev_crit", 2),
    ("netdev_err", 3),
    ("netdev_warn", 4),
    ("netdev_notice", 5),
    ("netdev_info", 6),
):
    _leveled(_n, _l)
