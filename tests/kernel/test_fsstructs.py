"""The offsets the kernel uses for struct file, inode, cdev, device, miscdevice,
proc_ops and seq_file are the ones lkmsh's headers give gcc (both architectures)."""

from __future__ import annotations

import pytest

from lkmsh.build import build_module, cross_compiler_available
from lkmsh.kernel import fsstructs as F

STRUCTS = [
    (F.FileOff, "struct file", {}),
    (F.DentryOff, "struct dentry", {"d_name_hash": "d_name.hash", "d_name_len": "d_name.len",
                                    "d_name_name": "d_name.name"}),
    (F.InodeOff, "struct inode", {}),
    (F.Fop, "struct file_operations", {}),
    (F.CdevOff, "struct cdev", {"kobj_name": "kobj.name"}),
    (F.DeviceOff, "struct device", {"kobj_name": "kobj.name", "cls": "class"}),
    (F.ClassOff, "struct class", {}),
    (F.MiscOff, "struct miscdevice", {}),
]  # fmt: skip
NAMES = {"f_path_mnt": "f_path.mnt", "f_path_dentry": "f_path.dentry"}


def _checks() -> str:
    lines = []
    for enum, ctype, rename in STRUCTS:
        for member in enum:
            if member.name == "SIZE":
                lines.append(f"\tBUILD_BUG_ON(sizeof({ctype}) != {member.value});")
                continue
            field = rename.get(member.name) or NAMES.get(member.name) or member.name
            lines.append(f"\tBUILD_BUG_ON(offsetof({ctype}, {field}) != {member.value});")
    return "\n".join(lines)


SOURCE = """
#include <linux/module.h>
#include <linux/fs.h>
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/miscdevice.h>

static int __init layout_init(void)
{
%s
	return 0;
}
module_init(layout_init);
MODULE_LICENSE("GPL");
"""


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_python_offsets_match_the_headers(tmp_path, arch):
    if arch == "aarch64" and not cross_compiler_available("aarch64"):
        pytest.skip("aarch64-linux-gnu-gcc is not installed")
    src = tmp_path / "layout.c"
    src.write_text(SOURCE % _checks())
    build_module([src], tmp_path / "layout.ko", arch=arch)  # a mismatch fails to compile
