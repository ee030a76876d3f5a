/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: struct sk_buff and the buffer calls drivers use, as Linux 6.1's
 * <linux/skbuff.h> on 64-bit (tail and end are offsets from head). The
 * layout is Linux 6.1's for a configuration without the optional members
 * (no conntrack, traffic control, XPS, secmark, skb extensions): every
 * field in Linux's order, the bit-fields included. struct skb_shared_info
 * follows the data at skb_end_pointer(), with the paged fragments and the
 * frag_list; the fragment and segmentation code is lkmsh's kernel library
 * (lkmsh/klib/skbuff.c). skb_put/skb_push/skb_pull check their bounds as
 * Linux does (an overrun is skb_over_panic's BUG).
 */
#ifndef _LKMSH_LINUX_SKBUFF_H
#define _LKMSH_LINUX_SKBUFF_H

#include <linux/types.h>
#include <linux/string.h>
#include <linux/refcount.h>
#include <linux/gfp.h>
#include <linux/ktime.h>
#include <linux/if_ether.h>
#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/rbtree_types.h>
#include <linux/mm.h>
#include <linux/bvec.h>
#include <linux/err.h>
#include <asm/byteorder.h>

struct net_device;
struct sock;

typedef unsigned int sk_buff_data_t;
typedef u64 netdev_features_t;

#define PACKET_HOST		0
#define PACKET_BROADCAST	1
#define PACKET_MULTICAST	2
#define PACKET_OTHERHOST	3
#define PACKET_OUTGOING		4
#define PACKET_LOOPBACK		5

#define CHECKSUM_NONE		0
#define CHECKSUM_UNNECESSARY	1
#define CHECKSUM_COMPLETE	2
#define CHECKSUM_PARTIAL	3

#define NET_SKB_PAD		64
#define NET_IP_ALIGN		0

struct sk_buff {
	union {
		struct {
			struct sk_buff		*next;
			struct sk_buff		*prev;
			union {
				struct net_device	*dev;
				unsigned long		dev_scratch;
			};
		};
		struct rb_node		rbnode;
		struct list_head	list;
		struct llist_node	ll_node;
	};
	union {
		struct sock		*sk;
		int			ip_defrag_offset;
	};
	union {
		ktime_t			tstamp;
		u64			skb_mstamp_ns;
	};
	char			cb[48] __attribute__((aligned(8)));
	union {
		struct {
			unsigned long	_skb_refdst;
			void		(*destructor)(struct sk_buff *skb);
		};
		struct list_head	tcp_tsorted_anchor;
	};
	unsigned int		len,
				data_len;
	__u16			mac_len,
				hdr_len;
	__u16			queue_mapping;
	__u8			__cloned_offset[0];
	__u8			cloned:1,
				nohdr:1,
				fclone:2,
				peeked:1,
				head_frag:1,
				pfmemalloc:1,
				pp_recycle:1;
	/* the headers group (copied whole by __copy_skb_header) */
	__u8			__pkt_type_offset[0];
	__u8			pkt_type:3;
	__u8			ignore_df:1;
	__u8			nf_trace:1;
	__u8			ip_summed:2;
	__u8			ooo_okay:1;

	__u8			l4_hash:1;
	__u8			sw_hash:1;
	__u8			wifi_acked_valid:1;
	__u8			wifi_acked:1;
	__u8			no_fcs:1;
	__u8			encapsulation:1;
	__u8			encap_hdr_csum:1;
	__u8			csum_valid:1;

	__u8			__pkt_vlan_present_offset[0];
	__u8			vlan_present:1;
	__u8			csum_complete_sw:1;
	__u8			csum_level:2;
	__u8			dst_pending_confirm:1;
	__u8			mono_delivery_time:1;
	__u8			ipvs_property:1;
	__u8			inner_protocol_type:1;
	__u8			remcsum_offload:1;
	__u8			redirected:1;
	__u8			slow_gro:1;
	__u8			csum_not_inet:1;

	union {
		__wsum		csum;
		struct {
			__u16	csum_start;
			__u16	csum_offset;
		};
	};
	__u32			priority;
	int			skb_iif;
	__u32			hash;
	__be16			vlan_proto;
	__u16			vlan_tci;
	u16			alloc_cpu;
	union {
		__u32		mark;
		__u32		reserved_tailroom;
	};
	union {
		__be16		inner_protocol;
		__u8		inner_ipproto;
	};
	__u16			inner_transport_header;
	__u16			inner_network_header;
	__u16			inner_mac_header;
	__be16			protocol;
	__u16			transport_header;
	__u16			network_header;
	__u16			mac_header;
	/* end of the headers group */
	sk_buff_data_t		tail;
	sk_buff_data_t		end;
	unsigned char		*head,
				*data;
	unsigned int		truesize;
	refcount_t		users;
};

/* where BPF's ancillary loads find the bit-fields (little-endian bit order) */
#define PKT_TYPE_MAX		7
#define PKT_TYPE_OFFSET		offsetof(struct sk_buff, __pkt_type_offset)
#define PKT_VLAN_PRESENT_BIT	0
#define PKT_VLAN_PRESENT_OFFSET	offsetof(struct sk_buff, __pkt_vlan_present_offset)
#define CLONED_MASK		1
#define CLONED_OFFSET		offsetof(struct sk_buff, __cloned_offset)

/* paged data: a fragment is a piece of a page (Linux 6.1's skb_frag_t is a bio_vec) */
typedef struct bio_vec skb_frag_t;

#define MAX_SKB_FRAGS		(65536 / PAGE_SIZE + 1)

struct skb_shared_hwtstamps {
	union {
		ktime_t	hwtstamp;
		void	*netdev_data;
	};
};

/* at the end of the buffer (skb_end_pointer), as Linux lays it out */
struct skb_shared_info {
	__u8		flags;
	__u8		meta_len;
	__u8		nr_frags;
	__u8		tx_flags;
	unsigned short	gso_size;
	unsigned short	gso_segs;
	struct sk_buff	*frag_list;
	struct skb_shared_hwtstamps hwtstamps;
	unsigned int	gso_type;
	u32		tskey;
	atomic_t	dataref;
	unsigned int	xdp_frags_size;
	void		*destructor_arg;
	skb_frag_t	frags[MAX_SKB_FRAGS];
};

enum {
	SKB_GSO_TCPV4 = 1 << 0,
	SKB_GSO_DODGY = 1 << 1,
	SKB_GSO_TCP_ECN = 1 << 2,
	SKB_GSO_TCP_FIXEDID = 1 << 3,
	SKB_GSO_TCPV6 = 1 << 4,
	SKB_GSO_FCOE = 1 << 5,
	SKB_GSO_GRE = 1 << 6,
	SKB_GSO_GRE_CSUM = 1 << 7,
	SKB_GSO_IPXIP4 = 1 << 8,
	SKB_GSO_IPXIP6 = 1 << 9,
	SKB_GSO_UDP_TUNNEL = 1 << 10,
	SKB_GSO_UDP_TUNNEL_CSUM = 1 << 11,
	SKB_GSO_PARTIAL = 1 << 12,
	SKB_GSO_TUNNEL_REMCSUM = 1 << 13,
	SKB_GSO_SCTP = 1 << 14,
	SKB_GSO_ESP = 1 << 15,
	SKB_GSO_UDP = 1 << 16,
	SKB_GSO_UDP_L4 = 1 << 17,
	SKB_GSO_FRAGLIST = 1 << 18,
};

#define SKB_DATA_ALIGN(X)	(((X) + (SMP_CACHE_BYTES - 1)) & ~(SMP_CACHE_BYTES - 1))
#define SKB_WITH_OVERHEAD(X)	((X) - SKB_DATA_ALIGN(sizeof(struct skb_shared_info)))
#define SKB_TRUESIZE(X)		((X) + SKB_DATA_ALIGN(sizeof(struct sk_buff)) + \
				 SKB_DATA_ALIGN(sizeof(struct skb_shared_info)))

