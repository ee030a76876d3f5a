"""configfs at /sys/kernel/config, as Linux 6.1's fs/configfs serves it.

Modules register subsystems (``struct configfs_subsystem``), whose groups and
items live in module memory with Linux's layout: their names, krefs, parent
links and the ``cg_children``/``default_groups`` lists are read and written
there as fs/configfs/item.c and dir.c do (link_obj, link_group, unlink_obj,
config_item_put's cleanup and ``release``). Each registered or user-made item
is a directory of the file tree, with one file per ``ct_attrs`` attribute whose
reads and writes run the attribute's show/store on a page, as file.c does.
Users make items with ``mkdir`` (the parent group's make_item or make_group)
and remove them with ``rmdir`` (disconnect_notify, drop_item or the last put);
an item holds references on its subsystem's and its type's modules, so rmmod
waits for rmdir, as on Linux. The directories and their items are saved with
the state (the structures themselves are module memory), so a one-shot
``mkdir`` then a later ``cat`` see the same tree.
"""

from __future__ import annotations

import errno as E
import os
import stat as S
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from lkmsh.kernel.callctx import to_signed
from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.cstructs import cstruct
from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.snapshot import typed
from lkmsh.kernel.vfs import File, FileError, FileOps, default_llseek

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kernel.vfs import Vfs

ROOT = "/sys/kernel/config"
NAME_LEN = 20  # CONFIGFS_ITEM_NAME_LEN
SIMPLE_ATTR_SIZE = 4096
ITEM = cstruct(
    "struct config_item",
    "linux/configfs.h",
    80,
    ci_name=(0, 8),
    ci_namebuf=(8, NAME_LEN),
    ci_kref=(28, 4),
    ci_entry=(32, 16),
    ci_parent=(48, 8),
    ci_group=(56, 8),
    ci_type=(64, 8),
    ci_dentry=(72, 8),
)
GROUP = cstruct(
    "struct config_group",
    "linux/configfs.h",
    136,
    cg_item=(0, 80),
    cg_children=(80, 16),
    cg_subsys=(96, 8),
    default_groups=(104, 16),
    group_entry=(120, 16),
)
TYPE = cstruct(
    "struct config_item_type",
    "linux/configfs.h",
    40,
    ct_owner=(0, 8),
    ct_item_ops=(8, 8),
    ct_group_ops=(16, 8),
    ct_attrs=(24, 8),
    ct_bin_attrs=(32, 8),
)
ATTR = cstruct(
    "struct configfs_attribute",
    "linux/configfs.h",
    40,
    ca_name=(0, 8),
    ca_owner=(8, 8),
    ca_mode=(16, 2),
    show=(24, 8),
    store=(32, 8),
)
ITEM_OPS = cstruct(
    "struct configfs_item_operations",
    "linux/configfs.h",
    24,
    release=(0, 8),
    allow_link=(8, 8),
    drop_link=(16, 8),
)
GROUP_OPS = cstruct(
    "struct configfs_group_operations",
    "linux/configfs.h",
    40,
    make_item=(0, 8),
    make_group=(8, 8),
    commit_item=(16, 8),
    disconnect_notify=(24, 8),
    drop_item=(32, 8),
)
I_NAME, I_NAMEBUF, I_KREF, I_ENTRY, I_PARENT, I_GROUP, I_TYPE = 0, 8, 28, 32, 48, 56, 64
G_CHILDREN, G_SUBSYS, G_DEFAULTS, G_ENTRY = 80, 96, 104, 120
T_OWNER, T_ITEM_OPS, T_GROUP_OPS, T_ATTRS = 0, 8, 16, 24
OP_RELEASE = 0
OP_MAKE_ITEM, OP_MAKE_GROUP, OP_DISCONNECT, OP_DROP = 0, 8, 24, 32
#: walks of module-made lists and arrays stop here (a corrupt list is not followed forever)
WALK_MAX = 4096
MAX_ERRNO = 4095


def _fail(code: int, path: str) -> FileError:
    return FileError(f"{path}: {os.strerror(code)}", code)


@dataclass
class CfsAttr:
    """One configfs attribute of an item type: its name, struct and mode."""

    name: str
    attr: int  # struct configfs_attribute *
    mode: int


@dataclass
class CfsDir:
    """One directory of configfs: the config_item behind it and how it came to be."""

    path: str
    item: int
    group: bool  # a config_group: mkdir below it may make children
    kind: str  # "subsystem", "default" (a default or registered group) or "user" (mkdir)
    owner: str  # the module whose type it is (ct_owner), "" for none
    subsys_owner: str = ""
    attrs: list[CfsAttr] = field(default_factory=list)


