"""The kernel API modules call, implemented in Python behind trap slots.

Importing the package registers every family; ``registry.kapi_table()`` then
lists them in slot order.
"""

from lkmsh.kernel.kapi import (  # noqa: F401  (imported for their registrations)
    chrdev,
    debugfs,
    devattr,
    dma,
    fs,
    gpio,
    input,
    io,
    irq,
    modref,
    params,
    platform,
    printk,
    proc,
    scanf,
    seq,
    slab,
    string,
    sync,
    sysfs,
    time,
    uaccess,
)
from lkmsh.kernel.kapi.registry import kapi_table, kdata_table, table_digest

__all__ = ["kapi_table", "kdata_table", "table_digest"]
