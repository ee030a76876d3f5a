// SPDX-License-Identifier: GPL-2.0
/*
 * A slab cache with every SLUB debug option, misused three ways, as a driver
 * author finds out with slub_debug: one byte written past the object, the
 * object freed twice, then written after its free. validate_slab_cache()
 * reports the first; the free and allocation checks the other two.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "../mm/slab.h"

#define OBJ_SIZE 40

static struct kmem_cache *cache;
static u8 *keep;

static int __init slub_debug_init(void)
{
	u8 *p, *q;

	cache = kmem_cache_create("sd_cache", OBJ_SIZE, 0,
				  SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER |
				  SLAB_CONSISTENCY_CHECKS, NULL);
	if (!cache)
		return -ENOMEM;
	p = kmem_cache_alloc(cache, GFP_KERNEL);
	keep = kmem_cache_alloc(cache, GFP_KERNEL);
	if (!p || !keep)
		goto fail;
	pr_info("sd: slot %u bytes for %u, free pointer at %u, red zone %u\n",
		cache->size, kmem_cache_size(cache), cache->offset, cache->red_left_pad);
	pr_info("sd: poisoned at allocation: %d\n", p[0] == 0x6b && p[OBJ_SIZE - 1] == 0xa5);

	memset(p, 0, OBJ_SIZE + 1);	/* one byte too many */
	pr_info("sd: validated %ld slabs\n", validate_slab_cache(cache));
	pr_info("sd: red zone restored: %d\n", p[OBJ_SIZE] == 0xcc);

	kmem_cache_free(cache, p);
	kmem_cache_free(cache, p);	/* freed twice */
	p[3] = 0x11;			/* and written after the free */
	q = kmem_cache_alloc(cache, GFP_KERNEL);
	if (!q)
		goto fail;
	kmem_cache_free(cache, q);
	return 0;
fail:
	kmem_cache_free(cache, keep);
	kmem_cache_destroy(cache);
	return -ENOMEM;
}

static void __exit slub_debug_exit(void)
{
	kmem_cache_free(cache, keep);
	kmem_cache_destroy(cache);
}

module_init(slub_debug_init);
module_exit(slub_debug_exit);
MODULE_LICENSE("GPL");
