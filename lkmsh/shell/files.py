"""The shell's file commands over the kernel's tree: cat, head, echo, tee, ls, stat.

They do what the coreutils commands do on Linux, through the kernel's file
layer (``Kernel.open``/``read``/``write``/``close``/``listdir``): ``cat`` opens a
file, reads it in page-sized reads until EOF and releases it; ``echo TEXT >
PATH`` is one write of the text and its newline. Errors are worded as
coreutils words them (``cat: /dev/x: No such device or address``).

A relative path names a file under /proc (``cat hello_proc``), as the shell
always allowed. Redirections (``CMD > PATH``, ``CMD >> PATH``) are the
script parser's (script.py): a kernel path is written with ``tee``, any other
path is a host file.
"""

from __future__ import annotations

import os
import stat as S
import sys
from dataclasses import dataclass, field
from typing import Any

from lkmsh.errors import KernelError, ModuleFault, StateError
from lkmsh.shell.context import Context
from lkmsh.shell.registry import Arg, Kind, Opt, command
from lkmsh.shell.render import DoneView, RawView, View

#: What the shell shows as every file's time (the tree has no times of its own).
FILE_TIME = "Jan  1 00:00"
#: The kernel's mounts: a redirection into one of these writes a kernel file.
KERNEL_ROOTS = ("/proc", "/sys", "/dev")


def kernel_path(path: str) -> str:
    """The tree's path for a shell argument (relative names are under /proc)."""
    return path if path.startswith("/") else f"/proc/{path}"


def is_kernel_path(path: str) -> bool:
    return any(path == r or path.startswith(r + "/") for r in KERNEL_ROOTS)


def _reads_module_code(params: dict[str, Any]) -> bool:
    """Reading only the kernel's own files needs no write transaction."""
    from lkmsh.kernel.kfiles import KERNEL_FILES
    from lkmsh.kernel.vfs import normpath

    return not all(normpath(kernel_path(p)) in KERNEL_FILES for p in params.get("paths", ()))


def _problem(exc: KernelError) -> str:
    if isinstance(exc, ModuleFault):
        return f"{exc.strerror} (module code crashed: see dmesg)"
    return exc.strerror


def _read(
    ctx: Context, path: str, limit: int | None = None, lines: int | None = None
) -> bytes | None:
    k = ctx.kernel()
    try:
        if limit is None:
            return k.read_file(kernel_path(path), lines=lines)
        return k.read_file(kernel_path(path), limit, lines=lines)
    except StateError:
        raise  # the state file is the problem, not this path: the runner says so
    except KernelError as exc:
        ctx.fail(f"{path}: {_problem(exc)}")
        return None


@command(
    "cat",
    "Print files of the kernel's tree (/proc, /sys, /dev): open, read to EOF, release",
    args=[Arg("paths", Kind.PATH, many=True, missing="missing file name.")],
    # Reading a module's file runs its handlers, which may change its memory.
    mutates=_reads_module_code,
)
def cat(ctx: Context, paths: tuple[str, ...]) -> Any:
    chunks = [data for p in paths if (data := _read(ctx, p)) is not None]
    return RawView(" ".join(paths), b"".join(chunks))


@command(
    "head",
    "Print the first bytes or lines of kernel files (-c N: a device that never ends is fine)",
    args=[Arg("paths", Kind.PATH, many=True, missing="missing file name.")],
    opts=[
        Opt(("-c", "--bytes"), "nbytes", "Print the first N bytes", Kind.TEXT, metavar="N"),
        Opt(("-n", "--lines"), "nlines", "Print the first N lines (10)", Kind.TEXT, metavar="N"),
    ],
    mutates=_reads_module_code,
)
def head(ctx: Context, paths: tuple[str, ...], nbytes: str | None, nlines: str | None) -> Any:
    count = _count(ctx, nbytes if nbytes is not None else nlines or "10")
    if count is None:
        return None
    chunks = []
    for p in paths:
        if nbytes is not None:
            data = _read(ctx, p, count)
        else:
            # lines: stop reading once they are in, as head does (a device whose
            # read waits for each line is read that many times), and within a bound
            data = _read(ctx, p, max(count, 1) * 4096, lines=count) if count else b""
            if data is not None:
                data = b"".join(data.splitlines(keepends=True)[:count])
        if data is not None:
            chunks.append(data)
    return RawView(" ".join(paths), b"".join(chunks))


def _count(ctx: Context, text: str) -> int | None:
    try:
        n = int(text, 0)
    except ValueError:
        n = -1
    if n < 0:
        ctx.fail(f"invalid number: '{text}'")
        return None
    return n


@dataclass
class EchoView(View):
    text: str

    def plain(self) -> str:
        return self.text

    def to_json(self) -> Any:
        return {"text": self.text}


