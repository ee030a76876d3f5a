"""devm_gpiod_get from a device's node (an LED driver, as modern drivers name their
lines) and DMA buffers, on the platform bus."""

from __future__ import annotations

import pytest

from lkmsh.kernel.kernel import Kernel, KernelConfig

LED = r"""
#include <linux/dma-mapping.h>
#include <linux/gpio/consumer.h>
#include <linux/module.h>
#include <linux/platform_device.h>

struct led_priv {
	struct gpio_desc *led;
	void *ring;
	dma_addr_t ring_dma;
};

static int led_probe(struct platform_device *pdev)
{
	struct led_priv *p;
	static char buf[64];
	dma_addr_t a;

	p = devm_kzalloc(&pdev->dev, sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->led = devm_gpiod_get(&pdev->dev, "led", GPIOD_OUT_LOW);
	if (IS_ERR(p->led))
		return PTR_ERR(p->led);
	if (dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32)))
		return -EIO;
	p->ring = dmam_alloc_coherent(&pdev->dev, 4096, &p->ring_dma, GFP_KERNEL);
	if (!p->ring)
		return -ENOMEM;
	a = dma_map_single(&pdev->dev, buf, sizeof(buf), DMA_TO_DEVICE);
	dev_info(&pdev->dev, "led on gpio %d, ring dma ok %d, map ok %d, missing %ld\n",
			desc_to_gpio(p->led), p->ring_dma != 0, !dma_mapping_error(&pdev->dev, a),
			PTR_ERR(gpiod_get(&pdev->dev, "reset", GPIOD_ASIS)));
	dma_unmap_single(&pdev->dev, a, sizeof(buf), DMA_TO_DEVICE);
	gpiod_set_value(p->led, 1);
	platform_set_drvdata(pdev, p);
	return 0;
}

static int led_remove(struct platform_device *pdev)
{
	struct led_priv *p = platform_get_drvdata(pdev);

	gpiod_set_value(p->led, 0);
	return 0;
}

static const struct of_device_id led_ids[] = {
	{ .compatible = "acme,led" },
	{ }
};

static struct platform_driver led_driver = {
	.probe = led_probe,
	.remove = led_remove,
	.driver = { .name = "acme-led", .of_match_table = led_ids },
};
module_platform_driver(led_driver);
MODULE_LICENSE("GPL");
"""


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_an_led_named_by_the_node_is_claimed_and_freed_with_the_device(arch, tmp_path):
    from lkmsh.build import build_module, cross_compiler_available

    if not cross_compiler_available(arch):
        pytest.skip(f"no {arch} gcc (gcc-aarch64-linux-gnu)")
    src = tmp_path / "led.c"
    src.write_text(LED)
    k = Kernel(KernelConfig(arch=arch))
    k.module_load(build_module([src], tmp_path / "led.ko", arch=arch))
    live = k.slab_stats().live_bytes
    k.platform_device_add("led@0", {"compatible": ["acme,led"], "led-gpios": [6, 1]})  # active low
    assert [r.text for r in k.dmesg()][-1] == (
        "acme-led led@0: led on gpio 6, ring dma ok 1, map ok 1, missing -2"
    )
    assert k.gpio_get(6) == 0  # on, and the line is active low
    assert [ln.label for ln in k.gpio_lines() if ln.pin == 6] == ["led"]
    k.platform_device_del("led@0")
    assert k.gpio_get(6) == 1  # remove() switched it off
    assert [ln.requested for ln in k.gpio_lines() if ln.pin == 6] == [False]  # devm freed it
    # the coherent buffer and the private data went too: another bind, unbind cycle
    # leaves the heap as this one did (the bank's gpio_desc table stays, it is the kernel's)
    after_one = k.slab_stats().live_bytes
    assert after_one - live == 1024  # 64 struct gpio_desc, made on first use
    k.platform_device_add("led@0", {"compatible": ["acme,led"], "led-gpios": [6, 1]})
    k.platform_device_del("led@0")
    assert k.slab_stats().live_bytes == after_one
    k.module_unload("led")
