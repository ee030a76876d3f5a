"""<linux/xz.h> from a module written the way kernel code uses XZ Embedded.

"unxz" carries .xz files the test makes with Python's lzma (as C arrays, the
way firmware blobs and initramfs images end up in a driver) and decodes them
in each mode: XZ_SINGLE into one buffer (and XZ_BUF_ERROR with the positions
put back when it is too small), XZ_PREALLOC past its dictionary
(XZ_MEMLIMIT_ERROR), XZ_DYNALLOC through tiny buffers, a truncated stream
(XZ_BUF_ERROR on the second call without progress), a dictionary bigger than
the heap (XZ_MEM_ERROR; xz_dec_init() of one in XZ_PREALLOC is NULL). Its misc
device /dev/unxz decodes what is written into it with one decoder that only
the "reset" ioctl resets, so a stream can go on over several commands: the
decoder survives the state file. Both architectures.
"""

from __future__ import annotations

import errno
import lzma
import zlib

import pytest
from kernel_helpers import texts

from lkmsh.kernel.kernel import Kernel
from lkmsh.kernel.vfs import FileError

PLAIN = b"".join(b"line %05d of a text that compresses\n" % i for i in range(3000))
GOOD = lzma.compress(PLAIN, check=lzma.CHECK_CRC32, preset=0)  # a 256 KiB dictionary


def _huge_dict(xz: bytes) -> bytes:
    """@xz with its block's LZMA2 dictionary raised to 1 GiB (props 38), header CRC fixed."""
    b = bytearray(xz)
    size = (b[12] + 1) * 4
    header = b[12 : 12 + size]
    at = header.index(b"\x21\x01") + 2  # Filter ID LZMA2, one byte of properties
    header[at] = 38
    header[-4:] = zlib.crc32(header[:-4]).to_bytes(4, "little")
    b[12 : 12 + size] = header
    return bytes(b)


def _array(name: str, data: bytes) -> str:
    body = ",".join(str(x) for x in data)
    return f"static const u8 {name}[{len(data)}] = {{{body}}};\n"


UNXZ = r"""
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/crc32.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/xz.h>

#define PLAIN_LEN %(plain_len)d

%(arrays)s

static const char *const names[] = {
	"XZ_OK", "XZ_STREAM_END", "XZ_UNSUPPORTED_CHECK", "XZ_MEM_ERROR",
	"XZ_MEMLIMIT_ERROR", "XZ_FORMAT_ERROR", "XZ_OPTIONS_ERROR",
	"XZ_DATA_ERROR", "XZ_BUF_ERROR",
};

static struct xz_dec *pipe_dec;
static u32 pipe_crc = ~0u;
static enum xz_ret pipe_ret;

/* Decode @len bytes of @in through @in_step/@out_step sized windows. */
static enum xz_ret piecewise(struct xz_dec *s, const u8 *in, size_t len, size_t in_step,
					size_t out_step, u32 *crc)
{
	u8 out[64];
	struct xz_buf b = { .in = in, .out = out, .out_size = out_step };
	enum xz_ret ret;

	do {
		if (b.in_pos == b.in_size && b.in_size < len)
			b.in_size = min(len, b.in_size + in_step);
		b.out_pos = 0;
		ret = xz_dec_run(s, &b);
		*crc = crc32(*crc, out, b.out_pos);
	} while (ret == XZ_OK);
	return ret;
}

static long unxz_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	xz_dec_reset(pipe_dec);
	pipe_crc = ~0u;
	pipe_ret = XZ_OK;
	return 0;
}

static ssize_t unxz_write(struct file *f, const char __user *ubuf, size_t len, loff_t *pos)
{
	u8 in[256], out[256];
	struct xz_buf b = { .in = in, .out = out, .out_size = sizeof(out) };
	size_t done = 0;

	while (done < len && pipe_ret == XZ_OK) {
		b.in_pos = 0;
		b.in_size = min(len - done, sizeof(in));
		if (copy_from_user(in, ubuf + done, b.in_size))
			return -EFAULT;
		do {
			b.out_pos = 0;
			pipe_ret = xz_dec_run(pipe_dec, &b);
			pipe_crc = crc32(pipe_crc, out, b.out_pos);
		} while (pipe_ret == XZ_OK && (b.in_pos < b.in_size || b.out_pos == b.out_size));
		done += b.in_pos;
	}
	pr_info("pipe: %%s after %%zu bytes, crc %%08x\n", names[pipe_ret], done, ~pipe_crc);
	return pipe_ret <= XZ_STREAM_END ? done : -EIO;
}

static const struct file_operations unxz_fops = {
	.owner = THIS_MODULE,
	.write = unxz_write,
	.unlocked_ioctl = unxz_ioctl,
};

static struct miscdevice unxz_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "unxz",
	.fops = &unxz_fops,
};

static int __init unxz_init(void)
{
	struct xz_dec *s;
	struct xz_buf b = { .in = good, .in_size = sizeof(good) };
	enum xz_ret ret;
	u8 *out;
	u32 crc;
	int err;

	out = vmalloc(PLAIN_LEN);
	if (!out)
		return -ENOMEM;

	/* XZ_SINGLE: the whole stream in one call, the output buffer as dictionary */
	s = xz_dec_init(XZ_SINGLE, 0);
	b.out = out;
	b.out_size = PLAIN_LEN;
	ret = xz_dec_run(s, &b);
	pr_info("single: %%s in %%zu out %%zu crc %%08x\n", names[ret], b.in_pos,
		b.out_pos, crc32(~0u, out, b.out_pos) ^ ~0u);
	b.in_pos = b.out_pos = 0;
	b.out_size = PLAIN_LEN - 1;
	ret = xz_dec_run(s, &b);
	pr_info("single short: %%s in %%zu out %%zu\n", names[ret], b.in_pos, b.out_pos);
	b.in_size = sizeof(good) - 1;
	b.out_size = PLAIN_LEN;
	ret = xz_dec_run(s, &b);
	pr_info("single cut: %%s\n", names[ret]);
	xz_dec_end(s);
	vfree(out);

	/* XZ_PREALLOC: a 64 KiB dictionary cannot take the stream's 256 KiB */
	s = xz_dec_init(XZ_PREALLOC, 64 << 10);
	crc = ~0u;
	pr_info("prealloc: %%s\n", names[piecewise(s, good, sizeof(good), 512, 64, &crc)]);
	xz_dec_end(s);

	/* XZ_DYNALLOC: the dictionary when the block asks, buffers of a few bytes */
	s = xz_dec_init(XZ_DYNALLOC, 1 << 20);
	crc = ~0u;
	ret = piecewise(s, good, sizeof(good), 7, 13, &crc);
	pr_info("dynalloc: %%s crc %%08x\n", names[ret], ~crc);
	xz_dec_reset(s);
	crc = ~0u;
	ret = piecewise(s, good, sizeof(good) - 9, 100, 64, &crc);
	pr_info("truncated: %%s\n", names[ret]);
	xz_dec_reset(s);
	ret = piecewise(s, huge, sizeof(huge), 100, 64, &crc);
	pr_info("huge dict, dict_max %%u: %%s\n", 1 << 20, names[ret]);
	xz_dec_end(s);
	s = xz_dec_init(XZ_DYNALLOC, ~0u);
	ret = piecewise(s, huge, sizeof(huge), 100, 64, &crc);
	pr_info("huge dict: %%s\n", names[ret]);
	xz_dec_end(s);
	pr_info("prealloc 1 GiB: %%s\n", xz_dec_init(XZ_PREALLOC, 1 << 30) ? "allocated" : "NULL");
	xz_dec_end(NULL);

	pipe_dec = xz_dec_init(XZ_PREALLOC, 1 << 20);
	if (!pipe_dec)
		return -ENOMEM;
	err = misc_register(&unxz_dev);
	if (err)
		xz_dec_end(pipe_dec);
	return err;
}

static void __exit unxz_exit(void)
{
	misc_deregister(&unxz_dev);
	xz_dec_end(pipe_dec);
}

module_init(unxz_init);
module_exit(unxz_exit);
MODULE_LICENSE("GPL");
"""


