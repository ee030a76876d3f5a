/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: device registers, as Linux 6.1's <linux/io.h> and <asm/io.h>.
 * ioremap() maps a board device's register range (the shell's `device add
 * platform NAME compatible=ns16550a reg=<ADDR SIZE>`); the accessors are
 * kernel functions that reach the device's model. Dereferencing an ioremap
 * cookie directly faults: use readl() and friends, as Linux asks.
 */
#ifndef _LKMSH_LINUX_IO_H
#define _LKMSH_LINUX_IO_H

#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/types.h>
#include <asm/page.h>

struct device;
struct resource;
struct platform_device;

void __iomem *ioremap(resource_size_t offset, unsigned long size);
void iounmap(volatile void __iomem *addr);
#define ioremap_nocache(offset, size)	ioremap((offset), (size))
#define ioremap_uc(offset, size)	ioremap((offset), (size))
#define ioremap_wc(offset, size)	ioremap((offset), (size))
#define ioremap_wt(offset, size)	ioremap((offset), (size))

u8 readb(const volatile void __iomem *addr);
u16 readw(const volatile void __iomem *addr);
u32 readl(const volatile void __iomem *addr);
u64 readq(const volatile void __iomem *addr);
void writeb(u8 value, volatile void __iomem *addr);
void writew(u16 value, volatile void __iomem *addr);
void writel(u32 value, volatile void __iomem *addr);
void writeq(u64 value, volatile void __iomem *addr);

#define readb_relaxed(a)	readb(a)
#define readw_relaxed(a)	readw(a)
#define readl_relaxed(a)	readl(a)
#define readq_relaxed(a)	readq(a)
#define writeb_relaxed(v, a)	writeb(v, a)
#define writew_relaxed(v, a)	writew(v, a)
#define writel_relaxed(v, a)	writel(v, a)
#define writeq_relaxed(v, a)	writeq(v, a)

unsigned int ioread8(const void __iomem *addr);
unsigned int ioread16(const void __iomem *addr);
unsigned int ioread32(const void __iomem *addr);
void iowrite8(u8 value, void __iomem *addr);
void iowrite16(u16 value, void __iomem *addr);
void iowrite32(u32 value, void __iomem *addr);

void memcpy_fromio(void *to, const volatile void __iomem *from, size_t count);
void memcpy_toio(volatile void __iomem *to, const void *from, size_t count);
void memset_io(volatile void __iomem *addr, int value, size_t size);

void __iomem *devm_ioremap(struct device *dev, resource_size_t offset, resource_size_t size);
void __iomem *devm_ioremap_resource(struct device *dev, const struct resource *res);
void __iomem *devm_platform_ioremap_resource(struct platform_device *pdev, unsigned int index);
void devm_iounmap(struct device *dev, void __iomem *addr);

#endif /* _LKMSH_LINUX_IO_H */
