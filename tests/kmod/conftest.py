"""Fixtures of the kmod tests; the helpers themselves live in kmod_helpers.py.

Test modules import helpers from ``kmod_helpers`` (a unique name), never from
``conftest``, so which conftest Python imported first does not matter.
"""

from kmod_helpers import env, lkmsh, shim  # noqa: F401  (fixtures)
