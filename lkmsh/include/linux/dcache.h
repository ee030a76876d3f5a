/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/dcache.h>: struct qstr and struct dentry with Linux 6.1's
 * layout for every field a module (or %pd) reads; QSTR_INIT, the d_iname
 * inline name. lkmsh's files are not dentries: these are for modules that
 * build their own (lib/test_printf.c) and for %pd/%pD.
 */
#ifndef _LKMSH_LINUX_DCACHE_H
#define _LKMSH_LINUX_DCACHE_H

#include <linux/types.h>

#define HASH_LEN_DECLARE u32 hash; u32 len

struct qstr {
	union {
		struct {
			HASH_LEN_DECLARE;
		};
		u64 hash_len;
	};
	const unsigned char *name;
};

#define DNAME_INLINE_LEN 32

struct dentry {
	unsigned int d_flags;
	unsigned int d_seq;
	struct hlist_node d_hash;
	struct dentry *d_parent;
	struct qstr d_name;
	struct inode *d_inode;
	unsigned char d_iname[DNAME_INLINE_LEN];
	struct super_block *d_sb;
	void *d_fsdata;
};

#define QSTR_INIT(n, l) { { { .len = l } }, .name = n }

#define IS_ROOT(x) ((x) == (x)->d_parent)

#endif /* _LKMSH_LINUX_DCACHE_H */
