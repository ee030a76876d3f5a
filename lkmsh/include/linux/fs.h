/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: files as drivers see them (<linux/fs.h>, Linux 6.1): struct file,
 * struct inode, struct dentry, struct file_operations in 6.1's field order,
 * character device numbers (register_chrdev, alloc_chrdev_region, ...), the
 * llseek helpers and simple_{read_from,write_to}_buffer.
 *
 * Every member a driver may touch has Linux's name, type and order; members
 * only the VFS uses internally (page cache, locks lists, writeback) are left
 * out of struct inode, so its size is lkmsh's own (docs/abi.md).
 */
#ifndef _LKMSH_LINUX_FS_H
#define _LKMSH_LINUX_FS_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/kdev_t.h>
#include <linux/fcntl.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/uidgid.h>
#include <linux/time64.h>
#include <linux/limits.h>
#include <asm/page.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/dcache.h>
#include <linux/rwsem.h>

struct module;
struct seq_file;
struct poll_table_struct;
struct vm_area_struct;
struct kiocb;
struct iov_iter;
struct io_comp_batch;
struct dir_context;
struct file_lock;
struct page;
struct pipe_inode_info;
struct io_uring_cmd;
struct cdev;
struct super_block;
struct vfsmount;
struct address_space;
struct cred;
struct pid;
struct inode_operations;

typedef void *fl_owner_t;
typedef u32 errseq_t;

/* file->f_mode */
#define FMODE_READ		((__force fmode_t)0x1)
#define FMODE_WRITE		((__force fmode_t)0x2)
#define FMODE_LSEEK		((__force fmode_t)0x4)
#define FMODE_PREAD		((__force fmode_t)0x8)
#define FMODE_PWRITE		((__force fmode_t)0x10)
#define FMODE_EXEC		((__force fmode_t)0x20)
#define FMODE_NDELAY		((__force fmode_t)0x40)
#define FMODE_EXCL		((__force fmode_t)0x80)
#define FMODE_WRITE_IOCTL	((__force fmode_t)0x100)
#define FMODE_32BITHASH		((__force fmode_t)0x200)
#define FMODE_64BITHASH		((__force fmode_t)0x400)
#define FMODE_NOCMTIME		((__force fmode_t)0x800)
#define FMODE_RANDOM		((__force fmode_t)0x1000)
#define FMODE_UNSIGNED_OFFSET	((__force fmode_t)0x2000)
#define FMODE_PATH		((__force fmode_t)0x4000)
#define FMODE_ATOMIC_POS	((__force fmode_t)0x8000)
#define FMODE_WRITER		((__force fmode_t)0x10000)
#define FMODE_CAN_READ		((__force fmode_t)0x20000)
#define FMODE_CAN_WRITE		((__force fmode_t)0x40000)
#define FMODE_OPENED		((__force fmode_t)0x80000)
#define FMODE_CREATED		((__force fmode_t)0x100000)
#define FMODE_STREAM		((__force fmode_t)0x200000)
#define FMODE_NONOTIFY		((__force fmode_t)0x4000000)
#define FMODE_NOWAIT		((__force fmode_t)0x8000000)

/* whence values of llseek */
#define SEEK_SET	0
#define SEEK_CUR	1
#define SEEK_END	2
#define SEEK_DATA	3
#define SEEK_HOLE	4
#define SEEK_MAX	SEEK_HOLE

#define MAX_LFS_FILESIZE	((loff_t)LLONG_MAX)
#define MAX_RW_COUNT		(INT_MAX & PAGE_MASK)

/* file type bits of i_mode (S_IFDIR, S_IFREG are in <linux/stat.h>) */
#define S_IFSOCK	0140000
#define S_IFLNK		0120000
#define S_IFBLK		0060000
#define S_IFCHR		0020000
#define S_IFIFO		0010000
#define S_ISDIR(m)	(((m) & S_IFMT) == S_IFDIR)
#define S_ISCHR(m)	(((m) & S_IFMT) == S_IFCHR)
#define S_ISREG(m)	(((m) & S_IFMT) == S_IFREG)

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
};

