/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/irqflags.h>. As spinlock.h says, lkmsh's CPU takes no
 * interrupt in the middle of module code (interrupt handlers run between
 * kernel calls), so disabling them changes nothing: local_irq_save() saves
 * the flags of a CPU with interrupts on (what spin_lock_irqsave() returns),
 * local_irq_restore() puts them back, and both are compiler barriers.
 */
#ifndef _LKMSH_LINUX_IRQFLAGS_H
#define _LKMSH_LINUX_IRQFLAGS_H

#include <linux/compiler.h>

#define __LKMSH_IRQ_ON_FLAGS	0x246UL

#define local_irq_enable()		barrier()
#define local_irq_disable()		barrier()
#define local_irq_save(flags)		do { (flags) = __LKMSH_IRQ_ON_FLAGS; barrier(); } while (0)
#define local_irq_restore(flags)	do { (void)(flags); barrier(); } while (0)
#define local_save_flags(flags)		do { (flags) = __LKMSH_IRQ_ON_FLAGS; } while (0)
#define raw_local_irq_save(flags)	local_irq_save(flags)
#define raw_local_irq_restore(flags)	local_irq_restore(flags)
#define irqs_disabled_flags(flags)	(!((flags) & 0x200UL))

#endif
