#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/completion.h>
#include <linux/workqueue.h>

static bool keep;
module_param(keep, bool, 0444);

static struct mm_struct *kept;
static DECLARE_COMPLETION(thread_done);

/* each leaks what it allocates: kmemleak names the task that allocated it */
static int leaker_fn(void *data)
{
	struct mm_struct *mm = get_task_mm(current);

	kmalloc(32, GFP_KERNEL);
	kmalloc(2048, GFP_KERNEL);
	pr_info("task_mm: %s: mm %s, get_task_mm %s\n", current->comm,
		current->mm ? "set" : "NULL", mm ? "set" : "NULL");
	complete(&thread_done);
	return 0;
}

static void work_fn(struct work_struct *work)
{
	kmalloc(48, GFP_KERNEL);
	pr_info("task_mm: worker mm %s\n", current->mm ? "set" : "NULL");
}
static DECLARE_WORK(leak_work, work_fn);

static int __init task_mm_init(void)
{
	struct mm_struct *mm = current->mm, *got;
	struct task_struct *t;

	if (!mm) {
		pr_err("task_mm: %s has no mm\n", current->comm);
		return -EINVAL;
	}
	got = get_task_mm(current);
	pr_info("task_mm: %s has an mm: same %d, users %d, count %d\n", current->comm,
		got == mm, atomic_read(&mm->mm_users), atomic_read(&mm->mm_count));
	mmap_read_lock(mm);
	pr_info("task_mm: read-locked %d, write trylock %d, read trylock %d\n",
		rwsem_is_locked(&mm->mmap_lock), mmap_write_trylock(mm), mmap_read_trylock(mm));
	mmap_read_unlock(mm);
	mmap_read_unlock(mm);
	mmap_write_lock(mm);
	mmap_assert_write_locked(mm);
	pr_info("task_mm: write-locked, read trylock %d\n", mmap_read_trylock(mm));
	mmap_write_unlock(mm);
	mmgrab(mm);
	mmdrop(mm);
	if (keep) {
		kept = got;	/* held until exit, across commands */
	} else {
		mmput(got);
		pr_info("task_mm: put back: users %d\n", atomic_read(&mm->mm_users));
	}
	t = kthread_run(leaker_fn, NULL, "mm_leaker");
	if (IS_ERR(t))
		return PTR_ERR(t);
	wait_for_completion(&thread_done);
	schedule_work(&leak_work);
	flush_work(&leak_work);
	kmalloc(16, GFP_KERNEL);
	return 0;
}

static void __exit task_mm_exit(void)
{
	if (kept) {
		pr_info("task_mm: kept mm: users %d, count %d, now %s\n",
			atomic_read(&kept->mm_users), atomic_read(&kept->mm_count),
			current->mm == kept ? "same" : "another");
		mmput(kept);
	}
}

module_init(task_mm_init);
module_exit(task_mm_exit);
MODULE_LICENSE("GPL");
