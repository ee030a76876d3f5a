/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/hmm.h>: heterogeneous memory management's mirror of a CPU page
 * table, as Linux 6.1 (CONFIG_HMM_MIRROR). hmm_range_fault() fills
 * range->hmm_pfns with the pfn and HMM_PFN_* flags of each page of
 * [range->start, range->end) of the notifier's mm, faulting pages in when
 * asked. lkmsh's address spaces hold no VMAs (find_vma() finds none), so
 * there is no page to report: it returns -EFAULT, as Linux's for an address
 * no VMA covers (and says why in dmesg when the address is a command's user
 * memory, which Linux would have mirrored).
 */
#ifndef _LKMSH_LINUX_HMM_H
#define _LKMSH_LINUX_HMM_H

#include <linux/kconfig.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>

struct mmu_interval_notifier;

enum hmm_pfn_flags {
	/* Output fields and flags */
	HMM_PFN_VALID = 1UL << (BITS_PER_LONG - 1),
	HMM_PFN_WRITE = 1UL << (BITS_PER_LONG - 2),
	HMM_PFN_ERROR = 1UL << (BITS_PER_LONG - 3),
	HMM_PFN_ORDER_SHIFT = (BITS_PER_LONG - 8),

	/* Input flags */
	HMM_PFN_REQ_FAULT = HMM_PFN_VALID,
	HMM_PFN_REQ_WRITE = HMM_PFN_WRITE,

	HMM_PFN_FLAGS = 0xFFUL << HMM_PFN_ORDER_SHIFT,
};

static inline struct page *hmm_pfn_to_page(unsigned long hmm_pfn)
{
	return pfn_to_page(hmm_pfn & ~HMM_PFN_FLAGS);
}

static inline unsigned int hmm_pfn_to_map_order(unsigned long hmm_pfn)
{
	return (hmm_pfn >> HMM_PFN_ORDER_SHIFT) & 0x1F;
}

struct hmm_range {
	struct mmu_interval_notifier *notifier;
	unsigned long		notifier_seq;
	unsigned long		start;
	unsigned long		end;
	unsigned long		*hmm_pfns;
	unsigned long		default_flags;
	unsigned long		pfn_flags_mask;
	void			*dev_private_owner;
};

int hmm_range_fault(struct hmm_range *range);

/* the time a driver's retry loop may take (in milliseconds) */
#define HMM_RANGE_DEFAULT_TIMEOUT 1000

#endif /* _LKMSH_LINUX_HMM_H */
