/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/livepatch.h> as Linux 6.1 (CONFIG_LIVEPATCH): a livepatch
 * module (MODULE_INFO(livepatch, "Y")) describes, in a struct klp_patch,
 * which functions of vmlinux or of a module it replaces (struct klp_object
 * and struct klp_func) and calls klp_enable_patch() from its init. Calls of
 * an old function then go to its replacement, task by task as each one is
 * found outside the functions being changed (the consistency model);
 * /sys/kernel/livepatch/NAME shows and drives it. Shadow variables
 * (klp_shadow_*) attach data to existing objects.
 *
 * The fields marked "internal" are the kernel's: lkmsh fills old_func,
 * old_size, new_size, patched and transition of each function, mod and
 * patched of each object and enabled and forced of the patch, as Linux does.
 */
#ifndef _LKMSH_LINUX_LIVEPATCH_H
#define _LKMSH_LINUX_LIVEPATCH_H

#include <linux/module.h>
#include <linux/ftrace.h>
#include <linux/completion.h>
#include <linux/list.h>
#include <linux/kobject.h>
#include <linux/workqueue.h>
#include <linux/sched.h>

/* task patch states */
#define KLP_UNDEFINED	-1
#define KLP_UNPATCHED	 0
#define KLP_PATCHED	 1

struct klp_func {
	/* external */
	const char *old_name;
	void *new_func;
	/*
	 * The old_sympos field is optional and can be used to resolve
	 * duplicate symbol names in livepatch objects. If this field is zero,
	 * it is expected the symbol is unique.
	 */
	unsigned long old_sympos;

	/* internal */
	void *old_func;
	struct kobject kobj;
	struct list_head node;
	struct list_head stack_node;
	unsigned long old_size, new_size;
	bool nop;
	bool patched;
	bool transition;
};

struct klp_object;

struct klp_callbacks {
	int (*pre_patch)(struct klp_object *obj);
	void (*post_patch)(struct klp_object *obj);
	void (*pre_unpatch)(struct klp_object *obj);
	void (*post_unpatch)(struct klp_object *obj);
	bool post_unpatch_enabled;
};

struct klp_object {
	/* external */
	const char *name;		/* NULL: vmlinux */
	struct klp_func *funcs;
	struct klp_callbacks callbacks;

	/* internal */
	struct kobject kobj;
	struct list_head func_list;
	struct list_head node;
	struct module *mod;
	bool dynamic;
	bool patched;
};

struct klp_state {
	unsigned long id;
	unsigned int version;
	void *data;
};

struct klp_patch {
	/* external */
	struct module *mod;
	struct klp_object *objs;
	struct klp_state *states;
	bool replace;

	/* internal */
	struct list_head list;
	struct kobject kobj;
	struct list_head obj_list;
	bool enabled;
	bool forced;
	struct work_struct free_work;
	struct completion finish;
};

#define klp_for_each_object_static(patch, obj) \
	for (obj = (patch)->objs; obj->funcs || obj->name; obj++)

#define klp_for_each_func_static(obj, func) \
	for (func = (obj)->funcs; \
	     func->old_name || func->new_func || func->old_sympos; \
	     func++)

#define klp_for_each_state(patch, state)		\
	for (state = (patch)->states; state && state->id; state++)

int klp_enable_patch(struct klp_patch *patch);

/* Called from the module loader during module coming/going states */
int klp_module_coming(struct module *mod);
void klp_module_going(struct module *mod);

void klp_copy_process(struct task_struct *child);
void klp_update_patch_state(struct task_struct *task);

static inline bool klp_patch_pending(struct task_struct *task)
{
	(void)task;
	return false;	/* lkmsh switches tasks in the transition's own checks */
}

static inline bool klp_have_reliable_stack(void)
{
	return true;	/* frame records on both architectures */
}

typedef int (*klp_shadow_ctor_t)(void *obj, void *shadow_data, void *ctor_data);
typedef void (*klp_shadow_dtor_t)(void *obj, void *shadow_data);

void *klp_shadow_get(void *obj, unsigned long id);
void *klp_shadow_alloc(void *obj, unsigned long id, size_t size, gfp_t gfp_flags,
		       klp_shadow_ctor_t ctor, void *ctor_data);
void *klp_shadow_get_or_alloc(void *obj, unsigned long id, size_t size, gfp_t gfp_flags,
			      klp_shadow_ctor_t ctor, void *ctor_data);
void klp_shadow_free(void *obj, unsigned long id, klp_shadow_dtor_t dtor);
void klp_shadow_free_all(unsigned long id, klp_shadow_dtor_t dtor);

struct klp_state *klp_get_state(struct klp_patch *patch, unsigned long id);
struct klp_state *klp_get_prev_state(unsigned long id);

/*
 * lkmsh: fs/proc/cmdline.c's and fs/proc/meminfo.c's show functions, behind
 * /proc/cmdline and /proc/meminfo. They are static in Linux (kallsyms names
 * them, a live patch replaces them by name, as samples/livepatch/livepatch-sample.c
 * and lib/livepatch/test_klp_atomic_replace.c do) and not exported here either:
 * declared only so that the kernel's table of functions is checked against C.
 */
struct seq_file;
int cmdline_proc_show(struct seq_file *m, void *v);
int meminfo_proc_show(struct seq_file *m, void *v);

#endif