enum skb_drop_reason {
	SKB_NOT_DROPPED_YET = 0,
	SKB_CONSUMED,
	SKB_DROP_REASON_NOT_SPECIFIED,
};

struct sk_buff *__alloc_skb(unsigned int size, gfp_t priority, int flags, int node);
static inline struct sk_buff *alloc_skb(unsigned int size, gfp_t priority)
{
	return __alloc_skb(size, priority, 0, -1);
}
struct sk_buff *__netdev_alloc_skb(struct net_device *dev, unsigned int length, gfp_t gfp_mask);
static inline struct sk_buff *netdev_alloc_skb(struct net_device *dev, unsigned int length)
{
	return __netdev_alloc_skb(dev, length, GFP_ATOMIC);
}
static inline struct sk_buff *dev_alloc_skb(unsigned int length)
{
	return netdev_alloc_skb(NULL, length);
}
static inline struct sk_buff *netdev_alloc_skb_ip_align(struct net_device *dev, unsigned int length)
{
	return netdev_alloc_skb(dev, length + NET_IP_ALIGN);
}

void kfree_skb_reason(struct sk_buff *skb, enum skb_drop_reason reason);
static inline void kfree_skb(struct sk_buff *skb)
{
	kfree_skb_reason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
}
void consume_skb(struct sk_buff *skb);
struct sk_buff *skb_copy(const struct sk_buff *skb, gfp_t priority);
struct sk_buff *skb_clone(struct sk_buff *skb, gfp_t priority);

