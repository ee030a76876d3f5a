// SPDX-License-Identifier: MIT
/*
 * lkmsh's kernel library: the paged side of struct sk_buff (net/core/skbuff.c's
 * calls a module reaches, and the part of the flow dissector BPF's
 * SKF_AD_PAY_OFFSET needs), written on lkmsh's <linux/skbuff.h>.
 *
 * A buffer is its linear part (data .. data + skb_headlen()), then the page
 * fragments of its skb_shared_info in order, then the buffers on its frag_list
 * (each with its own fragments), as Linux walks them. The sk_buff and its head
 * are the host kernel's (kernel/netdev.py: allocated, tracked, freed there);
 * when it frees a buffer with fragments or a frag_list it calls
 * __lkmsh_skb_release_data() here first, as skb_release_data() drops them.
 */
#include <linux/err.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/mm.h>
#include <linux/netdev_features.h>
#include <linux/skbuff.h>

void skb_add_rx_frag(struct sk_buff *skb, int i, struct page *page, int off, int size,
		     unsigned int truesize)
{
	skb_fill_page_desc(skb, i, page, off, size);
	skb->len += size;
	skb->data_len += size;
	skb->truesize += truesize;
}

static unsigned int min_u(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

/* @len bytes from @offset of the packet into @to: 0, or -EFAULT past its end */
int skb_copy_bits(const struct sk_buff *skb, int offset, void *to, int len)
{
	const struct skb_shared_info *sh = skb_shinfo(skb);
	unsigned int start = skb_headlen(skb), i;
	const struct sk_buff *frag;
	u8 *out = to;

	if (offset < 0 || len < 0 || offset > (int)skb->len - len)
		return -EFAULT;
	if ((unsigned int)offset < start) {
		unsigned int n = min_u(start - offset, len);

		memcpy(out, skb->data + offset, n);
		out += n;
		offset += n;
		len -= n;
	}
	for (i = 0; len && i < sh->nr_frags; i++) {
		const skb_frag_t *f = &sh->frags[i];
		unsigned int end = start + skb_frag_size(f);

		if ((unsigned int)offset < end) {
			unsigned int n = min_u(end - offset, len);

			memcpy(out, (u8 *)skb_frag_address(f) + (offset - start), n);
			out += n;
			offset += n;
			len -= n;
		}
		start = end;
	}
	for (frag = sh->frag_list; len && frag; frag = frag->next) {
		unsigned int end = start + frag->len;

		if ((unsigned int)offset < end) {
			unsigned int n = min_u(end - offset, len);

			if (skb_copy_bits(frag, offset - start, out, n))
				return -EFAULT;
			out += n;
			offset += n;
			len -= n;
		}
		start = end;
	}
	return len ? -EFAULT : 0;
}

void kfree_skb_list_reason(struct sk_buff *segs, enum skb_drop_reason reason)
{
	while (segs) {
		struct sk_buff *next = segs->next;

		kfree_skb_reason(segs, reason);
		segs = next;
	}
}

/* skb_release_data(): the last user of the data drops its pages and its frag_list */
void __lkmsh_skb_release_data(struct sk_buff *skb)
{
	struct skb_shared_info *sh = skb_shinfo(skb);
	unsigned int i;

	if (!atomic_dec_and_test(&sh->dataref))
		return;
	for (i = 0; i < sh->nr_frags; i++)
		put_page(skb_frag_page(&sh->frags[i]));
	sh->nr_frags = 0;
	if (sh->frag_list) {
		struct sk_buff *list = sh->frag_list;

		sh->frag_list = NULL;
		kfree_skb_list(list);
	}
}

/* the bytes __copy_skb_header() copies at once: the headers group */
#define HEADERS_START	PKT_TYPE_OFFSET
#define HEADERS_END	(offsetof(struct sk_buff, mac_header) + sizeof(__u16))

/*
 * skb_segment(): a GSO buffer cut into gso_size pieces of its payload, each
 * a new linear buffer that starts with a copy of the headers before data
 * (from the MAC header) and the metadata of the headers group, its data at
 * the MAC header as Linux leaves its segments; the list is linked by ->next,
 * the first segment's ->prev its last. lkmsh copies the payload (from the
 * linear part, the fragments and the frag_list alike) rather than sharing
 * pages. ERR_PTR(-EINVAL) without a gso_size, ERR_PTR(-ENOMEM) when a
 * segment cannot be allocated.
 */
struct sk_buff *skb_segment(struct sk_buff *head_skb, netdev_features_t features)
{
	unsigned int mss = skb_shinfo(head_skb)->gso_size;
	unsigned int headroom, doffset, offset = 0;
	struct sk_buff *segs = NULL, *tail = NULL;
	const u8 *hdr;

	if (!mss)
		return ERR_PTR(-EINVAL);
	if (skb_mac_header_was_set(head_skb)) {
		hdr = skb_mac_header(head_skb);
		doffset = head_skb->data - hdr;
	} else {
		hdr = head_skb->data;
		doffset = 0;
	}
	/* the same room before the headers: every header offset stays as it is */
	headroom = hdr - head_skb->head;
	while (offset < head_skb->len) {
		unsigned int chunk = min_u(mss, head_skb->len - offset);
		struct sk_buff *nskb = __alloc_skb(headroom + doffset + chunk, GFP_ATOMIC, 0,
						   NUMA_NO_NODE);

		if (!nskb) {
			kfree_skb_list(segs);
			return ERR_PTR(-ENOMEM);
		}
		skb_reserve(nskb, headroom);
		memcpy((u8 *)nskb + HEADERS_START, (const u8 *)head_skb + HEADERS_START,
		       HEADERS_END - HEADERS_START);
		nskb->dev = head_skb->dev;
		nskb->priority = head_skb->priority;
		nskb->mac_len = head_skb->mac_len;
		memcpy(__skb_put(nskb, doffset), hdr, doffset);
		if (skb_copy_bits(head_skb, offset, __skb_put(nskb, chunk), chunk)) {
			kfree_skb(nskb);
			kfree_skb_list(segs);
			return ERR_PTR(-EFAULT);
		}
		if (tail)
			tail->next = nskb;
		else
			segs = nskb;
		tail = nskb;
		offset += chunk;
	}
	if (segs)
		segs->prev = tail;
	return segs;
}

/* ---- the flow dissector, as far as skb_get_poff() needs it ---- */

#define FLOW_DIS_IS_FRAGMENT	1
#define FLOW_DIS_FIRST_FRAG	2

struct poff_keys {
	unsigned int thoff;	/* where the transport header starts */
	unsigned int flags;
	u8 ip_proto;
};

/*
 * __skb_flow_dissect() from the network header by skb->protocol, through
 * VLAN tags, IPv4 and IPv6 (and its extension headers), without parsing past
 * a fragment: false when a header it needs is not all in the packet
 */
static bool dissect(const struct sk_buff *skb, struct poff_keys *keys)
{
	unsigned int nhoff = skb->network_header - (skb->data - skb->head);
	u16 proto = ntohs(skb->protocol);
	u8 buf[40];
	const u8 *h;

	for (;;) {
		switch (proto) {
		case ETH_P_8021Q:
		case ETH_P_8021AD:
			h = skb_header_pointer(skb, nhoff, 4, buf);
			if (!h)
				return false;
			proto = h[2] << 8 | h[3];
			nhoff += 4;
			continue;
		case ETH_P_IP: {
			unsigned int ihl, frag;

			h = skb_header_pointer(skb, nhoff, 20, buf);
			if (!h)
				return false;
			ihl = h[0] & 0xf;
			if (ihl < 5)
				return false;
			nhoff += ihl * 4;
			keys->ip_proto = h[9];
			frag = (h[6] << 8 | h[7]) & 0x3fff;	/* IP_MF | IP_OFFSET */
			if (frag) {
				keys->flags |= FLOW_DIS_IS_FRAGMENT;
				if (!(frag & 0x1fff))
					keys->flags |= FLOW_DIS_FIRST_FRAG;
			}
			keys->thoff = nhoff;
			return true;
		}
		case ETH_P_IPV6: {
			u8 next;

			h = skb_header_pointer(skb, nhoff, 40, buf);
			if (!h)
				return false;
			next = h[6];
			nhoff += 40;
			for (;;) {
				if (next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING ||
				    next == IPPROTO_DSTOPTS) {
					h = skb_header_pointer(skb, nhoff, 2, buf);
					if (!h)
						return false;
					next = h[0];
					nhoff += (h[1] + 1) * 8;
					continue;
				}
				if (next == IPPROTO_FRAGMENT) {
					h = skb_header_pointer(skb, nhoff, 8, buf);
					if (!h)
						return false;
					keys->flags |= FLOW_DIS_IS_FRAGMENT;
					if (!((h[2] << 8 | h[3]) & 0xfff8))
						keys->flags |= FLOW_DIS_FIRST_FRAG;
					next = h[0];
					nhoff += 8;
				}
				break;
			}
			keys->ip_proto = next;
			keys->thoff = nhoff;
			return true;
		}
		case ETH_P_ARP:
		case ETH_P_RARP:
			keys->thoff = nhoff;
			return true;
		default:
			return false;
		}
	}
}

/* the payload's offset from data: the transport header plus its length (0: no IP header) */
u32 skb_get_poff(const struct sk_buff *skb)
{
	struct poff_keys keys = { 0 };
	u32 poff;
	u8 buf[20];
	const u8 *th;

	if (!dissect(skb, &keys))
		return 0;
	poff = keys.thoff;
	if ((keys.flags & FLOW_DIS_IS_FRAGMENT) && !(keys.flags & FLOW_DIS_FIRST_FRAG))
		return poff;
	switch (keys.ip_proto) {
	case IPPROTO_TCP:
		th = skb_header_pointer(skb, poff + 12, 1, buf);	/* doff */
		if (!th)
			return poff;
		poff += (*th >> 4) * 4 > 20 ? (*th >> 4) * 4 : 20;
		break;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
	case IPPROTO_IGMP:
		poff += 8;	/* udphdr, icmphdr, icmp6hdr, igmphdr */
		break;
	case IPPROTO_DCCP:
		poff += 16;	/* struct dccp_hdr */
		break;
	case IPPROTO_SCTP:
		poff += 12;	/* struct sctphdr */
		break;
	}
	return poff;
}
