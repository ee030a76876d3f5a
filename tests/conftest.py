"""Suite-wide set-up."""

import os
import signal

# A suite started in the background (`cmd &` in a script, nohup) inherits SIGINT
# ignored, and so would every lkmsh it starts: the tests that press Ctrl-C in a
# child (the REPL, dmesg --follow, gpio watch --follow, insmod) would hang. A
# handler here, not SIG_IGN, is SIG_DFL again in each child after exec.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# pytest-xdist's workers export LINES=24 and COLUMNS=80, and shutil.get_terminal_size
# (the pager, rich's width) prefers them to the terminal's real size: the tests that
# give a pseudo-terminal its own size must not inherit them.
for _name in ("LINES", "COLUMNS"):
    os.environ.pop(_name, None)
