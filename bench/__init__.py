"""Benchmarks that print figures; run them with ``make bench`` (not part of the test suite)."""
