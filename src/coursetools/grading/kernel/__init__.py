"""The grading kernel: an IPython kernel that runs the course's cells defensively.

Runs inside the sandbox; imports nothing from the rest of ``coursetools.grading``
except :mod:`coursetools.grading.proof`.
"""
