"""The shell: one command registry behind a click CLI, a REPL and scripts.

Kept import-free so that ``lkmsh lsmod | ...`` pays only for what it uses.
"""
