// SPDX-License-Identifier: MIT
/*
 * get_random_u8/u16/u32/u64 and get_random_bytes' fast path, run on the
 * emulated CPU: self-tests draw a random number per step of their loops
 * (lib/reed_solomon/test_rslib.c draws millions), one Python round trip each.
 * The kernel (randfast.py) lends this code the next bytes of its random
 * stream in a buffer in kernel memory; a draw takes them in order, so the
 * bytes a module sees are the stream's, as if each call had gone to the
 * kernel. An empty buffer, a draw larger than what is left, or the function
 * tracer on (enabled 0) jumps to the kernel's own slot, which draws there and
 * lends the following bytes again; the kernel puts back what is unread before
 * it draws for anyone else or saves the state.
 *
 * Built with sibling calls on (build.py): the slow path must be a tail jump.
 */
#include "klib.h"

#define RND_FAST_CTL 0xffffffff82c50000UL /* layout.KERNEL_DATA_BASE + 0xc50000: randfast.py */
#define RND_BYTES 4096

void *memcpy(void *dest, const void *src, size_t count);

struct rnd_fast_ctl {
	u64 pos, end; /* the unread bytes are buf[pos, end) */
	u64 enabled;
	u64 slow_u8, slow_u16, slow_u32, slow_u64, slow_bytes; /* the kernel's slots */
	u8 buf[RND_BYTES];
};

_Static_assert(__builtin_offsetof(struct rnd_fast_ctl, buf) == 64, "ctl layout");

#define CTL ((struct rnd_fast_ctl *)RND_FAST_CTL)

/* the next @n bytes of the buffer, or NULL (module code may scribble over pos and end) */
static inline __attribute__((always_inline)) const u8 *take(struct rnd_fast_ctl *ctl, u64 n)
{
	u64 pos = ctl->pos, end = ctl->end;

	if (!ctl->enabled || end > RND_BYTES || pos > end || end - pos < n)
		return NULL;
	ctl->pos = pos + n;
	return ctl->buf + pos;
}

/* little-endian, as the kernel reads the stream */
static inline u64 le(const u8 *p, int n)
{
	u64 v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

u8 get_random_u8(void)
{
	const u8 *p = take(CTL, 1);

	if (p)
		return p[0];
	return ((u8(*)(void))CTL->slow_u8)();
}

u16 get_random_u16(void)
{
	const u8 *p = take(CTL, 2);

	if (p)
		return le(p, 2);
	return ((u16(*)(void))CTL->slow_u16)();
}

u32 get_random_u32(void)
{
	const u8 *p = take(CTL, 4);

	if (p)
		return le(p, 4);
	return ((u32(*)(void))CTL->slow_u32)();
}

u64 get_random_u64(void)
{
	const u8 *p = take(CTL, 8);

	if (p)
		return le(p, 8);
	return ((u64(*)(void))CTL->slow_u64)();
}

void get_random_bytes(void *buf, size_t len)
{
	const u8 *p = take(CTL, len);

	if (p) {
		memcpy(buf, p, len);
		return;
	}
	((void (*)(void *, size_t))CTL->slow_bytes)(buf, len);
}
