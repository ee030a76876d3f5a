"""The page allocator for modules: <linux/mm.h> and <linux/gfp.h> as Linux 6.1's.

Real modules, written as drivers use pages: a buffer from __get_free_pages,
compound pages and their reference counts, split_page, the failures Linux
reports, and what a module forgets to free, reported and given back at unload.
"""

from __future__ import annotations

import re

import pytest
from kernel_helpers import texts

from lkmsh.errors import UnknownSymbol
from lkmsh.kernel.kernel import Kernel
from lkmsh.kernel.pages import CHUNK_BYTES, CHUNKS_MAX

HEADER = """
#include <linux/module.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/gfp.h>
#include <linux/slab.h>
MODULE_LICENSE("GPL");
"""

# A character driver's ring buffer in whole pages, as drivers keep one; its exit
# forgets to give the pages back.
LEAKY = (
    HEADER
    + r"""
#define RING_ORDER 2
static unsigned long ring;

static int __init ringbuf_init(void)
{
	ring = __get_free_pages(GFP_KERNEL, RING_ORDER);
	if (!ring)
		return -ENOMEM;
	memset((void *)ring, 0xab, PAGE_SIZE << RING_ORDER);
	pr_info("ringbuf: %lu bytes at %px\n", PAGE_SIZE << RING_ORDER, (void *)ring);
	return 0;
}

static void __exit ringbuf_exit(void)
{
	pr_info("ringbuf: bye\n");	/* free_pages(ring, RING_ORDER) forgotten */
}

module_init(ringbuf_init);
module_exit(ringbuf_exit);
"""
)


def load(kernel, build, source, name, params=""):
    return kernel.module_load(build(source, name), params)


def test_a_forgotten_page_buffer_is_reported_and_given_back(arch_kernel):
    k, build = arch_kernel
    ko = build(LEAKY, "ringbuf")
    k.module_load(ko)
    addr = int(re.search(r"16384 bytes at ([0-9a-f]+)", texts(k)[-1]).group(1), 16)
    k.module_unload("ringbuf")
    log = texts(k)
    at = log.index("ringbuf: bye")
    assert log[at + 1] == (
        "kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)"
    )
    assert log[at + 2] == f"unreferenced object 0x{addr:016x} (size 16384):"
    assert log[at + 5].startswith("    [<") and "ringbuf_init" in log[at + 5]
    assert log[at + 5].endswith("[ringbuf]")
    # the pages are free again: the same driver gets a zeroed buffer
    k.module_load(ko)
    again = int(re.search(r"at ([0-9a-f]+)", texts(k)[-1]).group(1), 16)
    assert k.peek(again, 16) == bytes([0xAB]) * 16  # its own memset, after a zeroed block


COMPOUND = (
    HEADER
    + r"""
static int __init cpage_init(void)
{
	struct page *page, *tail;
	unsigned char *buf;
	int i, bad = 0;

	page = alloc_pages(GFP_KERNEL | __GFP_COMP, 3);
	if (!page)
		return -ENOMEM;
	buf = page_address(page);
	tail = virt_to_page(buf + 5 * PAGE_SIZE + 17);
	if (tail != page + 5 || compound_head(tail) != page || !PageHead(page) ||
		!PageTail(tail) || compound_order(page) != 3 || page_size(page) != 8 * PAGE_SIZE)
		bad |= 1;
	if (page_to_pfn(page) != __pa(buf) >> PAGE_SHIFT || pfn_to_page(page_to_pfn(page)) != page ||
		phys_to_virt(virt_to_phys(buf)) != buf || page_to_virt(page) != buf)
		bad |= 2;
	for (i = 0; i < 8 * PAGE_SIZE; i++)
		if (buf[i])	/* init_on_alloc: every block comes zeroed */
			bad |= 4;
	get_page(tail);		/* a reference through a tail page is the head's */
	if (page_count(tail) != 2 || page_ref_count(page) != 2)
		bad |= 8;
	put_page(tail);
	memset(buf, 0x5a, 8 * PAGE_SIZE);
	__free_pages(page, 3);

	page = alloc_pages(GFP_KERNEL, 3);	/* not compound: no head flag */
	if (!page)
		return -ENOMEM;
	if (PageHead(page) || compound_order(page) || page_count(page + 1) != 0)
		bad |= 16;
	for (i = 0; i < 8 * PAGE_SIZE; i++)
		if (((unsigned char *)page_address(page))[i])
			bad |= 32;
	__free_pages(page, 3);
	pr_info("cpage: %s (%d)\n", bad ? "FAILED" : "ok", bad);
	return bad ? -EINVAL : 0;
}

static void __exit cpage_exit(void) { }
module_init(cpage_init);
module_exit(cpage_exit);
"""
)


def test_compound_pages_refcounts_and_zeroed_blocks(arch_kernel):
    k, build = arch_kernel
    load(k, build, COMPOUND, "cpage")
    assert "cpage: ok (0)" in texts(k)
    k.module_unload("cpage")
    assert not [line for line in texts(k) if "kmemleak" in line]


