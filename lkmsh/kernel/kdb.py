"""kdb, the kernel debugger's shell (kernel/debug/kdb of Linux 6.1, CONFIG_KGDB_KDB).

The machine stops while kdb runs: nothing else is scheduled, no time passes. A
line is parsed as ``kdb_parse`` does (whitespace-separated words, quotes and
backslashes, ``set A=B`` split at the ``=``, a leading ``-`` ignoring the
command's error, abbreviations down to a command's ``minlen``, ``md1c20``
matching ``md``) and run from one table: Linux's built-in commands, in its
order, then the commands modules registered (``kdb_register``). ``help``
prints that table as Linux does. Of the built-ins lkmsh runs ``help``/``?``,
``go``, ``env``, ``set``, ``lsmod`` and ``dmesg``; the others answer as a
command Linux lacks would (``diag: -7: Command not implemented``). A module's
command runs as module code with ``(argc, argv)``, ``argv[0]`` the word typed;
its ``kdb_printf`` output is the session's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.snapshot import typed

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel

KDBTAB_SIZE = 56  # name, func, usage, help (8 each), minlen (2), flags (4 at 36), list_node
MAXARGC = 20
CMD_BUFLEN = 200
TEXT_MAX = 4096  # longest name, usage or help read from a kdbtab_t
NOTFOUND, ARGCOUNT, NOTIMP, ENVFULL, ENVBUFFULL = -1, -2, -7, -8, -9
CMD_GO = -1001  # kdb_private.h: the command said leave
ENV_SLOTS, ENV_BUFSIZE = 31, 512

MESSAGES = {
    -1: "Command Not Found",
    -2: "Improper argument count, see usage.",
    -3: "Illegal value for BYTESPERWORD use 1, 2, 4 or 8, 8 is only allowed on 64 bit systems",
    -4: "Illegal value for RADIX use 8, 10 or 16",
    -5: "Cannot find environment variable",
    -6: "Environment variable should have value",
    -7: "Command not implemented",
    -8: "Environment full",
    -9: "Environment buffer full",
    -10: "Too many breakpoints defined",
    -11: "More breakpoints than db registers defined",
    -12: "Duplicate breakpoint address",
    -13: "Breakpoint not found",
    -14: "Invalid IDMODE",
    -15: "Illegal numeric value",
    -16: "Invalid symbolic address format",
    -17: "Invalid register name",
    -18: "Invalid cpu number",
    -19: "Invalid length field",
    -20: "No Breakpoint exists",
    -21: "Invalid address",
    -22: "Permission denied",
}

#: the boot's environment (CONFIG_SMP unset: the prompt has no cpu number)
ENV_BOOT = ("PROMPT=kdb> ", "MOREPROMPT=more> ", "RADIX=16", "MDCOUNT=8", "BYTESPERWORD=8",
            "DTABCOUNT=30", "NOSECT=1")  # fmt: skip


@dataclass(frozen=True)
class Builtin:
    name: str
    usage: str
    help: str
    minlen: int = 0


#: kdb_main.c's maintab, kdb_bp.c's bptab (and bph where the arch has hardware
#: breakpoints for kgdb), then kdb_cmds' macros: the order ``help`` lists them in
MAINTAB = (
    Builtin("md", "<vaddr>", "Display Memory Contents, also mdWcN, e.g. md8c1", 1),
    Builtin("mdr", "<vaddr> <bytes>", "Display Raw Memory"),
    Builtin("mdp", "<paddr> <bytes>", "Display Physical Memory"),
    Builtin("mds", "<vaddr>", "Display Memory Symbolically"),
    Builtin("mm", "<vaddr> <contents>", "Modify Memory Contents"),
    Builtin("go", "[<vaddr>]", "Continue Execution", 1),
    Builtin("rd", "", "Display Registers"),
    Builtin("rm", "<reg> <contents>", "Modify Registers"),
    Builtin("ef", "<vaddr>", "Display exception frame"),
    Builtin("bt", "[<vaddr>]", "Stack traceback", 1),
    Builtin("btp", "<pid>", "Display stack for process <pid>"),
    Builtin("bta", "[<state_chars>|A]", "Backtrace all processes whose state matches"),
    Builtin("btc", "", "Backtrace current process on each cpu"),
    Builtin("btt", "<vaddr>", "Backtrace process given its struct task address"),
    Builtin("env", "", "Show environment variables"),
    Builtin("set", "", "Set environment variables"),
    Builtin("help", "", "Display Help Message", 1),
    Builtin("?", "", "Display Help Message"),
    Builtin("cpu", "<cpunum>", "Switch to new cpu"),
    Builtin("kgdb", "", "Enter kgdb mode"),
    Builtin("ps", "[<state_chars>|A]", "Display active task list"),
    Builtin("pid", "<pidnum>", "Switch to another task"),
    Builtin("reboot", "", "Reboot the machine immediately"),
    Builtin("lsmod", "", "List loaded kernel modules"),
    Builtin("sr", "<key>", "Magic SysRq key"),
    Builtin("dmesg", "[lines]", "Display syslog buffer"),
    Builtin("defcmd", 'name "usage" "help"', "Define a set of commands, down to endefcmd"),
    Builtin("kill", "<-signal> <pid>", "Send a signal to a process"),
    Builtin("summary", "", "Summarize the system", 4),
    Builtin("per_cpu", "<sym> [<bytes>] [<cpu>]", "Display per_cpu variables", 3),
    Builtin("grephelp", "", "Display help on | grep"),
)
BPTAB = (
    Builtin("bp", "[<vaddr>]", "Set/Display breakpoints"),
    Builtin("bl", "[<vaddr>]", "Display breakpoints"),
    Builtin("bc", "<bpnum>", "Clear Breakpoint"),
    Builtin("be", "<bpnum>", "Enable Breakpoint"),
    Builtin("bd", "<bpnum>", "Disable Breakpoint"),
    Builtin("ss", "", "Single Step", 1),
)
BPH = Builtin("bph", "[<vaddr>]", "[datar [length]|dataw [length]]   Set hw brk")
MACROS = (
    Builtin("dumpcommon", "", "Common kdb debugging"),
    Builtin("dumpall", "", "First line debugging"),
    Builtin("dumpcpu", "", "Same as dumpall but only tasks on cpus"),
)


def builtins(arch: str) -> tuple[Builtin, ...]:
    """x86-64's kgdb sets hardware breakpoints (bph); arm64's does not."""
    return (*MAINTAB, *BPTAB, *((BPH,) if arch == "x86_64" else ()), *MACROS)


@dataclass
class ModuleCommand:
    tab: int  # the module's kdbtab_t
    owner: str
    name: str  # at registration, for the report of one left behind


@dataclass(frozen=True)
class Entry:
    """One row of the command table as kdb_parse sees it."""

    name: str
    usage: str
    help: str
    minlen: int
    tab: int = 0  # a module's kdbtab_t; 0 for a built-in


def tokenize(line: str) -> tuple[list[str], bool]:
    """kdb_parse's words, and whether a ``|`` (kdb's grep) cut the line."""
    words: list[str] = []
    i, n = 0, len(line)
    while i < n:
        while i < n and line[i].isspace():
            i += 1
        if i >= n or line[i] in "\n#":
            break
        if line[i] == "|":
            return words, True
        word, escaped, quoted = [], False, ""
        while i < n and line[i] != "\n" and (escaped or quoted or not line[i].isspace()):
            c = line[i]
            i += 1
            if escaped:
                escaped = False
                word.append(c)
                continue
            if c == "\\":
                escaped = True
                continue
            if c == quoted:
                quoted = ""
            elif c in "'\"" and not quoted:
                quoted = c
            if c == "=" and not quoted:
                break
            word.append(c)
        words.append("".join(word))
        if len(words) >= MAXARGC - 1:
            break
    return words, False


class Kdb(Component):
    name = "kdb"

    def __init__(self, kernel: Kernel):
        self.kernel = kernel
        self.commands: list[ModuleCommand] = []
        self.env: list[str] = list(ENV_BOOT)
        self.env_used = 0  # bytes of kdb's allocate-only environment buffer
        self.out: list[str] | None = None  # the session's output while kdb runs
        self._builtins = builtins(kernel.arch.name)
        self._impl: dict[str, Callable[[list[str]], int]] = {
            "help": self._help, "?": self._help, "go": self._go, "env": self._env,
            "set": self._set, "lsmod": self._lsmod, "dmesg": self._dmesg,
        }  # fmt: skip

    # -- the console ---------------------------------------------------------------------

    def printf(self, text: str) -> None:
        """kdb_printf: the session's output in kdb, else the terminal (kdb's console)."""
        if self.out is not None:
            self.out.append(text)
        else:
            self.kernel.console.write(text.encode(errors="replace"))

    # -- the table -------------------------------------------------------------------------

    def _read(self, tab: int) -> Entry:
        mem = self.kernel.mem

        def text(at: int) -> str:
            ptr = mem.read_u64(tab + at)
            return mem.read_cstr(ptr, TEXT_MAX).decode(errors="replace") if ptr else ""

        minlen = int.from_bytes(mem.read(tab + 32, 2), "little", signed=True)
        return Entry(text(0), text(16), text(24), minlen, tab)

    def table(self) -> list[Entry]:
        rows = [Entry(b.name, b.usage, b.help, b.minlen) for b in self._builtins]
        return rows + [self._read(c.tab) for c in self.commands]

    def register(self, tab: int, owner: str) -> int:
        """kdb_register: 0, or 1 (and kdb's line) when the name is taken."""
        entry = self._read(tab)
        if any(e.name == entry.name for e in self.table()):
            func = self.kernel.mem.read_u64(tab + 8)
            self.printf(f"Duplicate kdb cmd: {entry.name}, func {func:016x} help {entry.help}\n")
            return 1
        self.commands.append(ModuleCommand(tab, owner, entry.name))
        return 0

    def unregister(self, tab: int) -> None:
        self.commands = [c for c in self.commands if c.tab != tab]

    def prompt(self) -> str:
        """The PROMPT variable, its %d the cpu (kdb_local's snprintf)."""
        value = next((e.partition("=")[2] for e in self.env if e.startswith("PROMPT=")), "")
        return value.replace("%d", "0")[:CMD_BUFLEN]

    # -- one line --------------------------------------------------------------------------

    def run_line(self, line: str, call: Callable[[int, list[str]], int]) -> tuple[str, bool]:
        """What kdb prints for @line, and whether it was ``go``. @call runs a module's
        command: (its kdbtab_t, argv) -> its result."""
        self.out = []
        try:
            diag = self._parse(line[:CMD_BUFLEN], call)
            if diag == NOTFOUND:
                self.printf(f"Unknown kdb command: '{line.rstrip(chr(10))}'\n")
            elif diag and diag != CMD_GO:
                self.printf(f"diag: {diag}: {MESSAGES[diag]}\n" if diag in MESSAGES
                            else f"Unknown diag {-diag}\n")  # fmt: skip
            return "".join(self.out), diag == CMD_GO
        finally:
            self.out = None

    def _parse(self, line: str, call: Callable[[int, list[str]], int]) -> int:
        argv, grep = tokenize(line)
        if not argv:
            return 0
        if grep:
            self.printf("lkmsh's kdb has no '| grep'\n")
            return 0
        ignore_errors = len(argv[0]) > 1 and argv[0][0] == "-" and not argv[0][1].isdigit()
        if ignore_errors:
            argv[0] = argv[0][1:]
        word, rows = argv[0], self.table()
        found = next((e for e in rows if (e.minlen and len(word) <= e.minlen
                                          and word[: e.minlen] == e.name[: e.minlen])
                      or word == e.name), None)  # fmt: skip
        if found is None:  # md1c20 is md
            found = next((e for e in rows if e.name and word.startswith(e.name)), None)
        if found is None:
            return NOTFOUND
        if found.tab:
            result = call(found.tab, argv)
        else:
            impl = self._impl.get(found.name)
            result = impl(argv) if impl is not None else NOTIMP
        return 0 if result and ignore_errors and result > CMD_GO else result

    # -- the built-ins lkmsh runs ----------------------------------------------------------

    def _help(self, argv: list[str]) -> int:
        self.printf(f"{'Command':<15.15} {'Usage':<20.20} Description\n")
        self.printf("-" * 58 + "\n")
        for e in self.table():
            space = "\n" + " " * 36 if len(e.usage) > 20 else ""
            self.printf(f"{e.name:<15.15} {e.usage:<20}{space}{e.help}\n")
        return 0

    def _go(self, argv: list[str]) -> int:
        if len(argv) > 2:
            return ARGCOUNT
        if len(argv) == 2:
            return NOTIMP  # go <vaddr>: resuming elsewhere needs a stopped CPU's registers
        return CMD_GO

    def _env(self, argv: list[str]) -> int:
        for e in self.env:
            self.printf(f"{e}\n")
        return 0

    def _set(self, argv: list[str]) -> int:
        if len(argv) == 4:  # set var = value: the tokenizer gave "=" its own word
            argv = [argv[0], argv[1], argv[3]]
        if len(argv) != 3:
            return ARGCOUNT
        var, val = argv[1], argv[2]
        need = len(var) + len(val) + 2
        if ENV_BUFSIZE - self.env_used < need:
            return ENVBUFFULL
        self.env_used += need
        for i, e in enumerate(self.env):
            if e == var or e.startswith(var + "="):
                self.env[i] = f"{var}={val}"
                return 0
        if len(self.env) >= ENV_SLOTS - 1:
            return ENVFULL
        self.env.append(f"{var}={val}")
        return 0

    def _lsmod(self, argv: list[str]) -> int:
        if len(argv) != 1:
            return ARGCOUNT
        self.printf("Module                  Size  modstruct     Used by\n")
        for m in sorted(self.kernel.module_list_all(), key=lambda m: -m.load_seq):
            state = getattr(m.state, "value", "")
            word = " (Unloading)" if state == "unloading" else (
                " (Loading)" if state == "loaded" else " (Live)")  # fmt: skip
            # kernel/module/kdb.c names use->target, the module itself, once per user
            users = "".join(f"{m.name} " for _ in m.users)
            self.printf(f"{m.name:<20}{m.size:8}  0x{m.struct_addr:016x} {m.refcount:4} "
                        f"{word} 0x{m.base:016x} [ {users}]\n")  # fmt: skip
        return 0

    def _dmesg(self, argv: list[str]) -> int:
        if len(argv) > 3:
            return ARGCOUNT
        lines = adjust = 0
        if len(argv) > 1:
            lines = _c_long(argv[1])
            if len(argv) > 2:
                adjust = max(_c_long(argv[2]), 0)
        records = [
            f"<{r.level | r.facility << 3}>[{r.ts_ns // 10**9:5}.{r.ts_ns // 1000 % 10**6:06}] "
            f"{r.text}"
            for r in self.kernel.log.records()
        ]
        n, skip = len(records), 0
        if lines < 0:
            if adjust >= n:
                self.printf(f"buffer only contains {n} lines, nothing printed\n")
            elif adjust - lines >= n:
                self.printf(f"buffer only contains {n} lines, last {n - adjust} lines printed\n")
            skip, lines = adjust, -lines
        elif lines > 0:
            skip = n - lines - adjust
            if adjust >= n:
                self.printf(f"buffer only contains {n} lines, nothing printed\n")
                skip = n
            elif skip < 0:
                lines += skip
                skip = 0
                self.printf(f"buffer only contains {n} lines, first {lines} lines printed\n")
        else:
            lines = n
        if skip >= n or skip < 0:
            return 0
        for text in records[skip : skip + lines]:
            self.printf(text + "\n")
        return 0

    # -- component ---------------------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        return {"commands": [asdict(c) for c in self.commands], "env": self.env,
                "env_used": self.env_used}  # fmt: skip

    def load_data(self, data: dict[str, Any] | None) -> None:
        data = data or {}
        self.commands = [typed(ModuleCommand, c, "kdb command") for c in data.get("commands", [])]
        env = data.get("env")
        if isinstance(env, list) and all(isinstance(e, str) for e in env):
            self.env = env
        self.env_used = int(data.get("env_used", 0))

    def module_going(self, module: Any) -> list[Report]:
        left = [c for c in self.commands if c.owner == module.name]
        self.commands = [c for c in self.commands if c.owner != module.name]
        return [
            (4, f"{module.name}: removing kdb command {c.name} it left registered") for c in left
        ]


def _c_long(word: str) -> int:
    """simple_strtol(word, &end, 0) with *end required to be the end (else 0), as kdb_dmesg."""
    try:
        return int(word, 0)
    except ValueError:
        return 0
