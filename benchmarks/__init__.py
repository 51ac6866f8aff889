"""Benchmarks for langchain-gradient (not shipped with the package)."""
