"""``python -m coursetools.grading.kernel -f <connection file>``: the grading kernel."""

import sys

from coursetools.grading.kernel.app import main

main(sys.argv[1:])
