// Attempts to leave the emulator, chosen by parameter: 1 read a host address (addr=),
// 2 write a host address, 3 syscall, 4 int 0x80, 5 inb, 6 outb, 7 sysenter,
// 8 memcpy from a host address through the kernel API.
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/string.h>

static int how = 1;
module_param(how, int, 0444);
static unsigned long addr = 0x00007f0000001000UL;
module_param(addr, ulong, 0444);

static int __init rl_init(void)
{
	unsigned char v = 0;
	char copy[16];
	volatile unsigned long len = sizeof(copy);	/* a real call, not inlined moves */

	switch (how) {
	case 1: return (int)*(volatile long *)addr;
	case 2: *(volatile long *)addr = 0x4141414141414141L; break;
	case 3: asm volatile("syscall" ::: "rcx", "r11", "memory"); break;
	case 4: asm volatile("int $0x80" ::: "memory"); break;
	case 5: asm volatile("inb $0x60, %0" : "=a"(v)); break;
	case 6: asm volatile("outb %0, $0x80" :: "a"(v)); break;
	case 7: asm volatile("sysenter" ::: "memory"); break;
	case 8: memcpy(copy, (void *)addr, len); return copy[0];
	}
	return v;
}
module_init(rl_init);
MODULE_LICENSE("GPL");