SPECULATIVE = (
    HEADER
    + r"""
static int __init spec_init(void)
{
	unsigned long addr = __get_free_pages(GFP_KERNEL, 3);
	struct page *page = virt_to_page((void *)addr);
	struct page *pages;
	int i, ok;

	get_page(page);			/* the page cache's speculative reference */
	free_pages(addr, 3);		/* frees pages 1..7, the first waits for put_page */
	ok = page_ref_count(page) == 1;
	put_page(page);
	ok &= page_ref_count(page) == 0;

	pages = alloc_pages(GFP_KERNEL, 2);
	if (!pages)
		return -ENOMEM;
	split_page(pages, 2);		/* four order-0 pages, each with its reference */
	for (i = 0; i < 4; i++) {
		ok &= page_ref_count(pages + i) == 1;
		__free_page(pages + i);
	}
	addr = get_zeroed_page(GFP_KERNEL);
	ok &= addr && !*(unsigned long *)addr;
	free_page(addr);
	pr_info("spec: %s\n", ok ? "ok" : "FAILED");
	return ok ? 0 : -EINVAL;
}

static void __exit spec_exit(void) { }
module_init(spec_init);
module_exit(spec_exit);
"""
)


def test_speculative_reference_split_page_and_get_zeroed_page(arch_kernel):
    k, build = arch_kernel
    load(k, build, SPECULATIVE, "spec")
    assert "spec: ok" in texts(k)
    k.module_unload("spec")
    assert not [line for line in texts(k) if "kmemleak" in line or "BUG" in line]


HUNGRY = (
    HEADER
    + r"""
#define MAX_BLOCKS 64
static struct page *blocks[MAX_BLOCKS];
static int nowarn;
module_param(nowarn, int, 0);

static int __init hungry_init(void)
{
	int n;

	if (alloc_pages(GFP_KERNEL | (nowarn ? __GFP_NOWARN : 0), MAX_ORDER))
		return -EINVAL;		/* order 11 is past MAX_ORDER - 1: NULL */
	for (n = 0; n < MAX_BLOCKS; n++) {
		blocks[n] = alloc_pages(GFP_KERNEL | (nowarn ? __GFP_NOWARN : 0), MAX_ORDER - 1);
		if (!blocks[n])
			break;
	}
	pr_info("hungry: %d blocks of %lu KiB\n", n, (PAGE_SIZE << (MAX_ORDER - 1)) >> 10);
	while (n--)
		__free_pages(blocks[n], MAX_ORDER - 1);
	return 0;
}

static void __exit hungry_exit(void) { }
module_init(hungry_init);
module_exit(hungry_exit);
"""
)


@pytest.mark.parametrize("nowarn", [0, 1])
def test_orders_past_max_and_a_used_up_pool_fail_as_linux(arch_kernel, nowarn):
    k, build = arch_kernel
    load(k, build, HUNGRY, "hungry", f"nowarn={nowarn}")
    log = texts(k)
    assert f"hungry: {CHUNKS_MAX} blocks of 4096 KiB" in log
    assert k.pages.pool_bytes == CHUNKS_MAX * CHUNK_BYTES  # host memory stays bounded
    warned = [line for line in log if line.startswith("WARNING:")]
    failed = [line for line in log if "page allocation failure" in line]
    if nowarn:
        assert warned == [] and failed == []
    else:
        assert warned == ["WARNING: CPU: 0 PID: 1 at mm/page_alloc.c:5534 __alloc_pages"]
        assert len(failed) == 1
        assert failed[0].startswith(
            "insmod: page allocation failure: order:10, mode:0xcc0(GFP_KERNEL), nodemask=(null)"
        )
    k.module_unload("hungry")
    load(k, build, COMPOUND, "cpage")  # everything came back
    assert "cpage: ok (0)" in texts(k)


DOUBLE = (
    HEADER
    + r"""
static int __init twice_init(void)
{
	unsigned long addr = __get_free_page(GFP_KERNEL);

	free_page(addr);
	free_page(addr);	/* a bug: the page is not ours any more */
	return 0;
}

static void __exit twice_exit(void) { }
module_init(twice_init);
module_exit(twice_exit);
"""
)


def test_freeing_a_free_page_is_a_bad_page_state(arch_kernel):
    k, build = arch_kernel
    load(k, build, DOUBLE, "twice")
    log = texts(k)
    bug = [line for line in log if line.startswith("BUG: Bad page state")]
    assert len(bug) == 1 and bug[0].startswith("BUG: Bad page state in process insmod  pfn:")
    assert "page dumped because: nonzero _refcount" in log
    assert "B" in k.taints


def test_pages_and_their_owner_survive_a_saved_state(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(LEAKY, "ringbuf"))
    k2 = Kernel.from_state(k.export_state())
    k2.module_unload("ringbuf")
    log = texts(k2)
    assert "unreferenced object" in " ".join(log)
    assert [line for line in log if "size 16384" in line]


def test_a_module_cannot_reach_the_allocators_own_calls(arch_kernel):
    k, build = arch_kernel
    src = (
        HEADER
        + r"""
static int __init sneaky_init(void) { return __lkmsh_pages_grow(GFP_KERNEL, 0) ? 0 : 1; }
module_init(sneaky_init);
"""
    )
    with pytest.raises(UnknownSymbol, match="__lkmsh_pages_grow"):
        load(k, build, src, "sneaky")
