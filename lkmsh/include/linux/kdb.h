/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/kdb.h>: commands a module adds to kdb, the kernel debugger's shell, as
 * Linux 6.1 (CONFIG_KGDB_KDB): kdbtab_t registered with kdb_register, run with
 * (argc, argv) where argv[0] is the command typed, printing with kdb_printf.
 * The shell's `kdb` enters the debugger with the machine stopped (`kdb CMD ARGS`
 * runs one command); `help` lists the commands, `go` leaves.
 */
#ifndef _LKMSH_LINUX_KDB_H
#define _LKMSH_LINUX_KDB_H

#include <linux/list.h>

/* a command with no arguments may need other permissions (kdb_check_flags) */
#define KDB_ENABLE_NO_ARGS_SHIFT 10

typedef enum {
	KDB_ENABLE_ALL = (1 << 0),
	KDB_ENABLE_MEM_READ = (1 << 1),
	KDB_ENABLE_MEM_WRITE = (1 << 2),
	KDB_ENABLE_REG_READ = (1 << 3),
	KDB_ENABLE_REG_WRITE = (1 << 4),
	KDB_ENABLE_INSPECT = (1 << 5),
	KDB_ENABLE_FLOW_CTRL = (1 << 6),
	KDB_ENABLE_SIGNAL = (1 << 7),
	KDB_ENABLE_REBOOT = (1 << 8),
	KDB_ENABLE_ALWAYS_SAFE = (1 << 9),
	KDB_ENABLE_MASK = (1 << KDB_ENABLE_NO_ARGS_SHIFT) - 1,

	KDB_ENABLE_ALL_NO_ARGS = KDB_ENABLE_ALL << KDB_ENABLE_NO_ARGS_SHIFT,
	KDB_ENABLE_MEM_READ_NO_ARGS = KDB_ENABLE_MEM_READ << KDB_ENABLE_NO_ARGS_SHIFT,
	KDB_ENABLE_MEM_WRITE_NO_ARGS = KDB_ENABLE_MEM_WRITE << KDB_ENABLE_NO_ARGS_SHIFT,
	KDB_ENABLE_REG_READ_NO_ARGS = KDB_ENABLE_REG_READ << KDB_ENABLE_NO_ARGS_SHIFT,
	KDB_ENABLE_REG_WRITE_NO_ARGS = KDB_ENABLE_REG_WRITE << KDB_ENABLE_NO_ARGS_SHIFT,
	KDB_ENABLE_INSPECT_NO_ARGS = KDB_ENABLE_INSPECT << KDB_ENABLE_NO_ARGS_SHIFT,
	KDB_ENABLE_FLOW_CTRL_NO_ARGS = KDB_ENABLE_FLOW_CTRL << KDB_ENABLE_NO_ARGS_SHIFT,
	KDB_ENABLE_SIGNAL_NO_ARGS = KDB_ENABLE_SIGNAL << KDB_ENABLE_NO_ARGS_SHIFT,
	KDB_ENABLE_REBOOT_NO_ARGS = KDB_ENABLE_REBOOT << KDB_ENABLE_NO_ARGS_SHIFT,
	KDB_ENABLE_ALWAYS_SAFE_NO_ARGS = KDB_ENABLE_ALWAYS_SAFE << KDB_ENABLE_NO_ARGS_SHIFT,
	KDB_ENABLE_MASK_NO_ARGS = KDB_ENABLE_MASK << KDB_ENABLE_NO_ARGS_SHIFT,

	KDB_REPEAT_NO_ARGS = 0x40000000,	/* Enter repeats the command, without arguments */
	KDB_REPEAT_WITH_ARGS = 0x80000000,	/* Enter repeats it with them */
} kdb_cmdflags_t;

typedef int (*kdb_func_t)(int, const char **);

/* one command of kdb's shell */
typedef struct _kdbtab {
	char		*name;		/* what is typed */
	kdb_func_t	func;		/* run with (argc, argv); argv[0] is the name */
	char		*usage;		/* help's second column */
	char		*help;		/* help's third column */
	short		minlen;		/* how short an abbreviation may be (0: none) */
	kdb_cmdflags_t	flags;
	struct list_head list_node;
} kdbtab_t;

#define KDB_MAXARGS	16

/* what a command returns when it fails; kdb prints "diag: N: message" */
#define KDB_NOTFOUND	(-1)
#define KDB_ARGCOUNT	(-2)
#define KDB_BADWIDTH	(-3)
#define KDB_BADRADIX	(-4)
#define KDB_NOTENV	(-5)
#define KDB_NOENVVALUE	(-6)
#define KDB_NOTIMP	(-7)
#define KDB_ENVFULL	(-8)
#define KDB_ENVBUFFULL	(-9)
#define KDB_TOOMANYBPT	(-10)
#define KDB_TOOMANYDBREGS (-11)
#define KDB_DUPBPT	(-12)
#define KDB_BPTNOTFOUND	(-13)
#define KDB_BADMODE	(-14)
#define KDB_BADINT	(-15)
#define KDB_INVADDRFMT	(-16)
#define KDB_BADREG	(-17)
#define KDB_BADCPUNUM	(-18)
#define KDB_BADLENGTH	(-19)
#define KDB_NOBP	(-20)
#define KDB_BADADDR	(-21)
#define KDB_NOPERM	(-22)

/* to the kdb console: inside kdb, its output; outside, the terminal (not dmesg) */
__attribute__((format(printf, 1, 2))) int kdb_printf(const char *fmt, ...);

/* 0; 1 (and "Duplicate kdb cmd: ...") when a command of that name exists */
int kdb_register(kdbtab_t *cmd);
void kdb_unregister(kdbtab_t *cmd);

#endif /* _LKMSH_LINUX_KDB_H */