struct inode {
	umode_t			i_mode;
	unsigned short		i_opflags;
	kuid_t			i_uid;
	kgid_t			i_gid;
	unsigned int		i_flags;
	void			*i_acl;
	void			*i_default_acl;
	const struct inode_operations	*i_op;
	struct super_block	*i_sb;
	struct address_space	*i_mapping;
	void			*i_security;
	unsigned long		i_ino;
	union {
		const unsigned int i_nlink;
		unsigned int __i_nlink;
	};
	dev_t			i_rdev;
	loff_t			i_size;
	struct timespec64	i_atime;
	struct timespec64	i_mtime;
	struct timespec64	i_ctime;
	spinlock_t		i_lock;
	unsigned short          i_bytes;
	u8			i_blkbits;
	u8			i_write_hint;
	u64			i_blocks;
	unsigned long		i_state;
	atomic_t		i_count;
	atomic_t		i_writecount;
	const struct file_operations	*i_fop;
	struct list_head	i_devices;
	union {
		struct pipe_inode_info	*i_pipe;
		struct cdev		*i_cdev;
		char			*i_link;
		unsigned		i_dir_seq;
	};
	u32			i_generation;
	void			*i_private;
	/* lkmsh: Linux has it after i_state; kept last so the fields above keep their place */
	struct rw_semaphore	i_rwsem;
};

/* The page cache of an inode: what modules lock of it (mm/ has the rest). */
struct address_space {
	struct inode		*host;
	struct rw_semaphore	invalidate_lock;
	gfp_t			gfp_mask;
	atomic_t		i_mmap_writable;
	struct rw_semaphore	i_mmap_rwsem;
	unsigned long		nrpages;
	void			*private_data;
};

/* A mounted filesystem: the fields modules use. */
struct super_block {
	struct list_head	s_list;
	dev_t			s_dev;
	unsigned char		s_blocksize_bits;
	unsigned long		s_blocksize;
	loff_t			s_maxbytes;
	struct file_system_type	*s_type;
	unsigned long		s_flags;
	unsigned long		s_magic;
	struct dentry		*s_root;
	struct rw_semaphore	s_umount;
	int			s_count;
	atomic_t		s_active;
	char			s_id[32];
};

struct fown_struct {
	spinlock_t lock;
	struct pid *pid;
	int pid_type;
	kuid_t uid, euid;
	int signum;
};

struct file_ra_state {
	unsigned long start;
	unsigned int size;
	unsigned int async_size;
	unsigned int ra_pages;
	unsigned int mmap_miss;
	loff_t prev_pos;
};

struct file {
	union {
		struct list_head	f_llist;
		unsigned int		f_iocb_flags;
	};
	struct path		f_path;
	struct inode		*f_inode;
	const struct file_operations	*f_op;
	spinlock_t		f_lock;
	atomic_long_t		f_count;
	unsigned int		f_flags;
	fmode_t			f_mode;
	struct mutex		f_pos_lock;
	loff_t			f_pos;
	struct fown_struct	f_owner;
	const struct cred	*f_cred;
	struct file_ra_state	f_ra;
	u64			f_version;
	void			*f_security;
	void			*private_data;
	struct hlist_head	*f_ep;
	struct address_space	*f_mapping;
	errseq_t		f_wb_err;
	errseq_t		f_sb_err;
};

static inline struct inode *file_inode(const struct file *f)
{
	return f->f_inode;
}

struct file *filp_open(const char *filename, int flags, umode_t mode);
int filp_close(struct file *filp, fl_owner_t id);

static inline struct dentry *file_dentry(const struct file *file)
{
	return file->f_path.dentry;
}

static inline unsigned iminor(const struct inode *inode)
{
	return MINOR(inode->i_rdev);
}

static inline unsigned imajor(const struct inode *inode)
{
	return MAJOR(inode->i_rdev);
}

