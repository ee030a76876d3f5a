"""Device memory for modules: iomem regions and ZONE_DEVICE page maps, as Linux 6.1's
kernel/resource.c and mm/memremap.c give them to a driver of device-private memory
(the way lib/test_hmm.c and the GPU drivers set up theirs).
"""

from __future__ import annotations

import re

import pytest
from kernel_helpers import texts

HEADER = """
#include <linux/module.h>
#include <linux/init.h>
#include <linux/ioport.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sizes.h>
MODULE_LICENSE("GPL");
"""

# A device with 256 MB of private memory: a free physical range, struct pages for it,
# one page handed out as the driver's allocator does. Its exit frees what it took
# unless told to forget.
DEVMEM = (
    HEADER
    + r"""
static int forget;
module_param(forget, int, 0);

static struct resource *res;
static struct dev_pagemap pgmap;
static struct page *handed;

static void devmem_page_free(struct page *page)
{
}

static vm_fault_t devmem_migrate_to_ram(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

static const struct dev_pagemap_ops devmem_ops = {
	.page_free = devmem_page_free,
	.migrate_to_ram = devmem_migrate_to_ram,
};

static void report(const char *what, struct page *page)
{
	pr_info("devmem: %s: pfn %lx zone %d device %d private %d count %d ours %d\n", what,
		page_to_pfn(page), page_zonenum(page), is_zone_device_page(page),
		is_device_private_page(page), page_count(page), page->pgmap == &pgmap);
}

static int __init devmem_init(void)
{
	struct resource *other;
	struct dev_pagemap nothing = { .type = MEMORY_DEVICE_PRIVATE, .nr_range = 1 };
	void *ptr;

	res = request_free_mem_region(&iomem_resource, SZ_256M, "devmem");
	if (IS_ERR(res))
		return PTR_ERR(res);
	/* 200 MB is rounded up to whole sections: 256 MB again, below the first */
	other = request_free_mem_region(&iomem_resource, 200 << 20, "devmem-small");
	if (IS_ERR(other))
		return PTR_ERR(other);
	pr_info("devmem: [%llx-%llx] %s, [%llx-%llx] %s\n", res->start, res->end, res->name,
		other->start, other->end, other->name);
	pr_info("devmem: again: %d\n", request_mem_region(res->start, PAGE_SIZE, "again") != NULL);
	release_mem_region(other->start, SZ_256M);
	release_mem_region(res->start + SZ_256M, SZ_256M);	/* nothing there */

	nothing.range.start = res->start;
	nothing.range.end = res->end;
	ptr = memremap_pages(&nothing, numa_node_id());	/* no ops: WARNING, -EINVAL */
	pr_info("devmem: no ops: %ld\n", PTR_ERR(ptr));

	pgmap.type = MEMORY_DEVICE_PRIVATE;
	pgmap.range.start = res->start;
	pgmap.range.end = res->end;
	pgmap.nr_range = 1;
	pgmap.ops = &devmem_ops;
	pgmap.owner = &pgmap;
	ptr = memremap_pages(&pgmap, numa_node_id());
	if (IS_ERR(ptr))
		return PTR_ERR(ptr);
	report("first", pfn_to_page(res->start >> PAGE_SHIFT));
	report("last", pfn_to_page(res->end >> PAGE_SHIFT));
	handed = pfn_to_page((res->start >> PAGE_SHIFT) + 7);
	zone_device_page_init(handed);
	pr_info("devmem: handed out: count %d locked %d\n", page_count(handed), PageLocked(handed));
	unlock_page(handed);
	return 0;
}

static void __exit devmem_exit(void)
{
	if (forget)
		return;
	memunmap_pages(&pgmap);		/* the page handed out is still in use */
	release_mem_region(res->start, resource_size(res));
}

module_init(devmem_init);
module_exit(devmem_exit);
"""
)

TOP = 0x3FFFF0000000  # the top 256 MB of the 46-bit physical address space


def test_device_private_memory_as_a_driver_sets_it_up(arch_kernel):
    k, build = arch_kernel
    ko = build(DEVMEM, "devmem")
    for _ in range(2):  # the second load gets the same range: the first gave it all back
        k.dmesg_clear()
        k.module_load(ko)
        log = [line for line in texts(k) if "taints kernel" not in line]
        assert log[0] == (
            f"devmem: [{TOP:x}-{TOP + (256 << 20) - 1:x}] devmem, "
            f"[{TOP - (256 << 20):x}-{TOP - 1:x}] devmem-small"
        )
        assert log[1] == "devmem: again: 0"  # busy: request_mem_region() gives NULL
        end = TOP + (512 << 20) - 1
        assert log[2] == (
            f"Trying to free nonexistent resource <0x{TOP + (256 << 20):016x}-0x{end:016x}>"
        )
        assert log[3:5] == ["------------[ cut here ]------------", "Missing migrate_to_ram method"]
        assert re.fullmatch(r"WARNING: CPU: 0 PID: \d+ at mm/memremap.c memremap_pages", log[5])
        assert "devmem: no ops: -22" in log
        pfn = TOP >> 12
        assert f"devmem: first: pfn {pfn:x} zone 4 device 1 private 1 count 0 ours 1" in log
        last = pfn + 65535
        assert f"devmem: last: pfn {last:x} zone 4 device 1 private 1 count 0 ours 1" in log
        assert log[-1] == "devmem: handed out: count 1 locked 1"
        assert [r.start for r in k.zonedev.regions] == [TOP]
        k.dmesg_clear()
        k.module_unload("devmem")
        assert texts(k)[0] == (  # and where from (a call trace)
            f"memunmap_pages: 1 page(s) of [mem {TOP:#010x}-{TOP + (256 << 20) - 1:#010x}]"
            " still in use: Linux would wait for them for ever"
        )
        assert k.zonedev.regions == [] and k.zonedev.maps == []


@pytest.mark.parametrize("arch_kernel", ["x86_64"], indirect=True)
def test_a_forgotten_map_and_region_are_taken_back_at_unload(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(DEVMEM, "devmem"), "forget=1")
    k.dmesg_clear()
    k.module_unload("devmem")
    assert texts(k) == [
        f"devmem: removing leftover device memory map [mem {TOP:#010x}-{TOP + (256 << 20) - 1:#010x}]",
        f"devmem: releasing leftover [mem {TOP:#010x}-{TOP + (256 << 20) - 1:#010x}] devmem",
    ]
    assert k.zonedev.regions == [] and k.zonedev.maps == []
    assert not k.mem.is_mapped(0xFFFFEA0000000000 + (TOP >> 12) * 64)
    # and the range is free for the next driver
    k.module_load(build(DEVMEM, "devmem"))
    assert [r.start for r in k.zonedev.regions] == [TOP]
