"""get_random_*() drawn in module loops: the kernel library's buffer of the random stream.

A module drawing millions of numbers (lib/reed_solomon/test_rslib.c) must not
pay a kernel call each, yet see the same deterministic stream as before: the
bytes of the boot seed's SHA-256 counter stream, in order, whatever mix of
widths it draws, across a saved and restored kernel, and with the function
tracer on (which then sees every call). Both architectures.
"""

from __future__ import annotations

import struct

from kernel_helpers import texts

from lkmsh.kernel.kernel import Kernel
from lkmsh.kernel.random import Random

DICE = r"""
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>

static int rounds = 3000;
module_param(rounds, int, 0);

/* FNV-1a over every byte drawn, in order */
static u64 fnv = 0xcbf29ce484222325ULL;

static void mix(const void *p, size_t n)
{
	const u8 *b = p;

	while (n--) {
		fnv ^= *b++;
		fnv *= 0x100000001b3ULL;
	}
}

static int __init dice_init(void)
{
	u8 *big = kmalloc(5000, GFP_KERNEL);
	u8 small[5];
	int i;

	if (!big)
		return -ENOMEM;
	for (i = 0; i < rounds; i++) {
		u32 w = get_random_u32();

		mix(&w, 4);
		if (i % 7 == 0) {
			u8 b = get_random_u8();

			mix(&b, 1);
		}
		if (i % 11 == 0) {
			u16 h = get_random_u16();

			mix(&h, 2);
		}
		if (i % 13 == 0) {
			u64 q = get_random_u64();

			mix(&q, 8);
		}
		if (i % 17 == 0) {
			get_random_bytes(small, sizeof(small));
			mix(small, sizeof(small));
		}
		if (i == rounds / 2) {
			get_random_bytes(big, 5000); /* more than the library holds */
			mix(big, 5000);
		}
	}
	kfree(big);
	pr_info("dice: %d rounds, fnv %016llx, below 6: %u\n", rounds, fnv, prandom_u32_max(6));
	return 0;
}

static void __exit dice_exit(void)
{
}

module_init(dice_init);
module_exit(dice_exit);
MODULE_LICENSE("GPL");
"""


def expected(stream: Random, rounds: int) -> str:
    """What dice prints, drawn from @stream in Python."""
    fnv = 0xCBF29CE484222325

    def mix(b: bytes) -> None:
        nonlocal fnv
        for c in b:
            fnv = ((fnv ^ c) * 0x100000001B3) & (1 << 64) - 1

    for i in range(rounds):
        mix(stream.bytes(4))
        for every, n in ((7, 1), (11, 2), (13, 8), (17, 5)):
            if i % every == 0:
                mix(stream.bytes(n))
        if i == rounds // 2:
            mix(stream.bytes(5000))
    below = (struct.unpack("<I", stream.bytes(4))[0] * 6) >> 32
    return f"dice: {rounds} rounds, fnv {fnv:016x}, below 6: {below}"


def _dice(kernel: Kernel) -> str:
    return [t for t in texts(kernel) if t.startswith("dice: ") and "taints" not in t][-1]


def test_draws_are_the_streams_bytes_in_order(arch_kernel):
    kernel, build = arch_kernel
    ko = build(DICE, "dice")
    stream = Random(kernel.random.seed)
    assert kernel.random.to_data() == stream.to_data()  # nothing drawn yet
    kernel.module_load(ko)
    assert _dice(kernel) == expected(stream, 3000)
    kernel.module_unload("dice")
    # a saved kernel goes on where it stopped (the bytes lent and not drawn come again)
    again = Kernel.from_state(kernel.export_state())
    stream.load_data(stream.to_data())  # what a save does to the stream: the pool goes
    again.module_load(ko, "rounds=100")
    assert _dice(again) == expected(stream, 100)


def test_the_function_tracer_sees_every_draw(kernel: Kernel, build):
    ko = build(DICE, "dice")
    stream = Random(kernel.random.seed)
    kernel.tracing.ftrace.enabled = True
    kernel.module_load(ko, "rounds=30")
    assert _dice(kernel) == expected(stream, 30)
    calls = [e.func for e in kernel.tracing.ftrace.ring if e.func.startswith("get_random_")]
    assert calls.count("get_random_u32") == 31  # and the one prandom_u32_max draws
    assert calls.count("get_random_u8") == 5
    kernel.tracing.ftrace.enabled = False
    kernel.module_unload("dice")
    kernel.module_load(ko, "rounds=30")
    assert _dice(kernel) == expected(stream, 30)
