"""The kernel API table: stable slot order and signatures a tracer can decode."""

from __future__ import annotations

import subprocess
import sys

from linux_gpl_exports import all_gpl

import lkmsh.kernel.kapi as kapi
from lkmsh.kernel.kapi.registry import CParam, lookup, parse_signature

ABI_MINIMUM = [
    "printk",
    "dump_stack",
    "panic",
    "kmalloc",
    "kzalloc",
    "kcalloc",
    "kmalloc_array",
    "krealloc",
    "kfree",
    "kstrdup",
    "kstrndup",
    "kmemdup",
    "ksize",
    "vmalloc",
    "vzalloc",
    "vfree",
    "memcpy",
    "memmove",
    "memset",
    "memcmp",
    "memchr",
    "strlen",
    "strnlen",
    "strcpy",
    "strncpy",
    "strscpy",
    "strcat",
    "strncat",
    "strcmp",
    "strncmp",
    "strcasecmp",
    "strchr",
    "strrchr",
    "strstr",
    "sprintf",
    "snprintf",
    "scnprintf",
    "vsnprintf",
    "kstrtoint",
    "kstrtouint",
    "kstrtol",
    "kstrtoul",
    "kstrtoll",
    "kstrtoull",
    "kstrtobool",
    "simple_strtoul",
    "simple_strtol",
    "msleep",
    "ssleep",
    "udelay",
    "ndelay",
    "mdelay",
    "usleep_range",
    "ktime_get_ns",
    "ktime_get",
    "ktime_get_real_ns",
    "msecs_to_jiffies",
    "jiffies_to_msecs",
    "get_jiffies_64",
    "schedule",
    "cond_resched",
    "spin_lock_init",
    "spin_lock",
    "spin_unlock",
    "_raw_spin_lock_irqsave",
    "_raw_spin_unlock_irqrestore",
    "spin_trylock",
    "__mutex_init",
    "mutex_lock",
    "mutex_unlock",
    "mutex_trylock",
    "mutex_is_locked",
    "proc_create_single_data",
    "remove_proc_entry",
    "proc_mkdir",
    "seq_printf",
    "seq_puts",
    "seq_putc",
    "seq_write",
    "try_module_get",
    "module_put",
    "module_refcount",
    "__request_module",
    "__warn_printk",
]


def test_every_function_docs_abi_md_promises_is_there():
    from lkmsh.kernel import klib

    names = {f.name for f in kapi.kapi_table()}
    names |= {s.name for s in klib.image("x86_64").symbols}  # mem*, strlen, ... are klib's C
    assert set(ABI_MINIMUM) <= names
    data = {d.name for d in kapi.kdata_table()}
    assert {"jiffies", "__preempt_count", "kernel_kobj", "mm_kobj", "fs_kobj"} <= data
    assert {"system_wq", "system_unbound_wq"} <= data
    assert "kobj_sysfs_ops" in data


def test_table_is_sorted_and_the_digest_is_stable_across_processes():
    names = [f.name for f in kapi.kapi_table()]
    assert names == sorted(names)
    code = "import lkmsh.kernel.kapi as k; print(k.table_digest())"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert other.stdout.strip() == kapi.table_digest()


def test_gpl_only_exports_are_linuxs():
    # EXPORT_SYMBOL_GPL in Linux 6.1: __symbol_get, KUnit's functions, class and
    # device creation (drivers/base/{class,core}.c), debugfs_create_file*, the library's
    # (time and tasks have their own list: tests/kernel/test_gpl_only_tasks.py; sysfs,
    # debugfs, the driver core, GPIO, IRQs...: tests/kernel/linux_gpl_exports.py)
    tasks = {"kthread", "timer", "rcu", "workqueue", "time"}
    gpl = [
        f.name
        for f in kapi.kapi_table()
        if f.gpl and f.body is not None and f.body.__module__.rpartition(".")[2] not in tasks
    ]
    driver_model = {"__class_create", "class_destroy", "device_create", "device_destroy"}
    debugfs = {"debugfs_create_file", "debugfs_create_file_size", "debugfs_create_file_unsafe"}
    # lib/idr.c, lib/uuid.c, lib/kobject*.c, lib/reed_solomon/ (tests/kernel/test_gpl_only_lib.py
    # checks them all)
    library = {
        "idr_alloc", "idr_find", "idr_remove", "uuid_gen", "guid_gen", "kobject_create_and_add",
        "kobject_init_and_add", "kobject_get_path", "kobject_uevent", "kobject_uevent_env",
        "kset_create_and_add", "kset_find_obj",
        "linear_range_get_value",  # and the rest of lib/linear_ranges.c's
        "is_software_node", "to_software_node",  # and software_node_* (drivers/base/swnode.c)
        "__root_device_register", "root_device_unregister", "device_unregister",
        "init_rs_gfp", "init_rs_non_canonical", "free_rs",  # lib/reed_solomon/
    }  # fmt: skip
    crypto = {"crypto_req_done"} | {
        f.name for f in kapi.kapi_table() if f.name.startswith(("crypto_alloc_", "crypto_free_"))
    }
    drivers = all_gpl()
    assert {"__symbol_get", *driver_model, *debugfs, *library} <= set(gpl)
    funcs = {f.name: f.gpl for f in kapi.kapi_table()}
    assert {n for n in drivers & funcs.keys() if not funcs[n]} == set()
    assert all(
        n == "__symbol_get"
        or n.startswith(
            (
                "kunit_",
                "crypto_shash_",
                "crypto_ahash_",
                "crypto_skcipher_",
                "crypto_has_",
                "linear_range_",
                "software_node_",
            )
        )
        or n in driver_model | debugfs | library | crypto | drivers
        for n in gpl
    )
    data = {d.name for d in kapi.kdata_table() if d.gpl}
    # lib/kobject.c, lib/vsprintf.c, lib/maple_tree.c (CONFIG_DEBUG_MAPLE_TREE's counters)
    lib_data = {"kobj_sysfs_ops", "no_hash_pointers"}
    lib_data |= {"maple_tree_tests_run", "maple_tree_tests_passed"}
    assert data == lib_data | (drivers & data)
    assert {d.name for d in kapi.kdata_table()} & drivers <= data


def test_signatures_are_parsed_for_tracing():
    f = lookup("kmalloc")
    assert f.returns == "void *"
    assert f.params == (CParam("size_t", "size"), CParam("gfp_t", "flags"))
    p = lookup("printk")
    assert p.variadic and p.params[0].is_string
    proc = lookup("proc_create_single_data")
    assert [c.ctype for c in proc.params] == [
        "const char *", "umode_t", "struct proc_dir_entry *", "fnptr", "void *",
    ]  # fmt: skip
    assert lookup("schedule").is_void and lookup("schedule").params == ()


def test_parse_signature_corner_cases():
    assert parse_signature("char **f(const char *const *argv, int n[])") == (
        "f",
        "char **",
        (CParam("const char *const *", "argv"), CParam("int *", "n")),
        False,
    )
    assert parse_signature("int g(void *, unsigned long)")[2] == (
        CParam("void *", "arg0"),
        CParam("unsigned long", "arg1"),
    )
