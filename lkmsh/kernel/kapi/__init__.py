"""The kernel API modules call, implemented in Python behind trap slots.

Importing the package imports no family: a kernel boots from the index
(registry.py) and imports a family when module code first calls into it;
``registry.kapi_table()`` imports them all.
"""

from lkmsh.kernel.kapi.registry import kapi_table, kdata_table, table_digest

__all__ = ["kapi_table", "kdata_table", "table_digest"]
