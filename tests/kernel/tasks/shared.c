/*
 * Shared state the ways Linux offers: a semaphore gate, a reader-writer
 * semaphore, an RCU-protected pointer replaced under readers, kref-counted
 * objects and a bitmap of flags.
 */
#include <linux/bitops.h>
#include <linux/delay.h>
#include <linux/kref.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/semaphore.h>
#include <linux/slab.h>

MODULE_LICENSE("GPL");

struct config {
	int generation;
	struct rcu_head rcu;
};

struct item {
	struct kref ref;
	int id;
};

static DEFINE_SEMAPHORE(gate);
static DECLARE_RWSEM(table_sem);
static struct config __rcu *current_config;
static DECLARE_BITMAP(flags, 128);
static int table[4];

static void item_release(struct kref *ref)
{
	struct item *it = container_of(ref, struct item, ref);

	pr_info("shared: item %d released\n", it->id);
	kfree(it);
}

static void config_gone(struct rcu_head *head)
{
	struct config *c = container_of(head, struct config, rcu);

	pr_info("shared: config %d's grace period is over\n", c->generation);
	kfree(c);
}

static int gate_fn(void *data)
{
	long id = (long)data;

	down(&gate);
	pr_info("shared: %ld passes the gate\n", id);
	msleep(50);
	up(&gate);
	return 0;
}

static int reader_fn(void *data)
{
	long id = (long)data;
	struct config *c;

	down_read(&table_sem);
	pr_info("shared: reader %ld sees table[0]=%d\n", id, table[0]);
	up_read(&table_sem);
	rcu_read_lock();
	c = rcu_dereference(current_config);
	pr_info("shared: reader %ld sees generation %d\n", id, c->generation);
	rcu_read_unlock();
	return 0;
}

static int writer_fn(void *data)
{
	struct config *old, *new;

	down_write(&table_sem);
	msleep(20);		/* the readers queue up behind the writer */
	table[0] = 42;
	up_write(&table_sem);
	new = kzalloc(sizeof(*new), GFP_KERNEL);
	new->generation = 2;
	old = rcu_dereference_protected(current_config, 1);
	rcu_assign_pointer(current_config, new);
	synchronize_rcu();
	kfree(old);
	old = new;
	new = kzalloc(sizeof(*new), GFP_KERNEL);
	new->generation = 3;
	rcu_assign_pointer(current_config, new);
	call_rcu(&old->rcu, config_gone);
	return 0;
}

static int __init shared_init(void)
{
	struct item *it = kzalloc(sizeof(*it), GFP_KERNEL);
	unsigned long bit;

	current_config = kzalloc(sizeof(*current_config), GFP_KERNEL);
	current_config->generation = 1;
	kref_init(&it->ref);
	it->id = 1;
	kref_get(&it->ref);
	pr_info("shared: item refs %u\n", kref_read(&it->ref));
	kref_put(&it->ref, item_release);
	kref_put(&it->ref, item_release);

	set_bit(3, flags);
	set_bit(70, flags);
	pr_info("shared: bit 70 %d, was set %d\n", test_bit(70, flags), test_and_set_bit(3, flags));
	for_each_set_bit(bit, flags, 128)
		pr_info("shared: flag %lu\n", bit);

	kthread_run(gate_fn, (void *)1L, "gate-1");
	kthread_run(gate_fn, (void *)2L, "gate-2");
	kthread_run(writer_fn, NULL, "writer");
	kthread_run(reader_fn, (void *)1L, "reader-1");
	kthread_run(reader_fn, (void *)2L, "reader-2");
	return 0;
}

static void __exit shared_exit(void)
{
	rcu_barrier();
	kfree(rcu_dereference_protected(current_config, 1));
}

module_init(shared_init);
module_exit(shared_exit);
