"""``python -m lkmsh.kernel.kapi``: rewrite the generated index (index.py), silently."""

from lkmsh.kernel.kapi.registry import write_index

write_index()
