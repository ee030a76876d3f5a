"""The layouts and constants of Linux 6.1's network devices and socket buffers
(<linux/netdevice.h>, <linux/skbuff.h>): apart from netdev.py, whose component is
built on first use, because the kernel's data (blackhole_netdev) needs them at boot."""

from __future__ import annotations

from lkmsh.kernel.cstructs import cstruct

NET_DEVICE = cstruct(
    "struct net_device", "linux/netdevice.h", 632,
    name=(0, 16), state=(40, 8), features=(64, 8), ifindex=(80, 4), flags=(84, 4),
    priv_flags=(88, 4), mtu=(92, 4), min_mtu=(96, 4), max_mtu=(100, 4), type=(104, 2),
    hard_header_len=(106, 2), addr_len=(109, 1), name_assign_type=(114, 1),
    needs_free_netdev=(115, 1), netdev_ops=(120, 8), stats__rx_packets=(144, 8),
    stats__tx_packets=(152, 8), stats__rx_bytes=(160, 8), stats__tx_bytes=(168, 8),
    stats__rx_errors=(176, 8), stats__tx_errors=(184, 8), stats__rx_dropped=(192, 8),
    stats__tx_dropped=(200, 8), tx_queue_len=(328, 4), watchdog_timeo=(332, 4),
    dev_addr=(336, 8), broadcast=(344, 32), perm_addr=(376, 32), priv_destructor=(408, 8),
    dev=(424, 176), dev__parent=(488, 8),
)  # fmt: skip
#: where dev->dev_addr points (lkmsh's __lkmsh_dev_addr, after struct device)
OFF_DEV_ADDR_STORE = NET_DEVICE.off("dev") + next(
    f.size for f in NET_DEVICE.fields if f.name == "dev"
)
NETDEV_ALIGN = 32
PRIV_OFFSET = (NET_DEVICE.size + NETDEV_ALIGN - 1) // NETDEV_ALIGN * NETDEV_ALIGN
NET_DEVICE_OPS = cstruct(
    "struct net_device_ops", "linux/netdevice.h", 192,
    ndo_init=(0, 8), ndo_uninit=(8, 8), ndo_open=(16, 8), ndo_stop=(24, 8),
    ndo_start_xmit=(32, 8), ndo_validate_addr=(80, 8), ndo_change_mtu=(136, 8),
    ndo_get_stats=(184, 8),
)  # fmt: skip
SK_BUFF = cstruct(
    "struct sk_buff", "linux/skbuff.h", 200,
    next=(0, 8), prev=(8, 8), dev=(16, 8), sk=(24, 8), tstamp=(32, 8), cb=(40, 48),
    len=(104, 4), data_len=(108, 4), mac_len=(112, 2), queue_mapping=(116, 2),
    priority=(128, 4), hash=(136, 4), vlan_proto=(140, 2), vlan_tci=(142, 2), mark=(148, 4),
    protocol=(160, 2), transport_header=(162, 2), network_header=(164, 2), mac_header=(166, 2),
    tail=(168, 4), end=(172, 4), head=(176, 8), data=(184, 8), truesize=(192, 4),
    users=(196, 4),
)  # fmt: skip
#: pkt_type is bits 0-2 of the byte at __pkt_type_offset (little-endian bit order): the
#: byte after queue_mapping's and cloned's (the C contract cannot name a bit-field)
PKT_TYPE_OFFSET = SK_BUFF.off("queue_mapping") + 3
PKT_TYPE_MASK = 0x7
SKB_SHARED_INFO = cstruct(
    "struct skb_shared_info", "linux/skbuff.h", 320,
    nr_frags=(2, 1), gso_size=(4, 2), gso_segs=(6, 2), frag_list=(8, 8), gso_type=(24, 4),
    dataref=(32, 4), frags=(48, 272),
)  # fmt: skip
SMP_CACHE_BYTES = 64


def skb_data_align(n: int) -> int:
    """SKB_DATA_ALIGN: rounded up to a cache line."""
    return (n + SMP_CACHE_BYTES - 1) & ~(SMP_CACHE_BYTES - 1)


STATS = ("rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "rx_errors", "tx_errors",
         "rx_dropped", "tx_dropped")  # fmt: skip
STATS_FIELDS = (*STATS, "multicast", "collisions")

IFF_UP, IFF_BROADCAST, IFF_LOOPBACK, IFF_POINTOPOINT = 1, 2, 8, 0x10
IFF_NOARP, IFF_MULTICAST, IFF_LOWER_UP, IFF_RUNNING = 0x80, 0x1000, 0x10000, 0x40
LINK_STATE_START, LINK_STATE_PRESENT, LINK_STATE_NOCARRIER = 0, 1, 2
ARPHRD_ETHER, ARPHRD_LOOPBACK, ARPHRD_NONE = 1, 772, 0xFFFE
NETDEV_TX_OK, NETDEV_TX_BUSY = 0, 0x10
NET_XMIT_SUCCESS, NET_XMIT_DROP, NET_XMIT_CN = 0, 1, 2
IFF_LIVE_ADDR_CHANGE, IFF_NO_QUEUE = 1 << 15, 1 << 21
ETH_MIN_MTU = 68
ETH_HLEN = 14
NET_SKB_PAD = 64
PACKETS_KEPT = 100
MAX_PACKET = 65535
IFNAMSIZ = 16

BLACKHOLE = "blackhole_dev"


def blackhole_image(at: int) -> bytes:
    """The bytes of the kernel symbol ``blackhole_netdev`` at @at: the pointer, then the
    device it points to as net/core/loopback.c leaves it at boot (gen_lo_setup with
    ETH_MIN_MTU, then IFF_UP | IFF_RUNNING; never registered, so in no list or sysfs)."""
    dev = at + 8
    image = bytearray(8 + NET_DEVICE.size)
    image[:8] = dev.to_bytes(8, "little")

    def put(name: str, value: int, size: int) -> None:
        o = 8 + NET_DEVICE.off(name)
        image[o : o + size] = value.to_bytes(size, "little")

    o = 8 + NET_DEVICE.off("name")
    image[o : o + len(BLACKHOLE)] = BLACKHOLE.encode()
    put("mtu", ETH_MIN_MTU, 4)
    put("hard_header_len", ETH_HLEN, 2)
    put("addr_len", 6, 1)
    put("type", ARPHRD_LOOPBACK, 2)
    put("flags", IFF_LOOPBACK | IFF_UP | IFF_RUNNING, 4)
    put("priv_flags", IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE, 4)
    put("dev_addr", dev + OFF_DEV_ADDR_STORE, 8)
    return bytes(image)
