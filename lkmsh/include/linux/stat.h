/* SPDX-License-Identifier: MIT */
/* lkmsh: permission bits used by module_param and /proc entries (<linux/stat.h>). */
#ifndef _LKMSH_LINUX_STAT_H
#define _LKMSH_LINUX_STAT_H

#define S_IFMT		00170000
#define S_IFDIR		0040000
#define S_IFREG		0100000

#define S_IRWXU		00700
#define S_IRUSR		00400
#define S_IWUSR		00200
#define S_IXUSR		00100
#define S_IRWXG		00070
#define S_IRGRP		00040
#define S_IWGRP		00020
#define S_IXGRP		00010
#define S_IRWXO		00007
#define S_IROTH		00004
#define S_IWOTH		00002
#define S_IXOTH		00001

#define S_IRWXUGO	(S_IRWXU | S_IRWXG | S_IRWXO)
#define S_IALLUGO	(S_ISUID | S_ISGID | S_ISVTX | S_IRWXUGO)
#define S_IRUGO		(S_IRUSR | S_IRGRP | S_IROTH)
#define S_IWUGO		(S_IWUSR | S_IWGRP | S_IWOTH)
#define S_IXUGO		(S_IXUSR | S_IXGRP | S_IXOTH)
#define S_ISUID		0004000
#define S_ISGID		0002000
#define S_ISVTX		0001000

#endif