@command(
    "echo",
    "Print its words (echo 5 > /sys/...: write them to a kernel file); "
    "-n: no newline, -e/-E: backslash escapes on/off, as bash's echo",
    args=[Arg("words", Kind.TEXT, many=True, required=False)],
    raw=True,
)
def echo(ctx: Context, words: tuple[str, ...]) -> Any:
    newline, escapes = True, False
    # bash's echo: leading words of only -n/-e/-E letters are its options, any other
    # word ("-3", "--", "-x") is printed
    while words and len(words[0]) > 1 and words[0][0] == "-" and set(words[0][1:]) <= set("neE"):
        for letter in words[0][1:]:
            if letter == "n":
                newline = False
            else:
                escapes = letter == "e"
        words = words[1:]
    text = " ".join(words)
    if escapes:
        text, stop = _backslash_escapes(text)
        newline = newline and not stop
    return EchoView(text + ("\n" if newline else ""))


_ESCAPES = {"a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n", "r": "\r",
            "t": "\t", "v": "\v", "\\": "\\"}  # fmt: skip


def _backslash_escapes(text: str) -> tuple[str, bool]:
    """echo -e's escapes: (the text, whether \\c stopped all further output)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if ch != "\\" or not nxt:
            out.append(ch)
            i += 1
        elif nxt == "c":
            return "".join(out), True
        elif nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "0" or nxt == "x":  # \0nnn octal, \xHH hex
            digits, base, width = (
                ("01234567", 8, 3) if nxt == "0" else ("0123456789abcdefABCDEF", 16, 2)
            )
            j = i + 2
            while j < len(text) and j < i + 2 + width and text[j] in digits:
                j += 1
            if nxt == "x" and j == i + 2:
                out.append("\\x")
            else:
                out.append(chr(int(text[i + 2 : j] or "0", base)))
            i = j
        else:
            out.append(ch)
            i += 1
    return "".join(out), False


@command(
    "tee",
    "Write standard input (or a redirection's text) to kernel files, one write each",
    args=[Arg("paths", Kind.PATH, many=True, missing="missing file operand")],
    opts=[Opt(("-a", "--append"), "append", "Open with O_APPEND")],
    mutates=True,
)
def tee(ctx: Context, paths: tuple[str, ...], append: bool, data: bytes | None = None) -> Any:
    if data is None:
        data = sys.stdin.buffer.read() if not sys.stdin.isatty() else b""
    for p in paths:
        write_kernel_file(ctx, p, data, append)
    return DoneView({"written": len(data), "paths": list(paths)})


def write_kernel_file(ctx: Context, path: str, data: bytes, append: bool) -> None:
    """Open, one write, release; failures worded as bash words them for ``echo > PATH``."""
    k = ctx.kernel()
    flags = os.O_WRONLY | (os.O_APPEND if append else os.O_TRUNC)
    try:
        f = k.open(kernel_path(path), flags)
    except KernelError as exc:
        ctx.fail(f"{path}: {_problem(exc)}")
        return
    try:
        full_write(k, f, data)
    except KernelError as exc:
        ctx.fail(f"write error: {_problem(exc)}")
    finally:
        k.close(f)


def full_write(k: Any, f: Any, data: bytes) -> int:
    """write(2) until all of @data is taken, as coreutils' full_write and stdio do (a
    file that takes part of a write gets the rest in the next, at its new position);
    a write that takes nothing is ENOSPC, as full_write says."""
    done = 0
    while done < len(data):
        n = k.write(f, data[done:])
        if n <= 0:
            from lkmsh.kernel.vfs import FileError

            raise FileError(f"{f.path}: {os.strerror(28)}", 28)
        done += n
    return done


def _mode_text(mode: int) -> str:
    return S.filemode(mode)


@dataclass
class LsView(View):
    """What GNU ls prints: file operands first (named as given), then each directory's
    entries, under a "DIR:" header when there is more than one operand."""

    entries: list[Any]  # vfs.DirEntry: the file operands, then every listed entry
    long: bool
    listing: bool = True  # a directory's contents (ls -l then starts with "total")
    #: the sections: (header or None, entries, is a directory's listing)
    sections: list[tuple[str | None, list[Any], bool]] = field(default_factory=list)

    def plain(self) -> str:
        sections = self.sections or [(None, self.entries, self.listing)]
        out: list[str] = []
        for i, (header, entries, listing) in enumerate(sections):
            if i:
                out.append("\n")
            if header is not None:
                out.append(f"{header}:\n")
            out.append(self._block(entries, listing))
        return "".join(out)

    def _block(self, entries: list[Any], listing: bool) -> str:
        if not self.long:
            return "".join(f"{e.name}\n" for e in entries)
        out = ["total 0\n"] if listing else []
        for e in entries:
            if S.S_ISCHR(e.mode) or S.S_ISBLK(e.mode):
                size = f"{e.rdev >> 20:3}, {e.rdev & 0xFFFFF:3}"
            else:
                size = f"{e.size:8}"
            link = f" -> {e.target}" if S.S_ISLNK(e.mode) else ""
            out.append(
                f"{_mode_text(e.mode)} {e.nlink:2} root root {size} {FILE_TIME} {e.name}{link}\n"
            )
        return "".join(out)

    def to_json(self) -> Any:
        return [
            {
                "name": e.name,
                "path": e.path,
                "mode": f"{S.S_IMODE(e.mode):04o}",
                "type": _kind(e.mode),
                "size": e.size,
                **({"major": e.rdev >> 20, "minor": e.rdev & 0xFFFFF} if e.rdev else {}),
                **({"target": e.target} if S.S_ISLNK(e.mode) else {}),
                "owner": e.owner,
            }
            for e in self.entries
        ]


def _kind(mode: int) -> str:
    if S.S_ISDIR(mode):
        return "directory"
    if S.S_ISCHR(mode):
        return "character special file"
    if S.S_ISBLK(mode):
        return "block special file"
    if S.S_ISLNK(mode):
        return "symbolic link"
    return "regular file"


@command(
    "ls",
    "List directories of the kernel's tree (-l: modes, sizes, device numbers)",
    args=[Arg("paths", Kind.PATH, many=True, required=False)],
    opts=[Opt(("-l",), "long", "Long listing")],
)
def ls(ctx: Context, paths: tuple[str, ...], long: bool) -> Any:
    """GNU ls: a link operand is followed to its directory unless -l shows the link."""
    from dataclasses import replace

    k = ctx.kernel()
    files: list[Any] = []
    dirs: list[tuple[str, Any]] = []
    for p in paths or ("/",):
        try:
            st = k.lstat(kernel_path(p)) if long else k.stat(kernel_path(p))
            if st.is_dir:
                dirs.append((p, st))
            else:
                files.append(replace(st, name=p))  # a file operand is shown as given
        except KernelError as exc:
            ctx.fail(f"cannot access '{p}': {exc.strerror}")
    files.sort(key=lambda e: e.name)
    dirs.sort(key=lambda d: d[0])
    sections: list[tuple[str | None, list[Any], bool]] = [(None, files, False)] if files else []
    many = len(paths) > 1
    entries = list(files)
    for p, st in dirs:
        try:
            listed = k.listdir(st.path)
        except KernelError as exc:
            ctx.fail(f"cannot open directory '{p}': {exc.strerror}")
            continue
        sections.append((p if many else None, listed, True))
        entries.extend(listed)
    return LsView(entries, long, bool(dirs), sections)


@dataclass
class StatView(View):
    entry: Any  # vfs.DirEntry

    def plain(self) -> str:
        e = self.entry
        lines = [
            f"  File: {e.path}\n",
            f"  Size: {e.size:<15} {_kind(e.mode)}\n",
        ]
        if e.rdev:
            lines.append(f"Device type: {e.rdev >> 20},{e.rdev & 0xFFFFF}\n")
        lines.append(
            f"Access: ({S.S_IMODE(e.mode):04o}/{_mode_text(e.mode)})  Uid: (    0/    root)"
            "   Gid: (    0/    root)\n"
        )
        if e.owner:
            lines.append(f" Owner: module {e.owner}\n")
        return "".join(lines)

    def to_json(self) -> Any:
        return LsView([self.entry], True, False).to_json()[0]


@command("stat", "Show a kernel file's type, mode and device number", args=[Arg("path", Kind.PATH)])
def stat(ctx: Context, path: str) -> Any:
    try:
        return StatView(ctx.kernel().stat(kernel_path(path)))
    except KernelError as exc:
        ctx.fail(f"cannot statx '{path}': {exc.strerror}")
        return None


def write_host_file(path: str, text: bytes, append: bool) -> str | None:
    """A redirection to a host file; returns the error text, if any."""
    try:
        with open(path, "ab" if append else "wb") as fh:
            fh.write(text)
    except OSError as exc:
        return f"{path}: {exc.strerror or os.strerror(exc.errno or 5)}"
    return None


@command(
    "mkdir",
    "Make directories in the kernel's tree (configfs items under /sys/kernel/config)",
    args=[Arg("paths", Kind.PATH, many=True, missing="missing operand")],
    opts=[Opt(("-p", "--parents"), "parents", "No error if existing, make parents as needed")],
    mutates=True,
)
def mkdir(ctx: Context, paths: tuple[str, ...], parents: bool) -> Any:
    k = ctx.kernel()
    for p in paths:
        todo = [kernel_path(p)]
        if parents:  # each missing ancestor first, as mkdir -p
            todo = [t for t in _ancestors(kernel_path(p)) if not _exists(k, t)]
        for path in todo:
            try:
                k.mkdir(path)
            except KernelError as exc:
                ctx.fail(f"cannot create directory '{p}': {_problem(exc)}")
                break
    return DoneView({"made": list(paths)})


def _ancestors(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


def _exists(k: Any, path: str) -> bool:
    try:
        k.stat(path)
    except KernelError:
        return False
    return True


@command(
    "rmdir",
    "Remove directories of the kernel's tree (configfs items a mkdir made)",
    args=[Arg("paths", Kind.PATH, many=True, missing="missing operand")],
    mutates=True,
)
def rmdir(ctx: Context, paths: tuple[str, ...]) -> Any:
    k = ctx.kernel()
    for p in paths:
        try:
            k.rmdir(kernel_path(p))
        except KernelError as exc:
            ctx.fail(f"failed to remove '{p}': {_problem(exc)}")
    return DoneView({"removed": list(paths)})
