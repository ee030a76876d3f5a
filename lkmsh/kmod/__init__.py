"""kmod's module-tree machinery, without a shell: depmod, modprobe, modinfo.

``lkmsh/kmod`` reads module trees (``lib/modules/VERSION``) the way kmod 30
does and writes the same files: the scan and its order (``modules.order``),
exports and needed symbols read from each ELF file, the dependency graph,
``modules.dep``/``.alias``/``.symbols``/``.softdep``/``.devname`` and their
``.bin`` indexes, modprobe's configuration and alias matching, and a cache
so that an unchanged tree costs a directory walk. It sits between the shell
and ``lkmsh.elf``; modprobe drives the kernel only through its public API.
"""
