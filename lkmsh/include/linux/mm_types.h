/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/mm_types.h>: struct page and struct folio with Linux 6.1's
 * 64-bit layout (64 bytes, CONFIG_MEMCG's memcg_data last), for the fields a
 * module may touch: flags, lru, mapping, index, private, the first tail
 * page's compound fields, _mapcount/page_type and _refcount.
 */
#ifndef _LKMSH_LINUX_MM_TYPES_H
#define _LKMSH_LINUX_MM_TYPES_H

#include <linux/types.h>
#include <linux/rwsem.h>

struct address_space;

/* A user address space: the fields modules use. A command's task (insmod, cat)
 * has one; kernel threads and workers have none (mm is NULL). */
struct mm_struct {
	unsigned long mmap_base;
	unsigned long task_size;
	atomic_t mm_users;
	atomic_t mm_count;
	int map_count;
	struct rw_semaphore mmap_lock;
	unsigned long total_vm;
	unsigned long start_code, end_code, start_data, end_data;
	unsigned long start_brk, brk, start_stack;
};

struct page {
	unsigned long flags;
	union {
		struct {	/* page cache, anonymous, and the page allocator's lists */
			struct list_head lru;
			struct address_space *mapping;
			pgoff_t index;
			unsigned long private;
		};
		struct {	/* tail pages of a compound page */
			unsigned long compound_head;	/* bit zero is set */
			unsigned char compound_dtor;	/* first tail page only */
			unsigned char compound_order;
			atomic_t compound_mapcount;
			atomic_t compound_pincount;
			unsigned int compound_nr;	/* 1 << compound_order */
		};
		struct {
			unsigned long __lkmsh_rcu_pad[2];	/* struct rcu_head */
		};
	};
	union {
		atomic_t _mapcount;
		unsigned int page_type;
	};
	atomic_t _refcount;		/* page_ref.h's, not to be used directly */
	unsigned long memcg_data;
};

struct folio {
	union {
		struct {
			unsigned long flags;
			union {
				struct list_head lru;
				struct {
					void *__filler;
					unsigned int mlock_count;
				};
			};
			struct address_space *mapping;
			pgoff_t index;
			void *private;
			atomic_t _mapcount;
			atomic_t _refcount;
			unsigned long memcg_data;
		};
		struct page page;
	};
};

#define page_folio(p)		((struct folio *)compound_head(p))
#define folio_page(folio, n)	(&(folio)->page + (n))

#endif
