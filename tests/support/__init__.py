"""Helpers shared by the tests and the benchmarks: import them from here, never from a conftest."""