void *skb_put(struct sk_buff *skb, unsigned int len);
void *skb_push(struct sk_buff *skb, unsigned int len);
void *skb_pull(struct sk_buff *skb, unsigned int len);

static inline unsigned char *skb_tail_pointer(const struct sk_buff *skb)
{
	return skb->head + skb->tail;
}

static inline unsigned char *skb_end_pointer(const struct sk_buff *skb)
{
	return skb->head + skb->end;
}

static inline unsigned int skb_headroom(const struct sk_buff *skb)
{
	return skb->data - skb->head;
}

static inline int skb_tailroom(const struct sk_buff *skb)
{
	return skb->end - skb->tail;
}

static inline unsigned int skb_headlen(const struct sk_buff *skb)
{
	return skb->len - skb->data_len;
}

static inline void skb_reserve(struct sk_buff *skb, int len)
{
	skb->data += len;
	skb->tail += len;
}

static inline void *__skb_put(struct sk_buff *skb, unsigned int len)
{
	void *tmp = skb_tail_pointer(skb);

	skb->tail += len;
	skb->len  += len;
	return tmp;
}

static inline void *skb_put_data(struct sk_buff *skb, const void *data, unsigned int len)
{
	void *tmp = skb_put(skb, len);

	memcpy(tmp, data, len);
	return tmp;
}

static inline void *skb_put_zero(struct sk_buff *skb, unsigned int len)
{
	void *tmp = skb_put(skb, len);

	memset(tmp, 0, len);
	return tmp;
}

static inline void skb_copy_to_linear_data(struct sk_buff *skb, const void *from,
					   const unsigned int len)
{
	memcpy(skb->data, from, len);
}

static inline void skb_copy_from_linear_data(const struct sk_buff *skb, void *to,
					     const unsigned int len)
{
	memcpy(to, skb->data, len);
}

static inline unsigned char *skb_mac_header(const struct sk_buff *skb)
{
	return skb->head + skb->mac_header;
}

static inline void skb_reset_mac_header(struct sk_buff *skb)
{
	skb->mac_header = skb->data - skb->head;
}

static inline unsigned char *skb_network_header(const struct sk_buff *skb)
{
	return skb->head + skb->network_header;
}

static inline void skb_reset_network_header(struct sk_buff *skb)
{
	skb->network_header = skb->data - skb->head;
}

static inline void skb_set_network_header(struct sk_buff *skb, const int offset)
{
	skb->network_header = skb->data - skb->head + offset;
}

static inline void skb_set_mac_header(struct sk_buff *skb, const int offset)
{
	skb_reset_mac_header(skb);
	skb->mac_header += offset;
}

static inline int skb_mac_header_was_set(const struct sk_buff *skb)
{
	return skb->mac_header != (typeof(skb->mac_header))~0U;
}

static inline unsigned char *skb_transport_header(const struct sk_buff *skb)
{
	return skb->head + skb->transport_header;
}

static inline void skb_reset_transport_header(struct sk_buff *skb)
{
	skb->transport_header = skb->data - skb->head;
}

static inline void skb_set_transport_header(struct sk_buff *skb, const int offset)
{
	skb_reset_transport_header(skb);
	skb->transport_header += offset;
}

static inline struct ethhdr *eth_hdr(const struct sk_buff *skb)
{
	return (struct ethhdr *)skb_mac_header(skb);
}

