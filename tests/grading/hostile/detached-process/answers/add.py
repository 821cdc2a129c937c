import subprocess

subprocess.Popen(["sleep", "7777.25"], start_new_session=True)
subprocess.Popen(["sh", "-c", "(setsid sleep 7777.25 &) ; exit 0"])


def add(a: int, b: int) -> int:
    return a + b