class CfsAttrFile(FileOps):
    """An attribute: a read is one show() into a page, a write one store() (file.c)."""

    runs_module_code = True

    def __init__(self, item: int, attr: CfsAttr):
        self.item = item
        self.attr = attr

    def open(self, kernel: Kernel, file: File) -> None:
        show, store = (
            kernel.mem.read_u64(self.attr.attr + 24),
            kernel.mem.read_u64(self.attr.attr + 32),
        )
        if (file.writable and (not self.attr.mode & 0o222 or not store)) or (
            file.readable and (not self.attr.mode & 0o444 or not show)
        ):
            raise _fail(E.EACCES, file.path)

    def read(self, kernel: Kernel, file: File, count: int) -> bytes:
        if file.private is None:
            file.private = kernel.configfs.show(kernel, self.item, self.attr, file.path)
        out: bytes = file.private[file.pos : file.pos + count]
        file.pos += len(out)
        return out

    def write(self, kernel: Kernel, file: File, data: bytes) -> int:
        file.private = None  # needs_read_fill: the next read shows again
        return kernel.configfs.store(kernel, self.item, self.attr, data, file.path)

    def llseek(self, kernel: Kernel, file: File, offset: int, whence: int) -> int:
        size = len(file.private) if isinstance(file.private, bytes) else None
        return default_llseek(file, offset, whence, size)


