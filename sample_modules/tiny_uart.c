// SPDX-License-Identifier: GPL-2.0
/*
 * tiny_uart.c - a 16550 UART driver: polled transmit, interrupt-driven receive.
 *
 *   lkmsh insmod tiny_uart.ko
 *   lkmsh device add platform serial@10000000 compatible=ns16550a reg="<0x10000000 8>" interrupts=4
 *   lkmsh device console serial@10000000
 *   lkmsh device send serial@10000000 ping
 */
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/platform_device.h>

#define UART_RX		0
#define UART_TX		0
#define UART_IER	1
#define UART_LSR	5
#define UART_LSR_DR	0x01
#define UART_LSR_THRE	0x20
#define UART_IER_RDI	0x01

struct tiny_uart {
	void __iomem *base;
	char line[64];
	int len;
};

static void tiny_putc(struct tiny_uart *u, char c)
{
	while (!(readb(u->base + UART_LSR) & UART_LSR_THRE))
		cpu_relax();
	writeb(c, u->base + UART_TX);
}

static irqreturn_t tiny_rx(int irq, void *data)
{
	struct tiny_uart *u = data;

	while (readb(u->base + UART_LSR) & UART_LSR_DR) {
		char c = readb(u->base + UART_RX);

		if (c == '\n' || u->len == sizeof(u->line) - 1) {
			u->line[u->len] = '\0';
			pr_info("tiny_uart: got \"%s\"\n", u->line);
			u->len = 0;
		} else {
			u->line[u->len++] = c;
		}
	}
	return IRQ_HANDLED;
}

static int tiny_probe(struct platform_device *pdev)
{
	struct tiny_uart *u;
	const char *s = "hello from the kernel\n";
	int irq, ret;

	u = devm_kzalloc(&pdev->dev, sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	u->base = devm_platform_ioremap_resource(pdev, 0);
	if (IS_ERR(u->base))
		return PTR_ERR(u->base);
	irq = platform_get_irq(pdev, 0);
	if (irq < 0)
		return irq;
	ret = devm_request_irq(&pdev->dev, irq, tiny_rx, 0, "tiny_uart", u);
	if (ret)
		return ret;
	while (*s)
		tiny_putc(u, *s++);
	writeb(UART_IER_RDI, u->base + UART_IER);
	dev_info(&pdev->dev, "ready on irq %d\n", irq);
	return 0;
}

static const struct of_device_id tiny_ids[] = {
	{ .compatible = "ns16550a" },
	{ }
};

static struct platform_driver tiny_driver = {
	.probe = tiny_probe,
	.driver = { .name = "tiny_uart", .of_match_table = tiny_ids },
};
module_platform_driver(tiny_driver);
MODULE_LICENSE("GPL");
