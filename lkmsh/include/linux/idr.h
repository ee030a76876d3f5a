/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/idr.h>, as Linux 6.1: IDR (small integer IDs mapped to
 * pointers) and IDA (IDs alone), over lkmsh's xarray (<linux/xarray.h>).
 */
#ifndef _LKMSH_LINUX_IDR_H
#define _LKMSH_LINUX_IDR_H

#include <linux/bitops.h>	/* as Linux's reaches it through <linux/radix-tree.h> */
#include <linux/gfp.h>
#include <linux/xarray.h>

struct idr {
	struct xarray	idr_rt;
	unsigned int	idr_base;
	unsigned int	idr_next;
};

#define IDR_INIT_BASE(name, base) {					\
	.idr_rt = XARRAY_INIT(name, 0),					\
	.idr_base = (base),						\
	.idr_next = 0,							\
}

#define IDR_INIT(name)	IDR_INIT_BASE(name, 0)
#define DEFINE_IDR(name)	struct idr name = IDR_INIT(name)

int idr_alloc(struct idr *idr, void *ptr, int start, int end, gfp_t gfp);
int idr_alloc_cyclic(struct idr *idr, void *ptr, int start, int end, gfp_t gfp);
void *idr_remove(struct idr *idr, unsigned long id);
void *idr_find(const struct idr *idr, unsigned long id);
int idr_for_each(const struct idr *idr, int (*fn)(int id, void *p, void *data), void *data);
void *idr_get_next(struct idr *idr, int *nextid);
void *idr_replace(struct idr *idr, void *ptr, unsigned long id);
void idr_destroy(struct idr *idr);
bool idr_is_empty(const struct idr *idr);

static inline void idr_init_base(struct idr *idr, int base)
{
	xa_init_flags(&idr->idr_rt, 0);
	idr->idr_base = base;
	idr->idr_next = 0;
}

static inline void idr_init(struct idr *idr)
{
	idr_init_base(idr, 0);
}

static inline void idr_preload(gfp_t gfp_mask)
{
}

static inline void idr_preload_end(void)
{
}

#define idr_for_each_entry(idr, entry, id)			\
	for (id = 0; ((entry) = idr_get_next(idr, &(id))) != NULL; id += 1U)

/* An IDA's leaves: a 128-byte bitmap of IDs (Linux keeps small ones in a value entry). */
#define IDA_CHUNK_SIZE		128
#define IDA_BITMAP_LONGS	(IDA_CHUNK_SIZE / sizeof(long))
#define IDA_BITMAP_BITS		(IDA_BITMAP_LONGS * sizeof(long) * 8)

struct ida_bitmap {
	unsigned long		bitmap[IDA_BITMAP_LONGS];
};

struct ida {
	struct xarray xa;
};

#define IDA_INIT(name)	{ .xa = XARRAY_INIT(name, XA_FLAGS_ALLOC) }
#define DEFINE_IDA(name)	struct ida name = IDA_INIT(name)

int ida_alloc_range(struct ida *, unsigned int min, unsigned int max, gfp_t);
void ida_free(struct ida *, unsigned int id);
void ida_destroy(struct ida *ida);

static inline int ida_alloc(struct ida *ida, gfp_t gfp)
{
	return ida_alloc_range(ida, 0, ~0, gfp);
}

static inline int ida_alloc_min(struct ida *ida, unsigned int min, gfp_t gfp)
{
	return ida_alloc_range(ida, min, ~0, gfp);
}

static inline int ida_alloc_max(struct ida *ida, unsigned int max, gfp_t gfp)
{
	return ida_alloc_range(ida, 0, max, gfp);
}

static inline void ida_init(struct ida *ida)
{
	xa_init_flags(&ida->xa, XA_FLAGS_ALLOC);
}

#define ida_simple_get(ida, start, end, gfp)	\
			ida_alloc_range(ida, start, (end) - 1, gfp)
#define ida_simple_remove(ida, id)	ida_free(ida, id)

static inline bool ida_is_empty(const struct ida *ida)
{
	return xa_empty(&ida->xa);
}

#endif