struct file_operations {
	struct module *owner;
	loff_t (*llseek) (struct file *, loff_t, int);
	ssize_t (*read) (struct file *, char __user *, size_t, loff_t *);
	ssize_t (*write) (struct file *, const char __user *, size_t, loff_t *);
	ssize_t (*read_iter) (struct kiocb *, struct iov_iter *);
	ssize_t (*write_iter) (struct kiocb *, struct iov_iter *);
	int (*iopoll)(struct kiocb *kiocb, struct io_comp_batch *, unsigned int flags);
	int (*iterate) (struct file *, struct dir_context *);
	int (*iterate_shared) (struct file *, struct dir_context *);
	__poll_t (*poll) (struct file *, struct poll_table_struct *);
	long (*unlocked_ioctl) (struct file *, unsigned int, unsigned long);
	long (*compat_ioctl) (struct file *, unsigned int, unsigned long);
	int (*mmap) (struct file *, struct vm_area_struct *);
	unsigned long mmap_supported_flags;
	int (*open) (struct inode *, struct file *);
	int (*flush) (struct file *, fl_owner_t id);
	int (*release) (struct inode *, struct file *);
	int (*fsync) (struct file *, loff_t, loff_t, int datasync);
	int (*fasync) (int, struct file *, int);
	int (*lock) (struct file *, int, struct file_lock *);
	ssize_t (*sendpage) (struct file *, struct page *, int, size_t, loff_t *, int);
	unsigned long (*get_unmapped_area)(struct file *, unsigned long, unsigned long, unsigned long, unsigned long);
	int (*check_flags)(int);
	int (*flock) (struct file *, int, struct file_lock *);
	ssize_t (*splice_write)(struct pipe_inode_info *, struct file *, loff_t *, size_t, unsigned int);
	ssize_t (*splice_read)(struct file *, loff_t *, struct pipe_inode_info *, size_t, unsigned int);
	int (*setlease)(struct file *, long, struct file_lock **, void **);
	long (*fallocate)(struct file *file, int mode, loff_t offset, loff_t len);
	void (*show_fdinfo)(struct seq_file *m, struct file *f);
	ssize_t (*copy_file_range)(struct file *, loff_t, struct file *, loff_t, size_t, unsigned int);
	loff_t (*remap_file_range)(struct file *file_in, loff_t pos_in, struct file *file_out, loff_t pos_out, loff_t len, unsigned int remap_flags);
	int (*fadvise)(struct file *, loff_t, loff_t, int);
	int (*uring_cmd)(struct io_uring_cmd *ioucmd, unsigned int issue_flags);
	int (*uring_cmd_iopoll)(struct io_uring_cmd *, struct io_comp_batch *, unsigned int poll_flags);
};

/* Character device numbers (fs/char_dev.c). */
#define CHRDEV_MAJOR_MAX 512
#define CHRDEV_MAJOR_DYN_END 234
#define CHRDEV_MAJOR_DYN_EXT_START 511
#define CHRDEV_MAJOR_DYN_EXT_END 384

int alloc_chrdev_region(dev_t *dev, unsigned baseminor, unsigned count, const char *name);
int register_chrdev_region(dev_t from, unsigned count, const char *name);
void unregister_chrdev_region(dev_t from, unsigned count);
int __register_chrdev(unsigned int major, unsigned int baseminor, unsigned int count,
		      const char *name, const struct file_operations *fops);
void __unregister_chrdev(unsigned int major, unsigned int baseminor, unsigned int count,
			 const char *name);

static inline int register_chrdev(unsigned int major, const char *name,
				  const struct file_operations *fops)
{
	return __register_chrdev(major, 0, 256, name, fops);
}

static inline void unregister_chrdev(unsigned int major, const char *name)
{
	__unregister_chrdev(major, 0, 256, name);
}

/* llseek implementations and open helpers (fs/read_write.c, fs/libfs.c, fs/open.c). */
loff_t no_llseek(struct file *file, loff_t offset, int whence);
loff_t noop_llseek(struct file *file, loff_t offset, int whence);
loff_t default_llseek(struct file *file, loff_t offset, int whence);
loff_t fixed_size_llseek(struct file *file, loff_t offset, int whence, loff_t size);
loff_t no_seek_end_llseek(struct file *file, loff_t offset, int whence);
loff_t generic_file_llseek(struct file *file, loff_t offset, int whence);
loff_t generic_file_llseek_size(struct file *file, loff_t offset, int whence,
				loff_t maxsize, loff_t eof);
