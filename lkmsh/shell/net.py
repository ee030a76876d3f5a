"""``ip link`` and ``tcpdump`` over the kernel's network devices, ``ip send`` and ``cn send``.

``ip link show [NAME]`` and ``ip -s link`` print what iproute2 6.1 prints;
``ip link set NAME up|down|mtu N`` is dev_open/dev_close/dev_set_mtu, with
iproute2's messages when the kernel refuses. ``ip send NAME HEXBYTES``
(lkmsh's own) hands one packet to the device as the stack would
(dev_queue_xmit: ``->ndo_start_xmit``, or the queue while it is stopped).
``cn send IDX.VAL TEXT`` (lkmsh's own) is user space sending a netlink
connector message, as samples/connector/ucon.c does: the callback registered
for that id runs with it. ``tcpdump -i NAME`` prints the packets the device sent and the ones its
driver passed up (netif_rx), as ``tcpdump -e -n -tt -xx`` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lkmsh.errors import KernelError
from lkmsh.shell.context import Context
from lkmsh.shell.registry import Arg, Kind, Opt, command
from lkmsh.shell.render import View

#: iproute2's print_link_flags order
FLAG_NAMES = (
    (0x8, "LOOPBACK"), (0x2, "BROADCAST"), (0x10, "POINTOPOINT"), (0x1000, "MULTICAST"),
    (0x80, "NOARP"), (0x200, "ALLMULTI"), (0x100, "PROMISC"), (0x20, "NOTRAILERS"),
    (0x4, "DEBUG"), (0x8000, "DYNAMIC"), (0x4000, "AUTOMEDIA"), (0x2000, "PORTSEL"),
    (0x400, "MASTER"), (0x800, "SLAVE"), (0x1, "UP"), (0x10000, "LOWER_UP"),
    (0x20000, "DORMANT"), (0x40000, "ECHO"),
)  # fmt: skip
LINK_TYPES = {1: "ether", 772: "loopback", 0xFFFE: "none", 0xFFFF: "void"}
ETHERTYPES = {0x0800: "IPv4", 0x0806: "ARP", 0x86DD: "IPv6", 0x8100: "802.1Q"}


@dataclass
class TextView(View):
    text: str
    data: Any

    def plain(self) -> str:
        return self.text

    def to_json(self) -> Any:
        return self.data


def _flags(flags: int) -> str:
    names = [n for bit, n in FLAG_NAMES if flags & bit]
    if flags & 1 and not flags & 0x10000:
        names.insert(0, "NO-CARRIER")
    return ",".join(names)


def _link_lines(link: Any, stats: bool) -> list[str]:
    up = link.flags & 1
    qdisc = ("pfifo_fast" if link.qlen else "noqueue") if up else "noop"
    qlen = f" qlen {link.qlen}" if link.qlen else ""
    kind = LINK_TYPES.get(link.type, f"[{link.type}]")
    out = [
        f"{link.ifindex}: {link.name}: <{_flags(link.flags)}> mtu {link.mtu} qdisc {qdisc} "
        f"state {link.operstate.upper()} mode DEFAULT group default{qlen}",
        f"    link/{kind} {link.address or '00:00:00:00:00:00'} brd {link.broadcast or '00:00:00:00:00:00'}"
        if link.type != 0xFFFE else f"    link/{kind} ",
    ]  # fmt: skip
    if stats:
        s = link.stats
        out += [
            "    RX:  bytes packets errors dropped  missed   mcast           ",
            f"    {s['rx_bytes']:>10} {s['rx_packets']:>7} {s['rx_errors']:>6} "
            f"{s['rx_dropped']:>7} {0:>7} {s['multicast']:>7} ",
            "    TX:  bytes packets errors dropped carrier collsns           ",
            f"    {s['tx_bytes']:>10} {s['tx_packets']:>7} {s['tx_errors']:>6} "
            f"{s['tx_dropped']:>7} {0:>7} {s['collisions']:>7} ",
        ]
    return out


def _link_json(link: Any) -> dict[str, Any]:
    return {
        "ifindex": link.ifindex, "ifname": link.name, "flags": _flags(link.flags).split(","),
        "mtu": link.mtu, "operstate": link.operstate.upper(), "link_type": LINK_TYPES.get(link.type),
        "address": link.address, "broadcast": link.broadcast, "txqlen": link.qlen,
        "stats64": {"rx": {k[3:]: v for k, v in link.stats.items() if k.startswith("rx_")},
                    "tx": {k[3:]: v for k, v in link.stats.items() if k.startswith("tx_")}},
    }  # fmt: skip


@command(
    "ip",
    "Network devices: ip [-s] link [show [NAME]] | ip link set NAME up|down|mtu N | "
    "ip send NAME HEXBYTES",
    args=[Arg("words", Kind.TEXT, many=True, required=False)],
    opts=[Opt(("-s", "--stats"), "stats", "Show the devices' packet counters")],
    mutates=lambda p: (
        bool(p.get("words"))
        and p["words"][0] == "send"
        or tuple(p.get("words") or ())[:2] == ("link", "set")
    ),
)
def ip(ctx: Context, words: tuple[str, ...], stats: bool = False) -> Any:
    words = tuple(words)
    obj = words[0] if words else "link"
    k = ctx.kernel()
    try:
        if obj in ("link", "l", "li", "lin"):
            rest = words[1:]
            if rest[:1] == ("set",):
                return _set(ctx, k, rest[1:])
            if rest[:1] in (("show",), ("list",), ("sh",), ("ls",)):
                rest = rest[1:]
            rest = rest[1:] if rest[:1] == ("dev",) else rest
            links = k.net_devices()
            if rest:
                links = [ln for ln in links if ln.name == rest[0]]
                if not links:
                    ctx.fail(f'Device "{rest[0]}" does not exist.')
                    return None
            text = "".join(ln + "\n" for link in links for ln in _link_lines(link, stats))
            return TextView(text, [_link_json(link) for link in links])
        if obj == "send":
            return _send(ctx, k, words[1:])
    except KernelError as exc:
        ctx.fail(exc.message or exc.strerror)
        return None
    ctx.fail(f'Object "{obj}" is unknown, try "ip help".')
    return None


def _set(ctx: Context, k: Any, words: tuple[str, ...]) -> Any:
    words = words[1:] if words[:1] == ("dev",) else words
    if len(words) < 2:
        ctx.fail("ip link set NAME up|down|mtu N")
        return None
    name, what = words[0], words[1:]
    if name not in {ln.name for ln in k.net_devices()}:
        ctx.fail(f'Cannot find device "{name}"')
        return None
    if what == ("up",) or what == ("down",):
        k.net_set_up(name, what[0] == "up")
    elif len(what) == 2 and what[0] == "mtu":
        try:
            mtu = int(what[1], 0)
        except ValueError:
            ctx.fail(f'Error: argument "{what[1]}" is wrong: Invalid "mtu" value')
            return None
        k.net_set_mtu(name, mtu)
    else:
        ctx.fail(f'Error: either "dev" is duplicate, or "{what[0]}" is a garbage.')
        return None
    return None


def _send(ctx: Context, k: Any, words: tuple[str, ...]) -> Any:
    if len(words) < 2:
        ctx.fail("ip send NAME HEXBYTES (e.g. ffffffffffff 020000000001 0800 68656c6c6f)")
        return None
    text = "".join(words[1:]).replace(":", "").removeprefix("0x")
    try:
        data = bytes.fromhex(text)
    except ValueError:
        ctx.fail(f"invalid hex bytes '{' '.join(words[1:])}'")
        return None
    how = k.net_send(words[0], data)
    if how == "dropped":
        ctx.fail(f"{words[0]}: the queue is full: the packet was dropped")
    elif how == "queued":
        ctx.err.write(f"ip: {words[0]}: the queue is stopped: the packet waits in the qdisc\n")
    return TextView("", {"device": words[0], "bytes": len(data), "result": how})


def _hex_lines(data: bytes) -> list[str]:
    out = []
    for at in range(0, len(data), 16):
        chunk = data[at : at + 16]
        groups = [chunk[i : i + 2].hex() for i in range(0, len(chunk), 2)]
        out.append(f"\t0x{at:04x}:  {' '.join(groups)}")
    return out


def _mac(raw: bytes) -> str:
    return ":".join(f"{b:02x}" for b in raw)


@command(
    "tcpdump",
    "Show the packets a network device sent and received: tcpdump -i NAME [-c COUNT] [-t]",
    args=[],
    opts=[
        Opt(("-i", "--interface"), "interface", "The device", Kind.TEXT, metavar="NAME"),
        Opt(("-c",), "count", "Show only the last COUNT packets", Kind.TEXT, metavar="COUNT"),
        Opt(("-t",), "no_time", "Print no timestamp"),
    ],
)
def tcpdump(ctx: Context, interface: str | None, count: str | None, no_time: bool = False) -> Any:
    if interface is None:
        ctx.fail("tcpdump: -i NAME: which device (lkmsh captures one device's packets)")
        return None
    try:
        packets = ctx.kernel().net_packets(interface)
    except KernelError:
        ctx.fail(f"{interface}: No such device exists")
        return None
    if count is not None:
        try:
            packets = packets[-int(count) :] if int(count) > 0 else []
        except ValueError:
            ctx.fail(f"invalid packet count {count}")
            return None
    lines, data = [], []
    for ns, way, pkt in packets:
        stamp = f"{ns // 1_000_000_000}.{ns // 1000 % 1_000_000:06d}"
        direction = "Out" if way == "out" else "In "
        if len(pkt) >= 14:
            proto = int.from_bytes(pkt[12:14], "big")
            name = ETHERTYPES.get(proto, "Unknown")
            what = (
                f"ethertype {name} (0x{proto:04x})" if proto >= 0x600 else f"802.3, length {proto}"
            )
            head = f"{_mac(pkt[6:12])} > {_mac(pkt[:6])}, {what}, length {len(pkt)}: "
        else:
            head = f"[|ether] length {len(pkt)}: "
        lines.append(f"{direction} {head}" if no_time else f"{stamp} {direction} {head}")
        lines += _hex_lines(pkt)
        data.append({"ns": ns, "direction": way, "bytes": pkt.hex()})
    return TextView("".join(ln + "\n" for ln in lines), data)


@command(
    "cn",
    "Send a netlink connector message, as user space does (ucon.c): "
    "cn send IDX.VAL TEXT [--seq N] [--ack N]",
    args=[Arg("words", Kind.TEXT, many=True, required=False)],
    opts=[
        Opt(("--seq",), "seq", "The message's sequence number", Kind.TEXT, metavar="N"),
        Opt(("--ack",), "ack", "The message's acknowledge number", Kind.TEXT, metavar="N"),
    ],
    mutates=lambda p: True,
)
def cn(ctx: Context, words: tuple[str, ...], seq: str | None = None, ack: str | None = None) -> Any:
    words = tuple(words)
    usage = "cn send IDX.VAL TEXT [--seq N] [--ack N] (ids: cat /proc/net/connector)"
    if len(words) < 2 or words[0] != "send":
        ctx.fail(usage)
        return None
    try:
        idx, val = (int(part, 0) for part in words[1].replace(":", ".").split("."))
        numbers = [int(v, 0) if v is not None else 0 for v in (seq, ack)]
    except ValueError:
        ctx.fail(f"invalid id or number in '{' '.join(words[1:2])}' ({usage})")
        return None
    if not all(0 <= n < 1 << 32 for n in (idx, val, *numbers)):
        ctx.fail("ids and numbers are 32-bit unsigned")
        return None
    # a C string, as ucon.c sends it: the callback may print msg->data with %s
    data = " ".join(words[2:]).encode() + b"\0"
    try:
        name = ctx.kernel().connector_send(idx, val, data, *numbers)
    except KernelError as exc:
        ctx.fail(exc.message or exc.strerror)
        return None
    return TextView("", {"id": f"{idx}.{val}", "callback": name, "bytes": len(data)})
