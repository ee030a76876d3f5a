// SPDX-License-Identifier: MIT
/*
 * The data-moving part of lib/kfifo.c: a power-of-two ring of esize-byte
 * elements with free-running in/out counters, and the record variant where
 * each record starts with a 1- or 2-byte length. Allocation is the kernel's
 * (__kfifo_alloc/__kfifo_free are kernel functions in Python).
 */
#include "klib.h"

struct __kfifo {
	unsigned int in;
	unsigned int out;
	unsigned int mask;
	unsigned int esize;
	void *data;
};

static inline unsigned int min_u(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

static void copy(void *dst, const void *src, unsigned long n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
}

static unsigned int unused(struct __kfifo *fifo)
{
	return (fifo->mask + 1) - (fifo->in - fifo->out);
}

int __kfifo_init(struct __kfifo *fifo, void *buffer, unsigned int size, size_t esize)
{
	size /= esize;
	if (size & (size - 1)) /* round down to a power of two */
		size = 1U << (31 - __builtin_clz(size));
	fifo->in = 0;
	fifo->out = 0;
	fifo->esize = esize;
	fifo->data = buffer;
	if (size < 2) {
		fifo->mask = 0;
		return -22; /* -EINVAL */
	}
	fifo->mask = size - 1;
	return 0;
}

/* Copy len elements into the ring at element offset off (wrapping). */
static void copy_in(struct __kfifo *fifo, const void *src, unsigned int len, unsigned int off)
{
	unsigned int size = fifo->mask + 1, esize = fifo->esize, l;

	off &= fifo->mask;
	if (esize != 1) {
		off *= esize;
		size *= esize;
		len *= esize;
	}
	l = min_u(len, size - off);
	copy((char *)fifo->data + off, src, l);
	copy(fifo->data, (const char *)src + l, len - l);
}

static void copy_out(struct __kfifo *fifo, void *dst, unsigned int len, unsigned int off)
{
	unsigned int size = fifo->mask + 1, esize = fifo->esize, l;

	off &= fifo->mask;
	if (esize != 1) {
		off *= esize;
		size *= esize;
		len *= esize;
	}
	l = min_u(len, size - off);
	copy(dst, (const char *)fifo->data + off, l);
	copy((char *)dst + l, fifo->data, len - l);
}

unsigned int __kfifo_in(struct __kfifo *fifo, const void *buf, unsigned int len)
{
	unsigned int l = unused(fifo);

	if (len > l)
		len = l;
	copy_in(fifo, buf, len, fifo->in);
	fifo->in += len;
	return len;
}

unsigned int __kfifo_out_peek(struct __kfifo *fifo, void *buf, unsigned int len)
{
	unsigned int l = fifo->in - fifo->out;

	if (len > l)
		len = l;
	copy_out(fifo, buf, len, fifo->out);
	return len;
}

unsigned int __kfifo_out(struct __kfifo *fifo, void *buf, unsigned int len)
{
	len = __kfifo_out_peek(fifo, buf, len);
	fifo->out += len;
	return len;
}

/* -- records: a length prefix of recsize (1 or 2) bytes, little end first -- */

unsigned int __kfifo_max_r(unsigned int len, size_t recsize)
{
	unsigned int max = (1 << (recsize << 3)) - 1;

	return len > max ? max : len;
}

static unsigned int peek_n(struct __kfifo *fifo, size_t recsize)
{
	unsigned int mask = fifo->mask;
	const unsigned char *data = fifo->data;
	unsigned int l = data[fifo->out & mask];

	if (--recsize)
		l |= data[(fifo->out + 1) & mask] << 8;
	return l;
}

static void poke_n(struct __kfifo *fifo, unsigned int n, size_t recsize)
{
	unsigned int mask = fifo->mask;
	unsigned char *data = fifo->data;

	data[fifo->in & mask] = (unsigned char)n;
	if (recsize > 1)
		data[(fifo->in + 1) & mask] = (unsigned char)(n >> 8);
}

unsigned int __kfifo_len_r(struct __kfifo *fifo, size_t recsize)
{
	return peek_n(fifo, recsize);
}

unsigned int __kfifo_in_r(struct __kfifo *fifo, const void *buf, unsigned int len,
			  size_t recsize)
{
	if (len + recsize > unused(fifo))
		return 0;
	poke_n(fifo, len, recsize);
	copy_in(fifo, buf, len, fifo->in + recsize);
	fifo->in += len + recsize;
	return len;
}

static unsigned int out_copy_r(struct __kfifo *fifo, void *buf, unsigned int len,
			       size_t recsize, unsigned int *n)
{
	*n = peek_n(fifo, recsize);
	if (len > *n)
		len = *n;
	copy_out(fifo, buf, len, fifo->out + recsize);
	return len;
}

unsigned int __kfifo_out_peek_r(struct __kfifo *fifo, void *buf, unsigned int len,
				size_t recsize)
{
	unsigned int n;

	if (fifo->in == fifo->out)
		return 0;
	return out_copy_r(fifo, buf, len, recsize, &n);
}

unsigned int __kfifo_out_r(struct __kfifo *fifo, void *buf, unsigned int len, size_t recsize)
{
	unsigned int n;

	if (fifo->in == fifo->out)
		return 0;
	len = out_copy_r(fifo, buf, len, recsize, &n);
	fifo->out += n + recsize;
	return len;
}

void __kfifo_skip_r(struct __kfifo *fifo, size_t recsize)
{
	unsigned int n = peek_n(fifo, recsize);

	fifo->out += n + recsize;
}

/*
 * The DMA helpers: scatterlists (<linux/scatterlist.h>'s 64-bit layout) over
 * the free space (in) or the data (out) of the ring, at most two entries, one
 * before the wrap and one after it. lkmsh's struct page pointer is the
 * page-aligned virtual address and the kernel's pages are contiguous, so each
 * part is one entry, as on Linux when the buffer's pages are physically
 * contiguous (kmalloc'd).
 */
struct scatterlist {
	unsigned long page_link;
	unsigned int offset;
	unsigned int length;
	unsigned long dma_address;
	unsigned int dma_length;
};

#define SG_CHAIN 0x01UL
#define SG_END 0x02UL
#define PAGE_MASK_4K (~4095UL)

static int setup_sgl_buf(struct scatterlist *sgl, void *buf, int nents, unsigned int len)
{
	unsigned long addr = (unsigned long)buf;

	if (nents <= 0 || !len)
		return 0;
	/* sg_set_page(sgl, virt_to_page(buf), len, offset_in_page(buf)) */
	sgl->page_link = (addr & PAGE_MASK_4K) | (sgl->page_link & (SG_CHAIN | SG_END));
	sgl->offset = addr & ~PAGE_MASK_4K;
	sgl->length = len;
	return 1;
}

static unsigned int setup_sgl(struct __kfifo *fifo, struct scatterlist *sgl, int nents,
			      unsigned int len, unsigned int off)
{
	unsigned int size = fifo->mask + 1;
	unsigned int esize = fifo->esize;
	unsigned int l, n;

	off &= fifo->mask;
	if (esize != 1) {
		off *= esize;
		size *= esize;
		len *= esize;
	}
	l = min_u(len, size - off);
	n = setup_sgl_buf(sgl, (unsigned char *)fifo->data + off, nents, l);
	n += setup_sgl_buf(sgl + n, fifo->data, nents - n, len - l);
	return n;
}

unsigned int __kfifo_dma_in_prepare(struct __kfifo *fifo, struct scatterlist *sgl, int nents,
				    unsigned int len)
{
	return setup_sgl(fifo, sgl, nents, min_u(len, unused(fifo)), fifo->in);
}

unsigned int __kfifo_dma_out_prepare(struct __kfifo *fifo, struct scatterlist *sgl, int nents,
				     unsigned int len)
{
	return setup_sgl(fifo, sgl, nents, min_u(len, fifo->in - fifo->out), fifo->out);
}

unsigned int __kfifo_dma_in_prepare_r(struct __kfifo *fifo, struct scatterlist *sgl, int nents,
				      unsigned int len, size_t recsize)
{
	len = __kfifo_max_r(len, recsize);
	if (len + recsize > unused(fifo))
		return 0;
	return setup_sgl(fifo, sgl, nents, len, fifo->in + recsize);
}

void __kfifo_dma_in_finish_r(struct __kfifo *fifo, unsigned int len, size_t recsize)
{
	len = __kfifo_max_r(len, recsize);
	poke_n(fifo, len, recsize);
	fifo->in += len + recsize;
}

unsigned int __kfifo_dma_out_prepare_r(struct __kfifo *fifo, struct scatterlist *sgl, int nents,
				       unsigned int len, size_t recsize)
{
	len = __kfifo_max_r(len, recsize);
	if (len + recsize > fifo->in - fifo->out)
		return 0;
	return setup_sgl(fifo, sgl, nents, len, fifo->out + recsize);
}

void __kfifo_dma_out_finish_r(struct __kfifo *fifo, size_t recsize)
{
	fifo->out += peek_n(fifo, recsize) + recsize;
}
