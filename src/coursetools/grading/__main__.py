"""``python -m coursetools.grading``; see :mod:`coursetools.grading.cli`."""

import sys

from coursetools.grading.cli import main

if __name__ == "__main__":
    sys.exit(main())
