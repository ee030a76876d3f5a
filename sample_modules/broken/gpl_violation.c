// SPDX-License-Identifier: GPL-2.0
/*
 * gpl_violation: a proprietary module that calls provider's GPL-only
 * provider_secret(). Loading it (after provider) fails as on Linux: a
 * proprietary module does not see GPL-only exports, so dmesg says
 * "gpl_violation: Unknown symbol provider_secret (err -2)" and insmod
 * "Unknown symbol in module". The kernel is also tainted (P) by the attempt.
 * Built with provider's Module.symvers, modpost refuses it ("GPL-incompatible
 * module gpl_violation.ko uses GPL-only symbol 'provider_secret'").
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
