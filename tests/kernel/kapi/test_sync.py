"""Spinlocks and mutexes in module memory: correct use, and the reports misuse gets."""

from __future__ import annotations

import pytest
from kapi_harness import MODULE_TEXT, call

from lkmsh.kernel.kapi.bug import KernelBug
from lkmsh.kernel.kapi.sync import MUTEX_MAGIC, SPINLOCK_MAGIC


def lock_words(mini, addr, n=2):
    raw = mini.mem.read(addr, 4 * n)
    return [int.from_bytes(raw[i : i + 4], "little") for i in range(0, 4 * n, 4)]


@pytest.fixture
def spinlock(mini):
    addr = mini.buffer(8)
    mini.define("hx_lock", addr, 8)
    call(mini, "spin_lock_init", addr)
    return addr


@pytest.fixture
def mutex(mini):
    addr = mini.buffer(16)
    mini.define("hx_mutex", addr, 16)
    call(mini, "__mutex_init", addr, 0, 0)
    return addr


def test_spinlock_lock_unlock_trylock(mini, spinlock):
    assert lock_words(mini, spinlock) == [0, SPINLOCK_MAGIC]
    call(mini, "spin_lock", spinlock)
    assert lock_words(mini, spinlock)[0] == 1
    assert call(mini, "spin_trylock", spinlock) == 0
    call(mini, "spin_unlock", spinlock)
    assert call(mini, "spin_trylock", spinlock) == 1
    call(mini, "spin_unlock", spinlock)
    flags = call(mini, "_raw_spin_lock_irqsave", spinlock)
    assert flags == 0x246
    call(mini, "_raw_spin_unlock_irqrestore", spinlock, flags)
    assert lock_words(mini, spinlock)[0] == 0
    assert mini.texts() == []


def test_taking_a_held_spinlock_is_recursion(mini, spinlock):
    call(mini, "spin_lock", spinlock)
    with pytest.raises(KernelBug) as exc:
        call(mini, "spin_lock", spinlock)
    assert exc.value.lines[0] == "BUG: spinlock recursion on CPU#0, insmod/1"
    assert exc.value.lines[1] == (
        " lock: hx_lock+0x0/0x8 [hx], .magic: dead4ead, .owner: insmod/1, .owner_cpu: 0"
    )
    assert " hx_init+0x12/0x40 [hx]" in exc.value.lines


def test_unlocking_a_free_spinlock_warns_and_continues(mini, spinlock):
    call(mini, "spin_unlock", spinlock)
    texts = mini.texts()
    assert "BUG: spinlock already unlocked on CPU#0, insmod/1" in texts
    assert texts[0] == "------------[ cut here ]------------"
    assert lock_words(mini, spinlock)[0] == 0


def test_uninitialised_spinlock_is_bad_magic(mini):
    raw = mini.buffer(8, fill=0)
    call(mini, "spin_lock", raw)
    assert "BUG: spinlock bad magic on CPU#0, insmod/1" in mini.texts()
    assert lock_words(mini, raw)[0] == 1  # Linux reports, then takes it anyway


def test_mutex_lifecycle(mini, mutex):
    assert lock_words(mini, mutex, 4) == [0, MUTEX_MAGIC, 0, 0]
    assert call(mini, "mutex_is_locked", mutex) == 0
    call(mini, "mutex_lock", mutex)
    assert call(mini, "mutex_is_locked", mutex) == 1
    assert int.from_bytes(mini.mem.read(mutex + 8, 8), "little") == MODULE_TEXT + 0x12
    assert call(mini, "mutex_trylock", mutex) == 0
    call(mini, "mutex_unlock", mutex)
    assert call(mini, "mutex_trylock", mutex) == 1
    call(mini, "mutex_unlock", mutex)
    assert lock_words(mini, mutex, 4) == [0, MUTEX_MAGIC, 0, 0]
    assert mini.texts() == []


def test_recursive_mutex_lock_is_a_deadlock_report(mini, mutex):
    call(mini, "mutex_lock", mutex, caller=MODULE_TEXT + 0x8)
    with pytest.raises(KernelBug) as exc:
        call(mini, "mutex_lock", mutex, caller=MODULE_TEXT + 0x20)
    lines = exc.value.lines
    assert "WARNING: possible recursive locking detected" in lines
    assert f"{mutex:016x} (hx_mutex){{+.+.}}-{{3:3}}, at: hx_init+0x20/0x40 [hx]" in lines
    assert f"{mutex:016x} (hx_mutex){{+.+.}}-{{3:3}}, at: hx_init+0x8/0x40 [hx]" in lines
    assert " *** DEADLOCK ***" in lines


def test_unlocking_a_free_mutex_is_a_bad_unlock_balance_warning(mini, mutex):
    call(mini, "mutex_unlock", mutex)
    texts = mini.texts()
    assert "WARNING: bad unlock balance detected!" in texts
    assert "insmod/1 is trying to release lock (hx_mutex) at:" in texts


def test_uninitialised_mutex_warns(mini):
    raw = mini.buffer(16, fill=0)
    call(mini, "mutex_lock", raw)
    assert "DEBUG_LOCKS_WARN_ON(lock->magic != lock)" in mini.texts()
