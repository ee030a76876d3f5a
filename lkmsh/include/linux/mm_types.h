/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/mm_types.h>: struct page and struct folio with Linux 6.1's
 * 64-bit layout (64 bytes, CONFIG_MEMCG's memcg_data last), for the fields a
 * module may touch: flags, lru, mapping, index, private, the first tail
 * page's compound fields, a ZONE_DEVICE page's pgmap and zone_device_data,
 * _mapcount/page_type and _refcount. struct vm_area_struct and vm_fault_t
 * as 6.1 has them (lkmsh's address spaces hold no VMAs: find_vma() finds none).
 */
#ifndef _LKMSH_LINUX_MM_TYPES_H
#define _LKMSH_LINUX_MM_TYPES_H

#include <linux/types.h>
#include <linux/rwsem.h>

struct address_space;
struct dev_pagemap;

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
		struct {	/* ZONE_DEVICE pages (<linux/memremap.h>) */
			struct dev_pagemap *pgmap;
			void *zone_device_data;
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

typedef struct { unsigned long pgprot; } pgprot_t;

/* A region of a user address space: Linux 6.1's leading members (the rest is the
 * memory manager's own; no module makes one). */
struct vm_area_struct {
	unsigned long vm_start;
	unsigned long vm_end;
	struct mm_struct *vm_mm;
	pgprot_t vm_page_prot;
	unsigned long vm_flags;
};

#ifndef __bitwise
#define __bitwise
#endif
typedef __bitwise unsigned int vm_fault_t;

enum vm_fault_reason {
	VM_FAULT_OOM		= (__force vm_fault_t)0x000001,
	VM_FAULT_SIGBUS		= (__force vm_fault_t)0x000002,
	VM_FAULT_MAJOR		= (__force vm_fault_t)0x000004,
	VM_FAULT_WRITE		= (__force vm_fault_t)0x000008,
	VM_FAULT_HWPOISON	= (__force vm_fault_t)0x000010,
	VM_FAULT_HWPOISON_LARGE	= (__force vm_fault_t)0x000020,
	VM_FAULT_SIGSEGV	= (__force vm_fault_t)0x000040,
	VM_FAULT_NOPAGE		= (__force vm_fault_t)0x000100,
	VM_FAULT_LOCKED		= (__force vm_fault_t)0x000200,
	VM_FAULT_RETRY		= (__force vm_fault_t)0x000400,
	VM_FAULT_FALLBACK	= (__force vm_fault_t)0x000800,
	VM_FAULT_DONE_COW	= (__force vm_fault_t)0x001000,
	VM_FAULT_NEEDDSYNC	= (__force vm_fault_t)0x002000,
	VM_FAULT_COMPLETED	= (__force vm_fault_t)0x004000,
	VM_FAULT_HINDEX_MASK	= (__force vm_fault_t)0x0f0000,
};

#define VM_FAULT_ERROR (VM_FAULT_OOM | VM_FAULT_SIGBUS |	\
			VM_FAULT_SIGSEGV | VM_FAULT_HWPOISON |	\
			VM_FAULT_HWPOISON_LARGE | VM_FAULT_FALLBACK)

#define page_folio(p)		((struct folio *)compound_head(p))
#define folio_page(folio, n)	(&(folio)->page + (n))

#endif
