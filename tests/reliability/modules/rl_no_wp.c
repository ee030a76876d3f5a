// Clears CR0.WP and EFER (NXE) the way rootkits do, then writes its rodata.
#include <linux/module.h>
#include <linux/kernel.h>

static const int answer = 42;

static int __init rl_init(void)
{
	unsigned long cr0;

	asm volatile("mov %%cr0, %0" : "=r"(cr0));
	asm volatile("mov %0, %%cr0" :: "r"(cr0 & ~(1UL << 16)));
	asm volatile("wrmsr" :: "c"(0xc0000080), "a"(0), "d"(0));
	*(volatile int *)&answer = 7;
	return 0;
}
module_init(rl_init);
MODULE_LICENSE("GPL");
