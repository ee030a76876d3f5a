"""A Ctrl-C that comes while a command is still starting (state read, module file
parsed, no module code running yet) must still stop the module code that follows:
the shell cancels again until the command ends (shell/runner.py run_cancellable)."""

import _thread
import threading
import time

from lkmsh.shell.runner import run_cancellable


def test_a_ctrl_c_before_module_code_starts_still_stops_it():
    running = threading.Event()  # module code runs (Cpu depth > 0)
    stopped = threading.Event()
    cancels = []

    def command() -> str:
        time.sleep(0.1)  # the shell waits for the command
        _thread.interrupt_main()  # the user's Ctrl-C, during start-up
        time.sleep(0.5)  # start-up goes on: nothing to stop yet
        running.set()
        return "stopped" if stopped.wait(10) else "ran to its end"

    def cancel() -> None:  # as Cpu.cancel: only a running call can be stopped
        cancels.append(running.is_set())
        if running.is_set():
            stopped.set()

    assert run_cancellable(command, cancel) == "stopped"
    assert cancels[0] is False  # the first cancel found nothing running ...
    assert cancels[-1] is True  # ... a later one stopped the code that started after it


def test_without_ctrl_c_nothing_is_cancelled():
    cancels = []
    assert run_cancellable(lambda: 7, lambda: cancels.append(1)) == 7
    assert cancels == []
