// SPDX-License-Identifier: GPL-2.0
/*
 * gpl_violation: a proprietary module that calls provider's GPL-only
 * provider_secret(). Loading it (after provider) fails as on Linux:
 * "gpl_violation: module using GPL-only symbols uses symbols provider_secret
 * from module provider" / "Unknown symbol in module". The kernel is also
 * tainted (P) by the attempt.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

extern int provider_secret(void);

static int __init gpl_violation_init(void)
{
	pr_info("the secret is %x\n", provider_secret());
	return 0;
}

static void __exit gpl_violation_exit(void)
{
}

module_init(gpl_violation_init);
module_exit(gpl_violation_exit);

MODULE_LICENSE("Proprietary");
MODULE_DESCRIPTION("Proprietary module using a GPL-only export");
