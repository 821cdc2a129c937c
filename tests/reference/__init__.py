"""Tests of the reference lending service (``lending_reference``), split by what they touch.

A package, so that module names such as ``test_models`` cannot clash with a test
module of the same name elsewhere under ``tests/``.
"""
