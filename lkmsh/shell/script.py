"""Scripts: ``-c 'a; b'`` strings, script files and standard input.

A line is split as a POSIX shell would split simple commands: whitespace
separates words, quotes and backslashes protect, ``;`` ends a command,
``#`` at the start of a word begins a comment and an unquoted ``>`` or ``>>``
is a redirection (an ``Operator`` word; the runner carries it out). A script stops at the first
failing command and exits with its status, unless ``--keep-going`` (then it
runs everything and exits 1 if anything failed); ``exit [N]`` stops it.
"""

from __future__ import annotations

from collections.abc import Iterable
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


def run_lines(
    runner: Runner,
    lines: Iterable[str],
    *,
    keep_going: bool = False,
    source: str = "-c",
    err: TextIO | None = None,
) -> int:
    """Run script lines; return the script's exit status."""
    err = err or runner.err
    status = EXIT_OK
    for lineno, line in enumerate(lines, 1):
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