static inline void skb_tx_timestamp(struct sk_buff *skb)
{
}

static inline void skb_orphan(struct sk_buff *skb)
{
	skb->sk = NULL;
}


/* -- shared info, paged fragments, segmentation (lkmsh/klib/skbuff.c) ------------- */

static inline struct skb_shared_info *skb_shinfo(const struct sk_buff *skb)
{
	return (struct skb_shared_info *)skb_end_pointer(skb);
}

static inline bool skb_is_nonlinear(const struct sk_buff *skb)
{
	return skb->data_len;
}

static inline bool skb_is_gso(const struct sk_buff *skb)
{
	return skb_shinfo(skb)->gso_size;
}

static inline bool skb_has_frag_list(const struct sk_buff *skb)
{
	return skb_shinfo(skb)->frag_list != NULL;
}

static inline bool skb_vlan_tag_present(const struct sk_buff *skb)
{
	return skb->vlan_present;
}

static inline unsigned int skb_frag_size(const skb_frag_t *frag)
{
	return frag->bv_len;
}

static inline void skb_frag_size_set(skb_frag_t *frag, unsigned int size)
{
	frag->bv_len = size;
}

static inline unsigned int skb_frag_off(const skb_frag_t *frag)
{
	return frag->bv_offset;
}

static inline struct page *skb_frag_page(const skb_frag_t *frag)
{
	return frag->bv_page;
}

static inline void *skb_frag_address(const skb_frag_t *frag)
{
	return page_address(skb_frag_page(frag)) + skb_frag_off(frag);
}

static inline void __skb_fill_page_desc_noacc(struct skb_shared_info *shinfo, int i,
					      struct page *page, int off, int size)
{
	skb_frag_t *frag = &shinfo->frags[i];

	frag->bv_page = page;
	frag->bv_offset = off;
	frag->bv_len = size;
}

static inline void __skb_fill_page_desc(struct sk_buff *skb, int i, struct page *page,
					int off, int size)
{
	__skb_fill_page_desc_noacc(skb_shinfo(skb), i, page, off, size);
}

static inline void skb_fill_page_desc(struct sk_buff *skb, int i, struct page *page,
				      int off, int size)
{
	__skb_fill_page_desc(skb, i, page, off, size);
	skb_shinfo(skb)->nr_frags = i + 1;
}

void skb_add_rx_frag(struct sk_buff *skb, int i, struct page *page, int off, int size,
		     unsigned int truesize);

static inline void *__skb_put_data(struct sk_buff *skb, const void *data, unsigned int len)
{
	void *tmp = __skb_put(skb, len);

	memcpy(tmp, data, len);
	return tmp;
}

static inline void *__skb_pull(struct sk_buff *skb, unsigned int len)
{
	skb->len -= len;
	return skb->data += len;
}

static inline void *__skb_push(struct sk_buff *skb, unsigned int len)
{
	skb->data -= len;
	skb->len  += len;
	return skb->data;
}

int skb_copy_bits(const struct sk_buff *skb, int offset, void *to, int len);

/* @len bytes at @offset of the packet: in place when the linear part holds them,
 * else copied (from the fragments too) into @buffer; NULL past the end */
static inline void *__skb_header_pointer(const struct sk_buff *skb, int offset, int len,
					 const void *data, int hlen, void *buffer)
{
	if (hlen - offset >= len)
		return (void *)data + offset;
	if (!skb || skb_copy_bits(skb, offset, buffer, len) < 0)
		return NULL;
	return buffer;
}

static inline void *skb_header_pointer(const struct sk_buff *skb, int offset, int len,
				       void *buffer)
{
	return __skb_header_pointer(skb, offset, len, skb->data, skb_headlen(skb), buffer);
}

void kfree_skb_list_reason(struct sk_buff *segs, enum skb_drop_reason reason);
static inline void kfree_skb_list(struct sk_buff *segs)
{
	kfree_skb_list_reason(segs, SKB_DROP_REASON_NOT_SPECIFIED);
}

struct sk_buff *skb_segment(struct sk_buff *skb, netdev_features_t features);

/* the offset of the payload past the transport header (the flow dissector's) */
u32 skb_get_poff(const struct sk_buff *skb);

#endif
