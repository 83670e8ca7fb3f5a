"""Benchmarks: scripts with their own report, never timed asserts in the test suite."""
