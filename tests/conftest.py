"""Suite-wide set-up."""

import signal

# A suite started in the background (`cmd &` in a script, nohup) inherits SIGINT
# ignored, and so would every lkmsh it starts: the tests that press Ctrl-C in a
# child (the REPL, dmesg --follow, gpio watch --follow, insmod) would hang. A
# handler here, not SIG_IGN, is SIG_DFL again in each child after exec.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
