"""Benchmarks, run by hand or in a benchmark job, never in the test suite: `python -m bench <name>`.

Each bench starts the server itself on the reference data set, drives it with an async client
and prints one JSON line per figure; docs/performance.md explains them and records the figures.
"""