class Configfs(Component):
    """configfs's directories (by path) over the module-made items behind them."""

    name = "configfs"

    def __init__(self, vfs: Vfs | None = None) -> None:
        self.vfs = vfs
        self.dirs: dict[str, CfsDir] = {}
        self.root = 0  # the root group (configfs_root_group), kernel memory
        if vfs is not None:
            vfs.mkdir(ROOT, 0o755)

    # -- state -------------------------------------------------------------------

    def to_data(self) -> Any:
        return {"root": self.root, "dirs": [asdict(d) for d in self.dirs.values()]}

    def load_data(self, data: Any) -> None:
        data = data or {}
        self.root = data.get("root", 0)
        self.dirs = {}
        for raw in data.get("dirs", []):
            d = typed(CfsDir, raw, "configfs directory")
            d.attrs = [typed(CfsAttr, a, "configfs attribute") for a in raw.get("attrs", [])]
            self._publish(d)

    def module_going(self, module: Any) -> list[Report]:
        out: list[Report] = []
        for d in [d for d in self.dirs.values() if d.kind == "subsystem"]:
            if d.owner == module.name and d.path in self.dirs:
                self._unpublish_tree(d.path)
                out.append((4, f"{module.name}: removing leftover configfs subsystem {d.path}"))
        return out

    # -- the tree ------------------------------------------------------------------

    def _publish(self, d: CfsDir) -> None:
        self.dirs[d.path] = d
        if self.vfs is None:
            return
        self.vfs.mkdir(d.path, 0o755, owner=d.owner or None)
        for a in d.attrs:
            mode = S.S_IFREG | (a.mode & 0o777)
            self.vfs.add(f"{d.path}/{a.name}", CfsAttrFile(d.item, a), mode, owner=d.owner or None)

    def _unpublish_tree(self, path: str) -> None:
        for p in [p for p in self.dirs if p == path or p.startswith(path + "/")]:
            del self.dirs[p]
        if self.vfs is not None:
            self.vfs.remove(path)

    def dir_of(self, item: int) -> CfsDir | None:
        return next((d for d in self.dirs.values() if d.item == item), None)

    def children(self, path: str) -> list[CfsDir]:
        return [d for p, d in self.dirs.items() if p.rsplit("/", 1)[0] == path]

    # -- module memory: names, lists, krefs ------------------------------------------

    @staticmethod
    def item_name(kernel: Any, item: int) -> str:
        p = kernel.mem.read_u64(item + I_NAME)
        return kernel.mem.read_cstr(p, 256).decode("utf-8", "replace") if p else ""

    @staticmethod
    def _list_init(kernel: Any, head: int) -> None:
        kernel.mem.write_u64(head, head)
        kernel.mem.write_u64(head + 8, head)

    @staticmethod
    def _list_add_tail(kernel: Any, new: int, head: int) -> None:
        mem = kernel.mem
        prev = mem.read_u64(head + 8)
        mem.write_u64(new, head)
        mem.write_u64(new + 8, prev)
        mem.write_u64(prev, new)
        mem.write_u64(head + 8, new)

    @staticmethod
    def _list_del_init(kernel: Any, entry: int) -> None:
        mem = kernel.mem
        nxt, prev = mem.read_u64(entry), mem.read_u64(entry + 8)
        if nxt and prev:
            mem.write_u64(prev, nxt)
            mem.write_u64(nxt + 8, prev)
        Configfs._list_init(kernel, entry)

    @staticmethod
    def walk(kernel: Any, head: int, offset: int) -> Iterator[int]:
        """The objects on a list_head, by the offset of their entry (list_for_each_entry)."""
        at = kernel.mem.read_u64(head)
        for _ in range(WALK_MAX):
            if at in (head, 0):
                return
            nxt = kernel.mem.read_u64(at)
            yield at - offset
            at = nxt

    def default_groups(self, kernel: Any, group: int) -> list[int]:
        return list(self.walk(kernel, group + G_DEFAULTS, G_ENTRY))

    @staticmethod
    def item_init(kernel: Any, item: int) -> None:
        kernel.mem.write_u32(item + I_KREF, 1)
        Configfs._list_init(kernel, item + I_ENTRY)

    def get(self, kernel: Any, item: int) -> int:
        if item:
            kernel.mem.write_u32(
                item + I_KREF, (kernel.mem.read_u32(item + I_KREF) + 1) & 0xFFFFFFFF
            )
        return item

    def put(self, kernel: Any, item: int) -> None:
        """config_item_put(): the last reference runs config_item_cleanup()."""
        if not item:
            return
        count = kernel.mem.read_u32(item + I_KREF)
        if count == 0:
            kernel.log.emit(4, "refcount_t: underflow; use-after-free.")
            return
        kernel.mem.write_u32(item + I_KREF, count - 1)
        if count == 1:
            self._cleanup(kernel, item)

    def _cleanup(self, kernel: Any, item: int) -> None:
        mem = kernel.mem
        ctype, group, parent = (mem.read_u64(item + o) for o in (I_TYPE, I_GROUP, I_PARENT))
        name = mem.read_u64(item + I_NAME)
        if name and name != item + I_NAMEBUF:
            kernel.heap.free(name)
        mem.write_u64(item + I_NAME, 0)
        release = self._op(kernel, ctype, T_ITEM_OPS, OP_RELEASE)
        if release:
            self._call(kernel, release, [item])
        if group:
            self.put(kernel, group)
        if parent:
            self.put(kernel, parent)

    @staticmethod
    def _op(kernel: Any, ctype: int, table: int, slot: int) -> int:
        if not ctype:
            return 0
        ops = kernel.mem.read_u64(ctype + table)
        return kernel.mem.read_u64(ops + slot) if ops else 0

    @staticmethod
    def _call(kernel: Any, fn: int, args: list[int]) -> int:
        from lkmsh.kernel.sysfs import call_module_code

        return call_module_code(kernel, fn, args)

    def _link_obj(self, kernel: Any, parent: int, item: int) -> None:
        mem = kernel.mem
        mem.write_u64(item + I_PARENT, parent)
        mem.write_u64(item + I_GROUP, self.get(kernel, parent))
        self._list_add_tail(kernel, item + I_ENTRY, parent + G_CHILDREN)
        self.get(kernel, item)

    def _link_group(self, kernel: Any, parent: int, group: int) -> None:
        self._link_obj(kernel, parent, group)
        subsys = kernel.mem.read_u64(parent + G_SUBSYS) if parent != self.root else group
        kernel.mem.write_u64(group + G_SUBSYS, subsys)
        for child in self.default_groups(kernel, group):
            self._link_group(kernel, group, child)

    def _unlink_obj(self, kernel: Any, item: int) -> None:
        mem = kernel.mem
        group = mem.read_u64(item + I_GROUP)
        if group:
            self._list_del_init(kernel, item + I_ENTRY)
            mem.write_u64(item + I_GROUP, 0)
            mem.write_u64(item + I_PARENT, 0)
            self.put(kernel, item)
            self.put(kernel, group)

    def _unlink_group(self, kernel: Any, group: int) -> None:
        for child in self.default_groups(kernel, group):
            self._unlink_group(kernel, child)
        kernel.mem.write_u64(group + G_SUBSYS, 0)
        self._unlink_obj(kernel, group)

    def _owner_of(self, kernel: Any, item: int) -> str:
        ctype = kernel.mem.read_u64(item + I_TYPE)
        owner = kernel.mem.read_u64(ctype + T_OWNER) if ctype else 0
        module = kernel.module_by_struct(owner) if owner else None
        return module.name if module is not None else ""

    def _attrs(self, kernel: Any, item: int) -> list[CfsAttr]:
        mem = kernel.mem
        ctype = mem.read_u64(item + I_TYPE)
        array = mem.read_u64(ctype + T_ATTRS) if ctype else 0
        out: list[CfsAttr] = []
        for i in range(WALK_MAX if array else 0):
            attr = mem.read_u64(array + 8 * i)
            if not attr:
                break
            name = mem.read_cstr(mem.read_u64(attr), 256).decode("utf-8", "replace")
            out.append(CfsAttr(name, attr, mem.read_u16(attr + 16)))
        return out

    def _attach(self, kernel: Any, path: str, item: int, kind: str, subsys_owner: str) -> None:
        """configfs_attach_group/item: the directory, its attributes, its default groups."""
        d = CfsDir(
            path,
            item,
            kind != "item",
            "user" if kind == "item" else kind,
            self._owner_of(kernel, item),
            subsys_owner,
            self._attrs(kernel, item),
        )
        self._publish(d)
        if d.group:
            for child in self.default_groups(kernel, item):
                name = self.item_name(kernel, child)
                self._attach(kernel, f"{path}/{name}", child, "default", subsys_owner)

    def _ensure_root(self, kernel: Any) -> int:
        if not self.root:
            root = kernel.heap.alloc(GROUP.size, KERNEL_OWNER, zero=True)
            if not root:
                return 0
            self.item_init(kernel, root)
            for head in (G_CHILDREN, G_DEFAULTS, G_ENTRY):
                self._list_init(kernel, root + head)
            self.root = root
        return self.root

    # -- what modules call ---------------------------------------------------------

    def register_subsystem(self, kernel: Any, subsys: int) -> int:
        mem = kernel.mem
        if not mem.read_u64(subsys + I_NAME):
            mem.write_u64(subsys + I_NAME, subsys + I_NAMEBUF)
        root = self._ensure_root(kernel)
        if not root:
            return -E.ENOMEM
        name = self.item_name(kernel, subsys)
        path = f"{ROOT}/{name}"
        self._link_group(kernel, root, subsys)
        if (
            not name
            or "/" in name
            or path in self.dirs
            or (self.vfs is not None and self.vfs.lookup(path) is not None)
        ):
            self._unlink_group(kernel, subsys)
            return -E.EEXIST
        self._attach(kernel, path, subsys, "subsystem", self._owner_of(kernel, subsys))
        return 0

    def unregister_subsystem(self, kernel: Any, subsys: int) -> None:
        d = self.dir_of(subsys)
        if d is None or d.kind != "subsystem":
            kernel.log.emit(3, "configfs: Tried to unregister non-subsystem!")
            return
        if self._user_made_below(d.path):
            kernel.log.emit(3, "configfs: Tried to unregister non-empty subsystem!")
        self._unpublish_tree(d.path)
        self._unlink_group(kernel, subsys)

    def register_group(self, kernel: Any, parent: int, group: int) -> int:
        d = self.dir_of(parent)
        if d is None or not d.group:
            return -E.ENOENT
        name = self.item_name(kernel, group)
        path = f"{d.path}/{name}"
        if path in self.dirs or not name:
            return -E.EEXIST
        self._link_group(kernel, parent, group)
        self._attach(kernel, path, group, "default", d.subsys_owner)
        return 0

    def unregister_group(self, kernel: Any, group: int) -> None:
        d = self.dir_of(group)
        if d is not None:
            self._unpublish_tree(d.path)
        self._unlink_group(kernel, group)

    def _user_made_below(self, path: str) -> bool:
        return any(d.kind == "user" and d.path.startswith(path + "/") for d in self.dirs.values())

    # -- what users do: mkdir, rmdir, read and write attributes ----------------------------

    def mkdir(self, kernel: Any, path: str) -> None:
        parent_path, name = path.rsplit("/", 1)
        parent = self.dirs.get(parent_path)
        if parent is None or not parent.group:
            raise _fail(E.EPERM, path)  # the root, or an item that is no group
        mem = kernel.mem
        ctype = mem.read_u64(parent.item + I_TYPE)
        make_group = self._op(kernel, ctype, T_GROUP_OPS, OP_MAKE_GROUP)
        make_item = self._op(kernel, ctype, T_GROUP_OPS, OP_MAKE_ITEM)
        if not (make_group or make_item):
            raise _fail(E.EPERM, path)  # lack of mkdir returns -EPERM
        subsys_mod = kernel.module_find(parent.subsys_owner) if parent.subsys_owner else None
        if subsys_mod is not None and not kernel.module_get(subsys_mod):
            raise _fail(E.EINVAL, path)
        raw = name.encode()
        buf = kernel.heap.alloc(len(raw) + 1, KERNEL_OWNER)
        if not buf:
            self._put_module(kernel, subsys_mod)
            raise _fail(E.ENOMEM, path)
        mem.write(buf, raw + b"\0")
        try:
            made = self._call(kernel, make_group or make_item, [parent.item, buf])
        finally:
            kernel.heap.free(buf)
        if not made or made >= (1 << 64) - MAX_ERRNO:
            self._put_module(kernel, subsys_mod)
            code = E.ENOMEM if not made else -to_signed(made)
            raise _fail(code, path)
        if make_group:
            self._link_group(kernel, parent.item, made)
        else:
            self._link_obj(kernel, parent.item, made)
        item_mod = None
        owner = self._owner_of(kernel, made)
        if owner:
            item_mod = kernel.module_find(owner)
        if not mem.read_u64(made + I_TYPE) or (
            item_mod is not None and not kernel.module_get(item_mod)
        ):
            self._undo_make(kernel, parent.item, made, bool(make_group))
            self._put_module(kernel, subsys_mod)
            raise _fail(E.EINVAL, path)
        self._attach(kernel, path, made, "group" if make_group else "item", parent.subsys_owner)
        self.dirs[path].kind = "user"

    def _undo_make(self, kernel: Any, parent: int, item: int, group: bool) -> None:
        self._disconnect_notify(kernel, parent, item)
        if group:
            self._unlink_group(kernel, item)
        else:
            self._unlink_obj(kernel, item)
        self._drop_item(kernel, parent, item)

    def _disconnect_notify(self, kernel: Any, parent: int, item: int) -> None:
        ctype = kernel.mem.read_u64(parent + I_TYPE)
        fn = self._op(kernel, ctype, T_GROUP_OPS, OP_DISCONNECT)
        if fn:
            self._call(kernel, fn, [parent, item])

    def _drop_item(self, kernel: Any, parent: int, item: int) -> None:
        ctype = kernel.mem.read_u64(parent + I_TYPE)
        fn = self._op(kernel, ctype, T_GROUP_OPS, OP_DROP)
        if fn:
            self._call(kernel, fn, [parent, item])
        else:
            self.put(kernel, item)

    @staticmethod
    def _put_module(kernel: Any, module: Any) -> None:
        if module is not None:
            kernel.module_put(module)

    def rmdir(self, kernel: Any, path: str) -> None:
        d = self.dirs.get(path)
        if d is None:
            raise _fail(E.ENOTDIR, path)
        if d.kind != "user":
            raise _fail(E.EPERM, path)  # a default group or a subsystem
        if self._user_made_below(path):
            raise _fail(E.ENOTEMPTY, path)
        parent = self.dirs[path.rsplit("/", 1)[0]]
        item_mod = kernel.module_find(d.owner) if d.owner else None
        subsys_mod = kernel.module_find(d.subsys_owner) if d.subsys_owner else None
        self._unpublish_tree(path)
        self._disconnect_notify(kernel, parent.item, d.item)
        if d.group:
            self._unlink_group(kernel, d.item)
        else:
            self._unlink_obj(kernel, d.item)
        self._drop_item(kernel, parent.item, d.item)
        self._put_module(kernel, item_mod)
        self._put_module(kernel, subsys_mod)

    def show(self, kernel: Any, item: int, attr: CfsAttr, path: str) -> bytes:
        fn = kernel.mem.read_u64(attr.attr + 24)
        page = self._page(kernel, path)
        try:
            count = to_signed(self._call(kernel, fn, [item, page]))
            if count < 0:
                raise _fail(-count, path)
            if count > SIMPLE_ATTR_SIZE:
                raise _fail(E.EIO, path)
            return kernel.mem.read(page, count)
        finally:
            kernel.heap.free(page)

    def store(self, kernel: Any, item: int, attr: CfsAttr, data: bytes, path: str) -> int:
        data = data[: SIMPLE_ATTR_SIZE - 1]
        if not data:
            raise _fail(E.EFAULT, path)  # fill_write_buffer: nothing copied
        fn = kernel.mem.read_u64(attr.attr + 32)
        page = self._page(kernel, path)
        try:
            kernel.mem.write(page, data + b"\0")
            ret = to_signed(self._call(kernel, fn, [item, page, len(data)]))
        finally:
            kernel.heap.free(page)
        if ret < 0:
            raise _fail(-ret, path)
        return ret

    @staticmethod
    def _page(kernel: Any, path: str) -> int:
        page = kernel.heap.alloc(SIMPLE_ATTR_SIZE, KERNEL_OWNER, zero=True, managed=True)
        if not page:
            raise _fail(E.ENOMEM, path)
        return page
