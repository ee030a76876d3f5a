"""<linux/ref_tracker.h> from a module that tracks the references it hands out.

"conns" gives each connection a tracked reference on its device, as net
devices' netdev_tracker does: released references go quiet, a second release
is refused with Linux's report, ref_tracker_dir_print() lists what is held,
and a clean ref_tracker_dir_exit() says nothing. Both architectures.
"""

from __future__ import annotations

from kernel_helpers import texts

CONNS = r"""
#include <linux/module.h>
#include <linux/ref_tracker.h>
#include <linux/slab.h>

static struct ref_tracker_dir dev_refs;
static struct ref_tracker *conn[3], *none;

static noinline void conn_open(int i)
{
	ref_tracker_alloc(&dev_refs, &conn[i], GFP_KERNEL);
}

static int __init conns_init(void)
{
	int again, eexist, untracked;

	ref_tracker_dir_init(&dev_refs, 1);
	conn_open(0);
	conn_open(1);
	conn_open(2);
	ref_tracker_free(&dev_refs, &conn[0]);
	ref_tracker_free(&dev_refs, &conn[1]); /* evicts conn[0] from the quarantine of 1 */
	again = ref_tracker_free(&dev_refs, &conn[1]);
	eexist = ref_tracker_free(&dev_refs, &none);
	ref_tracker_alloc(&dev_refs, &none, GFP_KERNEL);
	untracked = ref_tracker_alloc(&dev_refs, NULL, GFP_KERNEL);
	ref_tracker_free(&dev_refs, NULL);
	pr_info("conns: again %d, no tracker %d, untracked %d\n", again, eexist, untracked);
	pr_info("conns: held:\n");
	ref_tracker_dir_print(&dev_refs, 1);
	ref_tracker_free(&dev_refs, &conn[2]);
	return 0;
}

static void __exit conns_exit(void)
{
	ref_tracker_free(&dev_refs, &none);
	/* the -EEXIST release above took "untracked" from 1 to 0: put it back, or exit WARNs */
	atomic_inc(&dev_refs.untracked.refs);
	ref_tracker_dir_exit(&dev_refs);
	pr_info("conns: done\n");
}

module_init(conns_init);
module_exit(conns_exit);
MODULE_LICENSE("GPL");
"""


def test_tracked_references_report_as_linux(arch_kernel):
    kernel, build = arch_kernel
    kernel.module_load(build(CONNS, "conns"))
    log = [t for t in texts(kernel) if "taints" not in t]
    at = log.index("reference already released.")
    assert log[at + 1] == "allocated in:"
    assert log[at + 2].startswith(" conn_open+")
    assert log[at + 3].startswith(" conns_init+") and log[at + 3].endswith("[conns]")
    assert log[at + 4] == "freed in:"
    assert log[at + 5].startswith(" conns_init+")
    warning = "WARNING: CPU: 0 PID: 1 at lkmsh/klib/ref_tracker.c:145 ref_tracker_free"
    assert any(t.startswith(warning) for t in log)  # warn_slowpath_fmt: the klib's C WARN_ON
    assert "conns: again -22, no tracker -17, untracked 0" in log
    held = log[log.index("conns: held:") + 1 :]
    # the display limit of 1: the newest tracker, the one conns_init took itself
    assert held[0] == "leaked reference."
    assert held[1].startswith(" conns_init+")
    assert "leaked reference." not in held[2:]
    kernel.module_unload("conns")
    tail = [t for t in texts(kernel) if "taints" not in t][len(log) :]
    assert tail == ["conns: done"]  # every reference released: exit says nothing
    assert kernel.heap.allocations("conns") == []