def _source() -> str:
    arrays = _array("good", GOOD) + _array("huge", _huge_dict(GOOD))
    return UNXZ % {"plain_len": len(PLAIN), "arrays": arrays}


def _lines(kernel) -> list[str]:
    return [t.removeprefix("unxz: ") for t in texts(kernel) if t.startswith("unxz: ")]


CRC = f"{zlib.crc32(PLAIN):08x}"


def test_each_mode_decodes_and_fails_as_xz_embedded(arch_kernel):
    kernel, build = arch_kernel
    kernel.module_load(build(_source(), "unxz"))
    assert [t for t in _lines(kernel) if "taints" not in t] == [
        f"single: XZ_STREAM_END in {len(GOOD)} out {len(PLAIN)} crc {CRC}",
        "single short: XZ_BUF_ERROR in 0 out 0",  # positions put back
        "single cut: XZ_DATA_ERROR",  # all input taken, not finished: corrupt
        "prealloc: XZ_MEMLIMIT_ERROR",
        f"dynalloc: XZ_STREAM_END crc {CRC}",
        "truncated: XZ_BUF_ERROR",
        "huge dict, dict_max 1048576: XZ_MEMLIMIT_ERROR",
        "huge dict: XZ_MEM_ERROR",  # a 1 GiB vmalloc, past the heap
        "prealloc 1 GiB: NULL",
    ]
    kernel.module_unload("unxz")
    assert kernel.heap.allocations("unxz") == []  # the decoders and their dictionaries
    assert not [t for t in texts(kernel) if "leak" in t or "BUG" in t]


def test_a_stream_goes_on_across_saved_states(tmp_path):
    from lkmsh.build import build_module

    src = tmp_path / "unxz.c"
    src.write_text(_source())
    kernel = Kernel()
    kernel.module_load(build_module([src], tmp_path / "unxz.ko"))
    data = lzma.compress(PLAIN[:50000], check=lzma.CHECK_CRC32, preset=1)
    cut = len(data) // 2
    assert kernel.write_file("/dev/unxz", data[:cut]) == cut
    assert _lines(kernel)[-1].startswith(f"pipe: XZ_OK after {cut} bytes, crc ")
    # the next command: a new process restores the kernel and writes the rest
    again = Kernel.from_state(kernel.export_state())
    assert again.write_file("/dev/unxz", data[cut:]) == len(data) - cut
    want = f"{zlib.crc32(PLAIN[:50000]):08x}"
    assert _lines(again)[-1] == f"pipe: XZ_STREAM_END after {len(data) - cut} bytes, crc {want}"
    third = Kernel.from_state(again.export_state())
    f = third.open("/dev/unxz", 1)
    third.ioctl(f, 0, 0)  # the module's reset
    third.close(f)
    with pytest.raises(FileError) as err:
        third.write_file("/dev/unxz", b"not xz at all")
    assert err.value.errno == errno.EIO
    assert _lines(third)[-1] == "pipe: XZ_FORMAT_ERROR after 12 bytes, crc 00000000"
    third.module_unload("unxz")
    assert third.heap.allocations("unxz") == []
