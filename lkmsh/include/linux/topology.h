/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/topology.h> for a machine of one CPU on one memory node
 * (node 0), as Linux 6.1 without CONFIG_NUMA: every CPU and every page is
 * on node 0.
 */
#ifndef _LKMSH_LINUX_TOPOLOGY_H
#define _LKMSH_LINUX_TOPOLOGY_H

static inline int numa_node_id(void)
{
	return 0;
}

static inline int numa_mem_id(void)
{
	return 0;
}

static inline int cpu_to_node(int cpu)
{
	return 0;
}

#endif
