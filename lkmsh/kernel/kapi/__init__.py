"""The kernel API modules call, implemented in Python behind trap slots.

Importing the package registers every family; ``registry.kapi_table()`` then
lists them in slot order.
"""

from lkmsh.kernel.kapi import (  # noqa: F401  (imported for their registrations)
    bitmap,
    block,
    chrdev,
    cmdline,
    crypto,
    debugfs,
    devattr,
    dma,
    fs,
    gpio,
    hexdump,
    idr,
    input,
    io,
    irq,
    kfifo,
    kstrtox_user,
    kthread,
    kunit,
    libstring,
    linear_range,
    modref,
    net,
    params,
    platform,
    printk,
    proc,
    random,
    rcu,
    rwlock,
    scanf,
    semaphore,
    seq,
    siphash,
    slab,
    slabcache,
    string,
    stringhash,
    swnode,
    sync,
    sysfs,
    time,
    timer,
    tty,
    uaccess,
    uuid,
    wait,
    workqueue,
)
from lkmsh.kernel.kapi.registry import kapi_table, kdata_table, table_digest

__all__ = ["kapi_table", "kdata_table", "table_digest"]
