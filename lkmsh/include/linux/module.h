/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: what every module includes, as Linux's <linux/module.h>:
 * module_init/module_exit, MODULE_* metadata, THIS_MODULE, reference counts.
 *
 * Metadata lands in .modinfo as "key=value\0" records, exactly as Linux.
 * `lkmsh build` adds what kbuild's modpost adds (name=, vermagic=, depends=,
 * and struct module __this_module pointing at init_module/cleanup_module).
 */
#ifndef _LKMSH_LINUX_MODULE_H
#define _LKMSH_LINUX_MODULE_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/stat.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/export.h>
#include <linux/moduleparam.h>
#include <linux/kmod.h>
#include <linux/ktime.h>
#include <linux/string.h>	/* as Linux's module.h brings it, through its many headers */
#include <linux/kobject.h>
#include <linux/percpu.h>	/* as Linux's, for struct module's per-CPU area */
#include <linux/completion.h>	/* as Linux's brings it (kmod.h, gfp.h, mmzone.h, mm_types.h) */

#ifndef __ASSEMBLY__

#define MODULE_NAME_LEN		56

enum module_state {
	MODULE_STATE_LIVE,	/* Normal state. */
	MODULE_STATE_COMING,	/* Full formed, running module_init. */
	MODULE_STATE_GOING,	/* Going away. */
	MODULE_STATE_UNFORMED,	/* Still setting it up. */
};

/* The kernel's record of a module (lkmsh layout, 128 bytes; docs/abi.md). */
struct module {
	char name[MODULE_NAME_LEN];	/*  0: KBUILD_MODNAME */
	int (*init)(void);		/* 56: module_init() function, or NULL */
	void (*exit)(void);		/* 64: module_exit() function, or NULL */
	enum module_state state;	/* 72: kept by the kernel, as Linux's */
	unsigned int lkmsh_pad;		/* 76 */
	unsigned long lkmsh_reserved[6];/* 80: kernel-owned */
};

extern struct module __this_module;
#define THIS_MODULE (&__this_module)

#define MODULE_INFO(tag, info)	__MODULE_INFO(tag, tag, info)

/*
 * The license decides which exports a module may use and whether it taints
 * the kernel. GPL-compatible, as Linux: "GPL", "GPL v2", "GPL and additional
 * rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL".
 */
#define MODULE_LICENSE(_license)	MODULE_INFO(license, _license)
#define MODULE_AUTHOR(_author)		MODULE_INFO(author, _author)
#define MODULE_DESCRIPTION(_desc)	MODULE_INFO(description, _desc)
#define MODULE_VERSION(_version)	MODULE_INFO(version, _version)
#define MODULE_ALIAS(_alias)		MODULE_INFO(alias, _alias)
#define MODULE_SOFTDEP(_softdep)	MODULE_INFO(softdep, _softdep)
#define MODULE_FIRMWARE(_fw)		MODULE_INFO(firmware, _fw)
#define MODULE_IMPORT_NS(ns)		MODULE_INFO(import_ns, __stringify(ns))
#define MODULE_DEVICE_TABLE(type, name)

/*
 * module_init(fn): fn becomes the module's init, under the name the module
 * loader looks for (init_module), exactly as Linux builds modules.
 */
#define module_init(initfn)						\
	static inline initcall_t __maybe_unused __inittest(void)	\
	{ return initfn; }						\
	int init_module(void) __copy(initfn) __attribute__((__alias__(#initfn)));

/* In a module the initcall levels are all module_init (Linux's <linux/module.h>). */
#define early_initcall(fn)		module_init(fn)
#define core_initcall(fn)		module_init(fn)
#define core_initcall_sync(fn)		module_init(fn)
#define postcore_initcall(fn)		module_init(fn)
#define postcore_initcall_sync(fn)	module_init(fn)
#define arch_initcall(fn)		module_init(fn)
#define subsys_initcall(fn)		module_init(fn)
#define subsys_initcall_sync(fn)	module_init(fn)
#define fs_initcall(fn)			module_init(fn)
#define fs_initcall_sync(fn)		module_init(fn)
#define rootfs_initcall(fn)		module_init(fn)
#define device_initcall(fn)		module_init(fn)
#define device_initcall_sync(fn)	module_init(fn)
#define late_initcall(fn)		module_init(fn)
#define late_initcall_sync(fn)		module_init(fn)

/* module_exit(fn): fn runs on rmmod. A module without one cannot be unloaded. */
#define module_exit(exitfn)						\
	static inline exitcall_t __maybe_unused __exittest(void)	\
	{ return exitfn; }						\
	void cleanup_module(void) __copy(exitfn) __attribute__((__alias__(#exitfn)));

/* Reference counts: a module with references cannot be removed. */
bool try_module_get(struct module *module);
void module_put(struct module *module);
int module_refcount(struct module *mod);
#define __module_get(m)		((void)try_module_get(m))
/* A thread that holds a reference on its module drops it as it ends. */
void __noreturn __module_put_and_kthread_exit(struct module *mod, long code);
#define module_put_and_kthread_exit(code) __module_put_and_kthread_exit(THIS_MODULE, code)

/* Look up another module's export at run time (takes a reference on it). */
void *__symbol_get(const char *symbol);
void __symbol_put(const char *symbol);
#define symbol_get(x)	((typeof(&x))(__symbol_get(__stringify(x))))
#define symbol_put(x)	__symbol_put(__stringify(x))

#endif /* !__ASSEMBLY__ */

#endif
