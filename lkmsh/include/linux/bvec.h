/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: struct bio_vec and struct bvec_iter, as Linux 6.1's <linux/bvec.h>.
 * The kernel builds every segment inside one page, so a multi-page bvec and
 * its single-page view are the same (bvec_iter_bvec = mp_bvec_iter_bvec).
 */
#ifndef _LKMSH_LINUX_BVEC_H
#define _LKMSH_LINUX_BVEC_H

#include <linux/types.h>
#include <linux/mm.h>
#include <linux/highmem.h>
#include <linux/minmax.h>

struct bio_vec {
	struct page	*bv_page;
	unsigned int	bv_len;
	unsigned int	bv_offset;
};

struct bvec_iter {
	sector_t		bi_sector;	/* device address in 512 byte sectors */
	unsigned int		bi_size;	/* residual I/O count */
	unsigned int		bi_idx;		/* current index into bvl_vec */
	unsigned int		bi_bvec_done;	/* number of bytes completed in current bvec */
} __attribute__((packed));

#define __bvec_iter_bvec(bvec, iter)	(&(bvec)[(iter).bi_idx])

#define mp_bvec_iter_page(bvec, iter)	(__bvec_iter_bvec((bvec), (iter))->bv_page)
#define mp_bvec_iter_len(bvec, iter)	\
	min((iter).bi_size, __bvec_iter_bvec((bvec), (iter))->bv_len - (iter).bi_bvec_done)
#define mp_bvec_iter_offset(bvec, iter)	\
	(__bvec_iter_bvec((bvec), (iter))->bv_offset + (iter).bi_bvec_done)

#define bvec_iter_page(bvec, iter)	mp_bvec_iter_page((bvec), (iter))
#define bvec_iter_len(bvec, iter)	mp_bvec_iter_len((bvec), (iter))
#define bvec_iter_offset(bvec, iter)	mp_bvec_iter_offset((bvec), (iter))

#define bvec_iter_bvec(bvec, iter)				\
((struct bio_vec) {						\
	.bv_page	= bvec_iter_page((bvec), (iter)),	\
	.bv_len		= bvec_iter_len((bvec), (iter)),	\
	.bv_offset	= bvec_iter_offset((bvec), (iter)),	\
})

static inline void bvec_iter_advance_single(const struct bio_vec *bv,
					    struct bvec_iter *iter, unsigned int bytes)
{
	unsigned int done = iter->bi_bvec_done + bytes;

	if (done == bv[iter->bi_idx].bv_len) {
		done = 0;
		iter->bi_idx++;
	}
	iter->bi_bvec_done = done;
	iter->bi_size -= bytes;
}

static inline void *bvec_kmap_local(struct bio_vec *bvec)
{
	return (char *)page_address(bvec->bv_page) + bvec->bv_offset;
}

static inline void memcpy_from_bvec(char *to, struct bio_vec *bvec)
{
	memcpy(to, bvec_kmap_local(bvec), bvec->bv_len);
}

static inline void memcpy_to_bvec(struct bio_vec *bvec, const char *from)
{
	memcpy(bvec_kmap_local(bvec), from, bvec->bv_len);
}

static inline void *bvec_virt(struct bio_vec *bvec)
{
	return bvec_kmap_local(bvec);
}

#endif
