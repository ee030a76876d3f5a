"""Register-level drivers: a 16550 UART driver (polled transmit, interrupt-driven
receive) and a register bank, against lkmsh's device models through ioremap."""

from __future__ import annotations

import pytest

from lkmsh.kernel.kernel import Kernel, KernelConfig

UART = r"""
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
"""

REGS = r"""
#include <linux/io.h>
#include <linux/module.h>

static void __iomem *regs;

static int __init regs_init(void)
{
	regs = ioremap(0x20000000, 0x100);
	if (!regs)
		return -ENOMEM;
	writel(0x12345678, regs + 0x10);
	writeb(0xab, regs + 0x11);
	pr_info("regs: %08x %04x %02x, nothing at 0x30000000: %d\n", readl(regs + 0x10),
		readw(regs + 0x12), ioread8(regs + 0x11), ioremap(0x30000000, 4) == NULL);
	return 0;
}

static void __exit regs_exit(void)
{
	iounmap(regs);
}

module_init(regs_init);
module_exit(regs_exit);
MODULE_LICENSE("GPL");
"""


@pytest.fixture(params=["x86_64", "aarch64"])
def kb(request, tmp_path):
    from lkmsh.build import build_module, cross_compiler_available

    arch = request.param
    if not cross_compiler_available(arch):
        pytest.skip(f"no {arch} gcc (gcc-aarch64-linux-gnu)")

    def build(src: str, name: str):
        path = tmp_path / f"{name}.c"
        path.write_text(src)
        return build_module([path], tmp_path / f"{name}.ko", arch=arch)

    return Kernel(KernelConfig(arch=arch)), build


def texts(k: Kernel) -> list[str]:
    return [r.text for r in k.dmesg() if "out-of-tree" not in r.text]


def test_a_uart_driver_talks_to_the_16550_model(kb):
    k, build = kb
    k.module_load(build(UART, "tiny_uart"))
    k.platform_device_add(
        "serial@10000000", {"compatible": ["ns16550a"], "reg": [0x10000000, 8], "interrupts": [4]}
    )
    assert texts(k)[-1] == "tiny_uart serial@10000000: ready on irq 4"
    assert k.device_console("serial@10000000") == "hello from the kernel\n"
    k.device_send("serial@10000000", b"ping\n")
    assert texts(k)[-1] == 'tiny_uart: got "ping"'
    k.platform_device_del("serial@10000000")  # devm: the IRQ and the mapping go
    assert k.irq_raise(4) == 0
    k.module_unload("tiny_uart")


def test_a_register_bank_keeps_what_is_written(kb):
    k, build = kb
    k.platform_device_add(
        "regs@20000000", {"compatible": ["lkmsh,regs"], "reg": [0x20000000, 0x100]}
    )
    k.module_load(build(REGS, "regs"))
    assert texts(k)[-1] == "regs: 1234ab78 1234 ab, nothing at 0x30000000: 1"
    again = Kernel.from_state(k.export_state())
    again.module_unload("regs")
