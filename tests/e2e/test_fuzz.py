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


Target = tuple[FastAPI, str, dict[str, str]]


def fuzzed_app(database_url: str, tmp_path: Path, clock: Clock) -> Iterator[Target]:
    """The app, a token, and the ids of a youth with a guardian, a case and a consent, so that
    generated requests also reach past the look-ups into the use cases."""
    settings_ = Settings(database_url=database_url, admin_token=ADMIN_TOKEN, key_dir=tmp_path / "k")
    app = create_app(settings_, clock=clock)
    with TestClient(app) as client:
        api = Api(client, clock, {"admin": ADMIN_TOKEN})
        api.agencies()
        youth = api.youth("20060101")
        guardian = api.guardian(youth, "Mamma")
        case = api.post(
            "/v1/cases",
            {"youth_id": youth, "form": "SIG", "agencies": ["soc-orebro", "skola-x"]},
            "anna",
        ).json()["id"]
        consent = api.consent(youth, [{"party": "youth"}], case_id=case).json()["id"]
        token = api.token("fuzz", "soc-orebro", *ALL_ROLES)
        ids = {"youth_id": youth, "guardian_id": guardian, "case_id": case, "consent_id": consent}
        yield app, token, ids


@pytest.fixture(params=["sqlite", "postgres"])
def fuzz_target(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Iterator[Target]:
    if request.param == "sqlite":
        yield from fuzzed_app(f"sqlite:///{tmp_path / 'ledger.db'}", tmp_path, clock)
        return
    url = postgres_url()
    try:
        yield from fuzzed_app(url, tmp_path, clock)
    finally:
        drop_schema(url)


def with_real_ids(case: schemathesis.Case, ids: dict[str, str]) -> None:
    """Every other example names the registered youth, case, consent and guardian wherever the
    request takes such an id (path, query, body), so that it gets past "no such youth"."""
    if hash(repr(case.path_parameters) + repr(case.query) + repr(case.body)) % 2:
        return
    for part in (case.path_parameters, case.query, case.body):
        if isinstance(part, dict):
            for name in part.keys() & ids.keys():
                part[name] = ids[name]


def test_no_generated_request_gets_a_5xx_or_an_answer_outside_its_schema(
    fuzz_target: Target,
) -> None:
    app, token, ids = fuzz_target
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
            with_real_ids(case, ids)
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
