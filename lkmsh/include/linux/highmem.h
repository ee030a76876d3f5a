/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/highmem.h>. A 64-bit kernel has no highmem: mapping a page
 * is its address (<linux/mm.h>), as Linux's kmap on x86-64 and arm64.
 */
#ifndef _LKMSH_LINUX_HIGHMEM_H
#define _LKMSH_LINUX_HIGHMEM_H

#include <linux/mm.h>
#include <linux/string.h>
#include <linux/uaccess.h>

static inline void *kmap(struct page *page) { return page_address(page); }
static inline void kunmap(struct page *page) { }
static inline void *kmap_local_page(struct page *page) { return page_address(page); }
static inline void *kmap_atomic(struct page *page) { return page_address(page); }
#define kunmap_local(addr)	do { (void)(addr); } while (0)
#define kunmap_atomic(addr)	do { (void)(addr); } while (0)

static inline void memcpy_from_page(char *to, struct page *page, size_t offset, size_t len)
{
	memcpy(to, (char *)page_address(page) + offset, len);
}

static inline void memcpy_to_page(struct page *page, size_t offset, const char *from, size_t len)
{
	memcpy((char *)page_address(page) + offset, from, len);
}

static inline void clear_highpage(struct page *page)
{
	memset(kmap_local_page(page), 0, PAGE_SIZE);
}

static inline void copy_highpage(struct page *to, struct page *from)
{
	memcpy(kmap_local_page(to), kmap_local_page(from), PAGE_SIZE);
}

static inline void copy_user_highpage(struct page *to, struct page *from,
				      unsigned long vaddr, struct vm_area_struct *vma)
{
	copy_highpage(to, from);
}

#endif