int nonseekable_open(struct inode *inode, struct file *filp);
int stream_open(struct inode *inode, struct file *filp);
int simple_open(struct inode *inode, struct file *file);
/*
 * A file of one integer: read prints get()'s value with __fmt, write parses
 * an integer (any base) for set(), as fs/libfs.c's simple_attr files.
 */
static inline __printf(1, 2) void __simple_attr_check_format(const char *fmt, ...)
{
	/* don't do anything, just let the compiler check the arguments; */
}

int simple_attr_open(struct inode *inode, struct file *file,
		     int (*get)(void *, u64 *), int (*set)(void *, u64),
		     const char *fmt);
int simple_attr_release(struct inode *inode, struct file *file);
ssize_t simple_attr_read(struct file *file, char __user *buf,
			 size_t len, loff_t *ppos);
ssize_t simple_attr_write(struct file *file, const char __user *buf,
			  size_t len, loff_t *ppos);

#define DEFINE_SIMPLE_ATTRIBUTE(__fops, __get, __set, __fmt)		\
static int __fops ## _open(struct inode *inode, struct file *file)	\
{									\
	__simple_attr_check_format(__fmt, 0ull);			\
	return simple_attr_open(inode, file, __get, __set, __fmt);	\
}									\
static const struct file_operations __fops = {				\
	.owner	 = THIS_MODULE,						\
	.open	 = __fops ## _open,					\
	.release = simple_attr_release,					\
	.read	 = simple_attr_read,					\
	.write	 = simple_attr_write,					\
	.llseek	 = generic_file_llseek,					\
}

ssize_t simple_read_from_buffer(void __user *to, size_t count, loff_t *ppos,
				const void *from, size_t available);
ssize_t simple_write_to_buffer(void *to, size_t available, loff_t *ppos,
			       const void __user *from, size_t count);

/*
 * Filesystem types (fs/filesystems.c). lkmsh mounts nothing, but
 * get_fs_type() answers for the kernel's built-in ones (sysfs, proc,
 * devtmpfs, debugfs, tmpfs, ramfs) and, for another name, does what Linux
 * does: request_module("fs-NAME") and looks again. register_filesystem()
 * is not there yet.
 */
struct fs_context;
struct fs_parameter_spec;

#define SB_FREEZE_LEVELS	3

struct file_system_type {
	const char *name;
	int fs_flags;
#define FS_REQUIRES_DEV		1
#define FS_BINARY_MOUNTDATA	2
#define FS_HAS_SUBTYPE		4
#define FS_USERNS_MOUNT		8
#define FS_DISALLOW_NOTIFY_PERM	16
#define FS_ALLOW_IDMAP		32
#define FS_RENAME_DOES_D_MOVE	32768
	int (*init_fs_context)(struct fs_context *);
	const struct fs_parameter_spec *parameters;
	struct dentry *(*mount)(struct file_system_type *, int, const char *, void *);
	void (*kill_sb)(struct super_block *);
	struct module *owner;
	struct file_system_type *next;
	struct hlist_head fs_supers;

	struct lock_class_key s_lock_key;
	struct lock_class_key s_umount_key;
	struct lock_class_key s_vfs_rename_key;
	struct lock_class_key s_writers_key[SB_FREEZE_LEVELS];

	struct lock_class_key i_lock_key;
	struct lock_class_key i_mutex_key;
	struct lock_class_key invalidate_lock_key;
	struct lock_class_key i_mutex_dir_key;
};

#define MODULE_ALIAS_FS(NAME) MODULE_ALIAS("fs-" NAME)

/* Takes a reference on the type's module; module_put(type->owner) drops it. */
struct file_system_type *get_fs_type(const char *name);

static inline loff_t i_size_read(const struct inode *inode)
{
	return inode->i_size;
}

static inline void i_size_write(struct inode *inode, loff_t i_size)
{
	inode->i_size = i_size;
}

#endif
