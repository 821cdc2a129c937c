"""Maintainer and instructor tooling for the course: release, execute, check, bench.

Learners never need this package; notebooks import only :mod:`helpers`.
"""
