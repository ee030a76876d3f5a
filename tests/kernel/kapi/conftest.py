"""Fixtures for calling kernel API functions on a composition of the real services."""

from __future__ import annotations

import pytest
from kapi_harness import KERNEL_DATA, MODULE_DATA, MODULE_TEXT, MiniKernel

from lkmsh.kernel.clock import Clock
from lkmsh.kernel.dmesg import Dmesg
from lkmsh.kernel.heap import Heap
from lkmsh.kernel.memory import AddressSpace, Perm
from lkmsh.kernel.module import Module, ModuleState
from lkmsh.kernel.procfs import ProcFS


@pytest.fixture
def mini() -> MiniKernel:
    clock = Clock()
    mem = AddressSpace()
    mem.map(MODULE_DATA, 0x10000, Perm.R | Perm.W, "hx:.data", "hx")
    mem.map(KERNEL_DATA, 0x1000, Perm.R | Perm.W, "kernel:data", "kernel")
    k = MiniKernel(
        mem=mem,
        heap=Heap(mem, limit=1 << 20, now_ns=clock.ns),
        log=Dmesg(now_ns=clock.ns),
        clock=clock,
        procfs=ProcFS(),
    )
    k.define("hx_init", MODULE_TEXT, 0x40)
    k.define("hx_exit", MODULE_TEXT + 0x40, 0x30)
    k.define("jiffies", KERNEL_DATA, 8, module=None)
    hx = Module(name="hx", state=ModuleState.RUNNING, struct_addr=MODULE_DATA + 0xF000)
    k.structs[hx.struct_addr] = hx
    k.current_module = hx
    return k
