/*
 * lkmsh: the kernel configuration modules see (kbuild's generated/autoconf.h).
 * Only options lkmsh models are set, each with the value of Debian's 6.1
 * kernel (config-6.1.0-*-cloud-amd64/arm64); everything else reads as "not
 * set", so IS_ENABLED(CONFIG_X) is 0 for what lkmsh does not have.
 */
#ifndef __LKMSH_GENERATED_AUTOCONF_H
#define __LKMSH_GENERATED_AUTOCONF_H

#define CONFIG_64BIT 1
#define CONFIG_MMU 1
#define CONFIG_HZ 250
#define CONFIG_MODULES 1
#define CONFIG_MODULE_UNLOAD 1
#define CONFIG_PRINTK 1
#define CONFIG_BUG 1
#define CONFIG_KALLSYMS 1
#define CONFIG_SYSFS 1
#define CONFIG_PROC_FS 1
#define CONFIG_DEBUG_FS 1
#define CONFIG_JUMP_LABEL 1
#define CONFIG_KUNIT 1
#define CONFIG_SLUB 1
#define CONFIG_DYNAMIC_DEBUG 1
#define CONFIG_DYNAMIC_DEBUG_CORE 1
#define CONFIG_SLUB_DEBUG 1
#define CONFIG_SLAB_FREELIST_HARDENED 1
#define CONFIG_XARRAY_MULTI 1
#define CONFIG_PREEMPT_VOLUNTARY 1
#define CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS 1
#define CONFIG_KPROBES 1
#define CONFIG_KGDB 1
#define CONFIG_KGDB_KDB 1
#define CONFIG_MAGIC_SYSRQ 1
#define CONFIG_KRETPROBES 1
#define CONFIG_STACKTRACE 1
#define CONFIG_ARCH_HAS_FORTIFY_SOURCE 1
#define CONFIG_FORTIFY_SOURCE 1
#define CONFIG_ARCH_CORRECT_STACKTRACE_ON_KRETPROBE 1
/* the firmware loader (firmware.py): built in, with the firmware cache and .xz files;
 * no sysfs fallback (CONFIG_FW_LOADER_USER_HELPER) and no CONFIG_FW_UPLOAD, as Debian */
#define CONFIG_FW_LOADER 1
#define CONFIG_FW_LOADER_PAGED_BUF 1
#define CONFIG_FW_LOADER_COMPRESS 1
#define CONFIG_FW_LOADER_COMPRESS_XZ 1
#define CONFIG_FW_CACHE 1
/* memory management: Debian's 6.1 (ZONE_DEVICE, MMU notifiers, HMM mirroring, device
 * migration, free-region lookup), plus CONFIG_DEVICE_PRIVATE, which Debian leaves
 * unset: lib/test_hmm.c's TEST_HMM depends on it (kernel/zonedev.py) */
#define CONFIG_MIGRATION 1
#define CONFIG_ZONE_DEVICE 1
#define CONFIG_DEVICE_PRIVATE 1
#define CONFIG_DEVICE_MIGRATION 1
#define CONFIG_MMU_NOTIFIER 1
#define CONFIG_HMM_MIRROR 1
#define CONFIG_GET_FREE_REGION 1
/* lib/test_kprobes.c loads as a module, so its option reads as =m (kbuild's _MODULE) */
#define CONFIG_KPROBES_SANITY_TEST_MODULE 1
/* lib/test_maple_tree.c loads as a module: TEST_MAPLE_TREE selects DEBUG_MAPLE_TREE */
#define CONFIG_DEBUG_MAPLE_TREE 1

#if defined(__x86_64__)
#define CONFIG_X86 1
#define CONFIG_X86_64 1
#define CONFIG_RETHOOK 1
#define CONFIG_KRETPROBE_ON_RETHOOK 1
#elif defined(__aarch64__)
#define CONFIG_ARM64 1
#define CONFIG_ARM64_PAGE_SHIFT 12
#endif

#if defined(__clang__)
#define CONFIG_CC_IS_CLANG 1
#define CONFIG_INIT_STACK_NONE 1
#else
#define CONFIG_CC_IS_GCC 1
/* gcc builds get -ftrivial-auto-var-init=zero, as kbuild adds for this option
 * (clang before 16 would need an extra enabler flag: lkmsh's clang builds go without) */
#define CONFIG_INIT_STACK_ALL_ZERO 1
#endif

#endif /* __LKMSH_GENERATED_AUTOCONF_H */
