"""A bounded schemathesis run against the ledger's own `/openapi.json`, on SQLite and PostgreSQL:
every operation gets generated bodies, queries and paths (valid and invalid), sent with a token
that holds every role of an agency taking part in a registered youth. No answer may be a 5xx, and
no answer may break the schema the document gives for it (issue 11). A failure it finds is made a
regression test in tests/e2e/test_input_limits.py, not papered over here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.main import create_app
from api.settings import Settings
from tests.conftest import Clock, drop_schema, postgres_url
from tests.e2e.conftest import ADMIN_TOKEN, Api

EXAMPLES = 12  # per operation: enough to reach every validator, small enough for `make test`
ALL_ROLES = ["coordinator", "staff", "auditor", "admin"]


def fuzzed_app(database_url: str, tmp_path: Path, clock: Clock) -> Iterator[tuple[FastAPI, str]]:
    settings_ = Settings(database_url=database_url, admin_token=ADMIN_TOKEN, key_dir=tmp_path / "k")
    app = create_app(settings_, clock=clock)
    with TestClient(app) as client:
        api = Api(client, clock, {"admin": ADMIN_TOKEN})
        api.agencies()
        api.youth()
        token = api.token("fuzz", "soc-orebro", *ALL_ROLES)
        yield app, token


@pytest.fixture(params=["sqlite", "postgres"])
def fuzz_target(
    request: pytest.FixtureRequest, tmp_path: Path, clock: Clock
) -> Iterator[tuple[FastAPI, str]]:
    if request.param == "sqlite":
        yield from fuzzed_app(f"sqlite:///{tmp_path / 'ledger.db'}", tmp_path, clock)
        return
    url = postgres_url()
    try:
        yield from fuzzed_app(url, tmp_path, clock)
    finally:
        drop_schema(url)


def test_no_generated_request_gets_a_5xx_or_an_answer_outside_its_schema(
    fuzz_target: tuple[FastAPI, str],
) -> None:
    app, token = fuzz_target
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,  # the same examples on every run: a failure can be reproduced
            database=None,
        )
        def exercise(case: schemathesis.Case) -> None:
            case.call_and_validate(
                headers={"Authorization": f"Bearer {token}"},
                checks=[not_a_server_error, response_schema_conformance],
            )

        try:
            exercise()
        except Exception as e:  # every operation is tried; all failures are reported together
            failures.append(f"{operation.verbose_name}: {str(e)[:1500]}")
    assert operations > 30
    assert not failures, "\n\n".join(failures)
