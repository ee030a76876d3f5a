/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/scatterlist.h>, the layout of Linux 6.1 for 64-bit. lkmsh has
 * no struct page: page_link holds the page-aligned virtual address of the
 * buffer (with Linux's chain/end flags in its low bits), so sg_virt() is that
 * address plus offset, as page_address(sg_page(sg)) + offset is in Linux.
 */
#ifndef _LKMSH_LINUX_SCATTERLIST_H
#define _LKMSH_LINUX_SCATTERLIST_H

#include <linux/string.h>
#include <linux/types.h>

struct page;

struct scatterlist {
	unsigned long	page_link;
	unsigned int	offset;
	unsigned int	length;
	dma_addr_t	dma_address;
	unsigned int	dma_length;
};

#define SG_CHAIN	0x01UL
#define SG_END		0x02UL
#define SG_PAGE_LINK_MASK (SG_CHAIN | SG_END)
#define __LKMSH_SG_PAGE_MASK (~4095UL)

#define sg_is_chain(sg)		((sg)->page_link & SG_CHAIN)
#define sg_is_last(sg)		((sg)->page_link & SG_END)
#define sg_chain_ptr(sg)	\
	((struct scatterlist *) ((sg)->page_link & ~SG_PAGE_LINK_MASK))

static inline void sg_mark_end(struct scatterlist *sg)
{
	sg->page_link |= SG_END;
	sg->page_link &= ~SG_CHAIN;
}

static inline void sg_unmark_end(struct scatterlist *sg)
{
	sg->page_link &= ~SG_END;
}

static inline void sg_set_buf(struct scatterlist *sg, const void *buf, unsigned int buflen)
{
	unsigned long addr = (unsigned long)buf;

	sg->page_link = (addr & __LKMSH_SG_PAGE_MASK) | (sg->page_link & SG_PAGE_LINK_MASK);
	sg->offset = addr & ~__LKMSH_SG_PAGE_MASK;
	sg->length = buflen;
}

/* The page (its page-aligned address in lkmsh, as <linux/mm.h>) of @sg's buffer */
static inline struct page *sg_page(struct scatterlist *sg)
{
	return (struct page *)(sg->page_link & ~SG_PAGE_LINK_MASK);
}

static inline void sg_assign_page(struct scatterlist *sg, struct page *page)
{
	sg->page_link = (unsigned long)page | (sg->page_link & SG_PAGE_LINK_MASK);
}

static inline void sg_set_page(struct scatterlist *sg, struct page *page, unsigned int len,
			       unsigned int offset)
{
	sg_assign_page(sg, page);
	sg->offset = offset;
	sg->length = len;
}

static inline void *sg_virt(struct scatterlist *sg)
{
	unsigned long page = sg->page_link & ~SG_PAGE_LINK_MASK;

	/* a page allocator page (sg_set_page(sg, alloc_page(...), ...)) is a vmemmap pointer */
	if (page - 0xffffea0000000000UL < (1UL << 40))
		page = 0xffff888000000000UL + ((page - 0xffffea0000000000UL) / 64 << 12);
	return (void *)(page + sg->offset);
}

static inline void sg_init_table(struct scatterlist *sgl, unsigned int nents)
{
	memset(sgl, 0, sizeof(*sgl) * nents);
	sg_mark_end(&sgl[nents - 1]);
}

static inline void sg_init_one(struct scatterlist *sg, const void *buf, unsigned int buflen)
{
	sg_init_table(sg, 1);
	sg_set_buf(sg, buf, buflen);
}

static inline struct scatterlist *sg_next(struct scatterlist *sg)
{
	if (sg_is_last(sg))
		return NULL;
	sg++;
	if (sg_is_chain(sg))
		sg = sg_chain_ptr(sg);
	return sg;
}

static inline void sg_chain(struct scatterlist *prv, unsigned int prv_nents,
			    struct scatterlist *sgl)
{
	prv[prv_nents - 1].offset = 0;
	prv[prv_nents - 1].length = 0;
	prv[prv_nents - 1].page_link = ((unsigned long)sgl | SG_CHAIN) & ~SG_END;
}

#define for_each_sg(sglist, sg, nr, __i)	\
	for (__i = 0, sg = (sglist); __i < (nr); __i++, sg = sg_next(sg))

#endif
