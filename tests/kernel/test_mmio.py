"""Register-level drivers: a 16550 UART driver (polled transmit, interrupt-driven
receive) and a register bank, against lkmsh's device models through ioremap."""

from __future__ import annotations

from pathlib import Path

from lkmsh.kernel.kernel import Kernel

MODULES = Path(__file__).resolve().parent / "modules"

UART = (MODULES.parents[2] / "sample_modules" / "tiny_uart.c").read_text()

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


def texts(k: Kernel) -> list[str]:
    return [r.text for r in k.dmesg() if "out-of-tree" not in r.text]


def test_a_uart_driver_talks_to_the_16550_model(arch_kernel):
    k, build = arch_kernel
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


def test_a_register_bank_keeps_what_is_written(arch_kernel):
    k, build = arch_kernel
    k.platform_device_add(
        "regs@20000000", {"compatible": ["lkmsh,regs"], "reg": [0x20000000, 0x100]}
    )
    k.module_load(build(REGS, "regs"))
    assert texts(k)[-1] == "regs: 1234ab78 1234 ab, nothing at 0x30000000: 1"
    again = Kernel.from_state(k.export_state())
    again.module_unload("regs")
