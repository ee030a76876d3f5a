/* SPDX-License-Identifier: MIT */
/* lkmsh: interrupt line types, as Linux's <linux/irq.h>. */
#ifndef _LKMSH_LINUX_IRQ_H
#define _LKMSH_LINUX_IRQ_H

#include <linux/interrupt.h>

enum {
	IRQ_TYPE_NONE		= 0x00000000,
	IRQ_TYPE_EDGE_RISING	= 0x00000001,
	IRQ_TYPE_EDGE_FALLING	= 0x00000002,
	IRQ_TYPE_EDGE_BOTH	= (IRQ_TYPE_EDGE_FALLING | IRQ_TYPE_EDGE_RISING),
	IRQ_TYPE_LEVEL_HIGH	= 0x00000004,
	IRQ_TYPE_LEVEL_LOW	= 0x00000008,
	IRQ_TYPE_LEVEL_MASK	= (IRQ_TYPE_LEVEL_LOW | IRQ_TYPE_LEVEL_HIGH),
	IRQ_TYPE_SENSE_MASK	= 0x0000000f,
};

extern int irq_set_irq_type(unsigned int irq, unsigned int type);

#endif /* _LKMSH_LINUX_IRQ_H */
