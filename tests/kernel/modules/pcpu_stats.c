// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU statistics the way network drivers keep them: one alloc_percpu'd
 * struct per device, counted with this_cpu_* on the fast path and summed over
 * the possible CPUs when read. The device list lives in a per-CPU area too
 * (a dynamic one holding the only pointer to it), and a firmware buffer is
 * kept with no pointer to it at all, marked kmemleak_not_leak.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kmemleak.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>

struct pcpu_sw_stats {
	u64 rx_packets;
	u64 rx_bytes;
};

struct dev_slot {
	void *priv;
};

static struct pcpu_sw_stats __percpu *stats;
static struct dev_slot __percpu *slot;
static unsigned long fw_cookie;

static u64 total_bytes(void)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(stats, cpu)->rx_bytes;
	return sum;
}

static int __init pcpu_stats_init(void)
{
	struct pcpu_sw_stats *s;
	void *fw;

	stats = alloc_percpu(struct pcpu_sw_stats);
	if (!stats)
		return -ENOMEM;
	slot = alloc_percpu_gfp(struct dev_slot, GFP_KERNEL);
	if (!slot)
		goto free_stats;
	s = get_cpu_ptr(stats);
	if (s->rx_packets || s->rx_bytes)	/* per-CPU areas come zeroed */
		pr_err("area not zeroed\n");
	s->rx_packets++;
	put_cpu_ptr(stats);
	this_cpu_add(stats->rx_bytes, 1500);
	this_cpu_inc(stats->rx_packets);
	pr_info("packets %llu bytes %llu\n", this_cpu_read(stats->rx_packets), total_bytes());

	this_cpu_ptr(slot)->priv = kzalloc(200, GFP_KERNEL);	/* reached through slot only */
	fw = kmalloc(300, GFP_KERNEL);
	if (!fw)
		goto free_slot;
	fw_cookie = (unsigned long)fw ^ 0x5a5a5a5a;	/* no pointer left to it */
	kmemleak_not_leak(fw);

	if (__alloc_percpu(PCPU_MIN_UNIT_SIZE + 1, 8))
		pr_err("an area larger than a unit\n");
	if (__alloc_percpu_gfp(64, 24, GFP_KERNEL | __GFP_NOWARN))
		pr_err("an alignment not a power of two\n");
	return 0;

free_slot:
	free_percpu(slot);
free_stats:
	free_percpu(stats);
	return -ENOMEM;
}

static void __exit pcpu_stats_exit(void)
{
	kfree(this_cpu_ptr(slot)->priv);
	free_percpu(slot);
	/* stats is left behind: Linux's kmemleak never reports a per-CPU area */
	pr_info("bytes at exit %llu\n", total_bytes());
}

module_init(pcpu_stats_init);
module_exit(pcpu_stats_exit);
MODULE_LICENSE("GPL");
