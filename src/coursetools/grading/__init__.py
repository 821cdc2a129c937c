"""Class grading for nbgrader courses: parallel, sandboxed, tamper-resistant.

``python -m coursetools.grading`` grades every submission of an assignment in
nbgrader's course layout and records the results in nbgrader's gradebook, so
formgrader, ``nbgrader generate_feedback`` and ``nbgrader export`` work as usual.

The pipeline has three phases (see ``docs/instructors.md``):

1. :mod:`~coursetools.grading.rebuild` (main process): read each submission and
   rebuild the notebook to run from the source cells and the student's answers;
2. :mod:`~coursetools.grading.execute` (a pool of workers): run it in a sandboxed
   kernel (:mod:`~coursetools.grading.sandbox`, :mod:`~coursetools.grading.kernel`);
3. :mod:`~coursetools.grading.record` (main process): score and write the
   gradebook and ``autograded/`` the way ``nbgrader autograde`` does.

This package's ``__init__`` stays import-free: the kernel side imports
:mod:`coursetools.grading.kernel` inside the sandbox and must start quickly.
"""
