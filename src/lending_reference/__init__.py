"""The reference lending service: every layer as the course's notebooks build it.

Laid out by layer exactly as the learner's ``lending`` package is, with relative
imports, so that it reads as the capstone's answer key and any module can be
copied into a learner's package. Each top-level module is its layer's latest
version; ``history/<notebook>/<layer>.py`` keeps an earlier version that a later
notebook revised. :mod:`helpers.checkpoint` says which notebook builds which
version and restores them for each notebook's setup; ``tests/test_checkpoints.py``
proves that every version passes the tests of the notebook that builds it.
"""
