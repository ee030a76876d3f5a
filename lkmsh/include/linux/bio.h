/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/bio.h>: walking a bio's segments and ending it, as Linux 6.1.
 */
#ifndef _LKMSH_LINUX_BIO_H
#define _LKMSH_LINUX_BIO_H

#include <linux/blk_types.h>

#define bio_iter_iovec(bio, iter)	bvec_iter_bvec((bio)->bi_io_vec, (iter))
#define bio_iter_page(bio, iter)	bvec_iter_page((bio)->bi_io_vec, (iter))
#define bio_iter_len(bio, iter)		bvec_iter_len((bio)->bi_io_vec, (iter))
#define bio_iter_offset(bio, iter)	bvec_iter_offset((bio)->bi_io_vec, (iter))
#define bio_page(bio)			bio_iter_page((bio), (bio)->bi_iter)
#define bio_offset(bio)			bio_iter_offset((bio), (bio)->bi_iter)
#define bio_sectors(bio)		((bio)->bi_iter.bi_size >> 9)
#define bio_end_sector(bio)		((bio)->bi_iter.bi_sector + bio_sectors((bio)))
#define bio_data_dir(bio)		(op_is_write(bio_op(bio)) ? WRITE : READ)

static inline void *bio_data(struct bio *bio)
{
	if (bio->bi_iter.bi_size)
		return (char *)page_address(bio_page(bio)) + bio_offset(bio);
	return NULL;
}

static inline void bio_advance_iter_single(const struct bio *bio, struct bvec_iter *iter,
					   unsigned int bytes)
{
	iter->bi_sector += bytes >> 9;
	bvec_iter_advance_single(bio->bi_io_vec, iter, bytes);
}

#define __bio_for_each_segment(bvl, bio, iter, start)			\
	for (iter = (start);						\
	     (iter).bi_size && ((bvl = bio_iter_iovec((bio), (iter))), 1); \
	     bio_advance_iter_single((bio), &(iter), (bvl).bv_len))

#define bio_for_each_segment(bvl, bio, iter)				\
	__bio_for_each_segment(bvl, bio, iter, (bio)->bi_iter)

#define bio_for_each_bvec(bvl, bio, iter) bio_for_each_segment(bvl, bio, iter)

#define bio_iter_last(bvec, iter) ((iter).bi_size == (bvec).bv_len)

void bio_endio(struct bio *bio);

static inline void bio_io_error(struct bio *bio)
{
	bio->bi_status = BLK_STS_IOERR;
	bio_endio(bio);
}

static inline void bio_wouldblock_error(struct bio *bio)
{
	bio->bi_status = BLK_STS_AGAIN;
	bio_endio(bio);
}

#endif
