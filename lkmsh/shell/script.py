"""Scripts: ``-c 'a; b'`` strings, script files and standard input.

A line is split as a POSIX shell would split simple commands: whitespace
separates words, quotes and backslashes protect, ``;`` ends a command,
``#`` at the start of a word begins a comment, an unquoted ``>`` or ``>>``
is a redirection and ``|`` pipes the command's plain text into a host shell
pipeline (``Operator`` words; the runner carries them out). A backslash ending
a line continues it on the next. A script stops at the first failing command
and exits with its status, unless ``--keep-going`` (then it runs everything
and exits 1 if anything failed); ``exit [N]`` stops it. A script file's
errors name their line (``FILE:LINE: ...``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TextIO

from lkmsh.shell.messages import ExitRequest
from lkmsh.shell.runner import EXIT_FAILURE, EXIT_OK, Operator, Runner


class SyntaxProblem(Exception):
    pass


def _flush(words: list[str], word: list[str], in_word: bool) -> None:
    if in_word:
        words.append("".join(word))
        word.clear()


def split_commands(line: str) -> list[list[str]]:
    """``'insmod "a b.ko" x=1; lsmod # hi'`` -> ``[["insmod", "a b.ko", "x=1"], ["lsmod"]]``."""
    commands: list[list[str]] = []
    words: list[str] = []
    word: list[str] = []
    in_word = False
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c in " \t\r\n":
            if in_word:
                words.append("".join(word))
                word, in_word = [], False
        elif c == ";":
            if in_word:
                words.append("".join(word))
                word, in_word = [], False
            if words:
                commands.append(words)
            words = []
        elif c == "#" and not in_word:
            break
        elif c == "|":
            _flush(words, word, in_word)
            in_word = False
            words.append(Operator("|"))
        elif c == ">":
            _flush(words, word, in_word)
            in_word = False
            if i + 1 < n and line[i + 1] == ">":
                i += 1
                words.append(Operator(">>"))
            else:
                words.append(Operator(">"))
        elif c == "\\":
            i += 1
            if i < n and line[i] != "\n":
                word.append(line[i])
                in_word = True
            # a backslash ending the line continues it: no word of its own
        elif c == "'":
            end = line.find("'", i + 1)
            if end < 0:
                raise SyntaxProblem("unterminated quoted string")
            word.append(line[i + 1 : end])
            i, in_word = end, True
        elif c == '"':
            i += 1
            while i < n and line[i] != '"':
                if line[i] == "\\" and i + 1 < n and line[i + 1] in '"\\$`':
                    i += 1
                word.append(line[i])
                i += 1
            if i >= n:
                raise SyntaxProblem("unterminated quoted string")
            in_word = True
        else:
            word.append(c)
            in_word = True
        i += 1
    if in_word:
        words.append("".join(word))
    if words:
        commands.append(words)
    return commands


def continues(line: str) -> bool:
    """Does @line end in an unescaped backslash (the next line continues it, as in sh)?"""
    stripped = line.rstrip("\r\n")
    return (len(stripped) - len(stripped.rstrip("\\"))) % 2 == 1


def joined_lines(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each logical line: backslash-newline joins lines."""
    pending, start = "", 0
    for lineno, line in enumerate(lines, 1):
        if not pending:
            start = lineno
        if continues(line):
            pending += line.rstrip("\r\n")[:-1]
            continue
        yield start, pending + line
        pending = ""
    if pending:
        yield start, pending


class Located:
    """Stderr of a script: each line of it prefixed with ``FILE:LINE: `` of the command."""

    def __init__(self, stream: TextIO, source: str):
        self.stream = stream
        self.source = source
        self.lineno = 0
        self._at_start = True

    def write(self, text: str) -> int:
        out = []
        for piece in text.splitlines(keepends=True):
            if self._at_start:
                out.append(f"{self.source}:{self.lineno}: ")
            out.append(piece)
            self._at_start = piece.endswith("\n")
        self.stream.write("".join(out))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return False


def run_lines(
    runner: Runner,
    lines: Iterable[str],
    *,
    keep_going: bool = False,
    source: str = "-c",
    err: TextIO | None = None,
) -> int:
    """Run script lines; return the script's exit status.

    Errors of a script file name their line (``FILE:LINE: insmod: ERROR: ...``).
    """
    err = err or runner.err
    located = Located(runner.err, source) if source not in ("-c", "<stdin>") else None
    saved_err = runner.err
    if located is not None:
        runner.err = located
    try:
        return _run_lines(runner, lines, keep_going, source, err, located)
    finally:
        runner.err = saved_err


def _run_lines(
    runner: Runner,
    lines: Iterable[str],
    keep_going: bool,
    source: str,
    err: TextIO,
    located: Located | None,
) -> int:
    status = EXIT_OK
    for lineno, line in joined_lines(lines):
        if located is not None:
            located.lineno = lineno
        try:
            commands = split_commands(line)
        except SyntaxProblem as exc:
            err.write(f"lkmsh: {source}: line {lineno}: syntax error: {exc}\n")
            if not keep_going:
                return EXIT_FAILURE
            status = EXIT_FAILURE
            continue
        for argv in commands:
            try:
                rc = runner.run_argv(argv)
            except ExitRequest as req:
                return req.status or status
            if rc != EXIT_OK:
                if not keep_going:
                    return rc
                status = EXIT_FAILURE
    return status


def run_string(runner: Runner, text: str, *, keep_going: bool = False) -> int:
    return run_lines(runner, text.splitlines() or [""], keep_going=keep_going, source="-c")


def run_file(runner: Runner, path: str, *, keep_going: bool = False) -> int:
    """A script file (or "-" for standard input)."""
    import sys

    if path == "-":
        return run_lines(runner, sys.stdin, keep_going=keep_going, source="<stdin>")
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as fh:
            return run_lines(runner, fh, keep_going=keep_going, source=path)
    except OSError as exc:
        runner.err.write(f"lkmsh: {path}: {exc.strerror}\n")
        return EXIT_FAILURE
