"""What a password hash costs: Argon2id at the service's cost and at the tests' (notebook 09).

Run with ``.venv/bin/python benchmarks/argon2_cost.py``. Both are measured side by side
in one run, and the ratio is what the notebook's prose quotes: figures are printed,
never asserted.
"""

from __future__ import annotations

import time

from lending_reference.security import hasher_for
from lending_reference.settings import Settings

DEFAULTS = Settings(_env_file=None)
COSTS = {
    "service (settings' defaults)": (
        DEFAULTS.argon2_time_cost,
        DEFAULTS.argon2_memory_kib,
        DEFAULTS.argon2_parallelism,
    ),
    "tests and notebook 09": (1, 8, 1),
}


def seconds_per_hash(time_cost: int, memory_kib: int, parallelism: int, rounds: int) -> float:
    hasher = hasher_for(time_cost, memory_kib, parallelism)
    hasher.hash("warm-up")  # the first hash also sets up the library
    began = time.perf_counter()
    for _ in range(rounds):
        hasher.hash("correct horse battery staple")
    return (time.perf_counter() - began) / rounds


def main() -> None:
    figures = {name: seconds_per_hash(*cost, rounds=20) for name, cost in COSTS.items()}
    for name, seconds in figures.items():
        print(f"{name:30} {seconds * 1000:9.3f} ms per hash")
    service, tests = figures.values()
    print(f"ratio: the service's hash costs {service / tests:,.0f} times the tests'")


if __name__ == "__main__":
    main()
