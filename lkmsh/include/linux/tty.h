/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: struct tty_struct and the calls that find the current task's tty,
 * as Linux 6.1's <linux/tty.h>. The leading fields are Linux's, in its order;
 * the locks, termios and work items in between are left out (the kernel owns
 * them). get_current_tty() returns the controlling tty of the running task:
 * the shell's terminal for a command's task (insmod, rmmod, cat ...), NULL
 * for kernel threads, workers, timers and interrupts.
 */
#ifndef _LKMSH_LINUX_TTY_H
#define _LKMSH_LINUX_TTY_H

#include <linux/types.h>
#include <linux/fs.h>
#include <linux/string.h>
#include <linux/kref.h>
#include <linux/tty_driver.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

struct device;
struct tty_ldisc;

/* as <uapi/asm-generic/termios.h> */
struct winsize {
	unsigned short ws_row;
	unsigned short ws_col;
	unsigned short ws_xpixel;
	unsigned short ws_ypixel;
};

struct tty_struct {
	struct kref kref;
	int index;
	struct device *dev;
	struct tty_driver *driver;
	struct tty_port *port;
	const struct tty_operations *ops;
	struct tty_ldisc *ldisc;
	char name[64];
	unsigned long flags;
	int count;
	unsigned int receive_room;
	struct winsize winsize;
	void *disc_data;
	void *driver_data;
};

struct tty_struct *get_current_tty(void);
void tty_kref_put(struct tty_struct *tty);
const char *tty_name(const struct tty_struct *tty);
void tty_write_message(struct tty_struct *tty, char *msg);

static inline struct tty_struct *tty_kref_get(struct tty_struct *tty)
{
	if (tty)
		kref_get(&tty->kref);
	return tty;
}

#endif
