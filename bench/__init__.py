"""Benchmarks that print their figures (none is a timed test).

Run each as a module from the repository root, e.g. ``.venv/bin/python -m bench.store_bench``;
helpers shared with the tests come from ``tests.support``.
"""
