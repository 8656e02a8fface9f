"""Benchmarks (not installed, not tests): ``python -m bench [--quick] [--only NAME]``."""
