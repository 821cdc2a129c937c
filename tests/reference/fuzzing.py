"""A schema-driven fuzzer against the reference service, in process (schemathesis).

Schemathesis reads the app's own OpenAPI document and sends what it generates through
every phase it has: examples, coverage (boundaries, wrong types, methods the path does
not serve), random fuzzing and stateful sequences that follow ``Location`` headers. The
app runs on a seeded SQLite file; one worker, a fixed seed and derandomised generation
make every run send the same requests.

``python -m tests.reference.fuzzing`` prints the figures the test asserts on.
"""

from __future__ import annotations

import asyncio
import collections
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import hypothesis.configuration
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from schemathesis.python import asgi

from lending_reference.app import create_app
from lending_reference.db import create_schema, make_engine, make_session_factory
from lending_reference.security import Principal, Role, current_user
from lending_reference.seed import seed
from lending_reference.settings import Settings

SEED = 20260115
MAX_EXAMPLES = 60
"""Per operation and phase: about 1,500 requests in all, in well under a minute."""

FUZZ_SETTINGS = Settings(
    _env_file=None,
    argon2_time_cost=1,  # PUT /members/{id}/password hashes: the cheapest Argon2 will do
    argon2_memory_kib=8,
    argon2_parallelism=1,
)

CONTRACT_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "allow_header_conformance",
)
"""What the API promises: no 5xx, only documented statuses, media types, headers and
bodies, and an ``Allow`` header that lists what the path serves."""


@dataclass
class FuzzReport:
    requests: int = 0
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    failed_checks: collections.Counter[str] = field(default_factory=collections.Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    """Exceptions that escaped the app (a real server would have answered 500)."""
    error_bodies_not_problems: list[str] = field(default_factory=list)

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500) + len(self.errors)

    def failures(self, name: str) -> int:
        return self.failed_checks[name]

    def summary(self) -> str:
        lines = [
            f"requests generated:          {self.requests}",
            f"5xx (or escaped exceptions): {self.server_errors}",
            f"undocumented statuses:       {self.failures('status_code_conformance')}",
            f"schema violations:           {self.failures('response_schema_conformance')}",
            f"wrong content types:         {self.failures('content_type_conformance')}",
            f"wrong Allow headers:         {self.failures('allow_header_conformance')}",
            f"error bodies not problems:   {len(self.error_bodies_not_problems)}",
            "statuses: " + ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items())),
        ]
        for name, cases in self.examples.items():
            lines += [f"{name}:", *(f"  {case}" for case in cases)]
        lines += [f"escaped: {error}" for error in self.errors[:5]]
        lines += [f"not a problem: {body}" for body in self.error_bodies_not_problems[:5]]
        return "\n".join(lines)


async def _seeded_database(url: str) -> None:
    engine = make_engine(url)
    try:
        await create_schema(engine)
        await seed(make_session_factory(engine))
    finally:
        await engine.dispose()


@contextmanager
def _scratch() -> Iterator[Path]:
    """A folder for the database and for Hypothesis's files, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
        hypothesis.configuration.set_hypothesis_home_dir(str(Path(folder) / ".hypothesis"))
        yield Path(folder)


def fuzz(
    max_examples: int = MAX_EXAMPLES, seed_value: int = SEED, *, database_url: str | None = None
) -> FuzzReport:
    """Fuzz a freshly seeded reference app; every phase, every check, one worker.

    ``database_url`` names an empty database (PostgreSQL, say); by default a SQLite file.
    """
    report = FuzzReport()
    with _scratch() as folder:
        url = database_url or f"sqlite+aiosqlite:///{folder}/fuzz.db"
        asyncio.run(_seeded_database(url))
        app = create_app(FUZZ_SETTINGS.model_copy(update={"database_url": url}))
        # Every request is a librarian's (member 1 of the sample library), so that the
        # fuzzer reaches what the routes do; tests/reference/test_security.py tests who
        # may call them. POST /token is fuzzed too: its 401s and 422s are documented.
        app.dependency_overrides[current_user] = lambda: Principal(1, Role.LIBRARIAN)
        config = SchemathesisConfig.from_dict(
            {
                "seed": seed_value,
                "workers": 1,
                "cache": {"enabled": False},
                "generation": {
                    "deterministic": True,
                    "max-examples": max_examples,
                    "database": "none",
                },
            }
        )
        schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
        try:
            for event in from_schema(schema).execute():
                _record(report, event)
        finally:
            asgi.shutdown_lifespans()
    return report


def _record(report: FuzzReport, event: events.EngineEvent) -> None:
    if isinstance(event, events.NonFatalError):
        report.errors.append(f"{event.label}: {event.info.message}")
        return
    if not isinstance(event, events.ScenarioFinished):
        return
    recorder = event.recorder
    for interaction in recorder.interactions.values():
        response = interaction.response
        if response is None:
            continue
        report.requests += 1
        report.statuses[response.status_code] += 1
        media = (response.headers.get("content-type") or [""])[0]
        if response.status_code >= 400 and media != "application/problem+json":
            request = interaction.request
            report.error_bodies_not_problems.append(
                f"{request.method} {request.uri} -> {response.status_code} {media}"
            )
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.status.name != "FAILURE":
                continue
            report.failed_checks[check.name] += 1
            cases = report.examples.setdefault(check.name, [])
            failed = recorder.interactions.get(case_id)
            if len(cases) < 3 and failed is not None and failed.response is not None:
                request = failed.request
                cases.append(f"{request.method} {request.uri} -> {failed.response.status_code}")


if __name__ == "__main__":
    print(fuzz().summary())
