"""irq_work (<linux/irq_work.h>): the work runs in hard-IRQ context, once per claim,
before irq_work_queue() returns on lkmsh's one CPU; both architectures."""

from __future__ import annotations

from kernel_helpers import texts

IRQ_WORK = r"""
#include <linux/module.h>
#include <linux/irq_work.h>
#include <linux/preempt.h>

struct sample {
	struct irq_work work;
	int runs;
	int in_irq_seen;
	int busy_inside;
};

static struct sample s;

static void sample_work(struct irq_work *work)
{
	struct sample *sp = container_of(work, struct sample, work);

	sp->runs++;
	sp->in_irq_seen = in_irq() ? 1 : 0;
	sp->busy_inside = irq_work_is_busy(work) && !irq_work_is_pending(work);
	/* queued again from inside: it is no longer pending, so it is claimed again */
	if (sp->runs == 1)
		pr_info("irq_work: requeue inside %d\n", irq_work_queue(work));
}

static DEFINE_IRQ_WORK(static_work, sample_work);

static int __init irq_work_sample_init(void)
{
	bool first;

	init_irq_work(&s.work, sample_work);
	first = irq_work_queue(&s.work);
	irq_work_sync(&s.work);
	pr_info("irq_work: queued %d, ran %d, in_irq %d, busy inside %d, busy after %d\n",
		first, s.runs, s.in_irq_seen, s.busy_inside, irq_work_is_busy(&s.work));
	pr_info("irq_work: in_irq after %d, static flags %u\n", in_irq() ? 1 : 0,
		static_work.node.u_flags);
	return 0;
}

module_init(irq_work_sample_init);
MODULE_LICENSE("GPL");
"""


def test_irq_work_runs_in_hard_irq_context_before_queue_returns(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(IRQ_WORK, "irqw").read_bytes())
    out = texts(k)
    assert "irq_work: requeue inside 1" in out
    assert "irq_work: queued 1, ran 2, in_irq 1, busy inside 1, busy after 0" in out
    assert "irq_work: in_irq after 0, static flags 0" in out
