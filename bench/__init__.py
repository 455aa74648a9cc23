"""Benchmarks of the app, run with ``python -m bench`` (see ``bench/__main__.py``). Nothing in the
product imports this package, and the test suite does not collect it."""
