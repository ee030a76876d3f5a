"""Module references from module code."""

from __future__ import annotations

from kapi_harness import call

from lkmsh.kernel.module import ModuleState


def test_try_module_get_and_put(mini):
    hx = mini.current_module
    assert call(mini, "try_module_get", hx.struct_addr) == 1
    assert call(mini, "module_refcount", hx.struct_addr) == 1
    call(mini, "module_put", hx.struct_addr)
    assert call(mini, "module_refcount", hx.struct_addr) == 0


def test_null_module_is_built_in_code(mini):
    assert call(mini, "try_module_get", 0) == 1
    call(mini, "module_put", 0)
    assert mini.texts() == []


def test_a_module_going_away_cannot_be_got(mini):
    hx = mini.current_module
    hx.state = ModuleState.UNLOADING
    assert call(mini, "try_module_get", hx.struct_addr) == 0


def test_not_a_module_warns(mini):
    assert call(mini, "try_module_get", mini.buffer(8)) == 0
    assert any("is not a struct module" in t for t in mini.texts())


def test_request_module_formats_the_name(mini):
    ret = call(mini, "__request_module", 1, mini.cstring("hx-%s-%d"), mini.cstring("codec"), 2)
    assert mini.requested == ["hx-codec-2"]
    assert ret == -2  # the kernel's -ENOENT, as rax carries it


def test_symbol_get_finds_exported_addresses(mini):
    assert call(mini, "__symbol_get", mini.cstring("hx_init")) == 0xFFFFFFFFA0100000
    assert call(mini, "__symbol_get", mini.cstring("nope")) == 0
