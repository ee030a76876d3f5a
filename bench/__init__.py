"""lkmsh's benchmarks: each figure measured against its baseline in the same run.

``python -m bench`` (or ``python bench/run.py``) prints one table; see
docs/performance.md for what each figure means and the budgets they check.
Nothing here is imported by lkmsh itself.
"""
