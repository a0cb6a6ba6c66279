"""The example client (examples/share_table.py) against a real `ledger serve` with two workers, on
a SQLite file and on PostgreSQL (issue 17): it learns of a consent from the feed's Server-Sent
Events, and refuses within a second of the consent's revocation, whichever worker recorded it."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from examples.share_table import ShareTable, wait_until
from tests.e2e.conftest import personal_number
from tests.e2e.servers import ADMIN_TOKEN, REQUEST_SECONDS, Deployment

QUESTION = {
    "to_agency": "soc-orebro",
    "category": "school_attendance",
    "purpose": "crime_prevention",
    "situation": "network_meeting",
}


class Client:
    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=REQUEST_SECONDS)
        self.tokens = {"admin": ADMIN_TOKEN}
        self.token_ids: dict[str, str] = {}

    def post(self, path: str, body: dict[str, Any], who: str) -> Any:
        r = self.http.post(path, json=body, headers={"Authorization": f"Bearer {self.tokens[who]}"})
        assert r.status_code in (200, 201), r.text
        return r.json()

    def token(self, name: str, agency: str, role: str) -> str:
        body = {"agency_id": agency, "actor_id": name, "roles": [role]}
        minted = self.post("/v1/tokens", body, "admin")
        self.tokens[name], self.token_ids[name] = minted["token"], minted["id"]
        return self.tokens[name]


def now() -> str:
    return datetime.now(UTC).isoformat()


def scenario(deployment: Deployment) -> None:
    server = deployment.start("--workers", "2")
    api = Client(server.base)
    for agency_id, kind in [("soc-orebro", "social_services"), ("skola-x", "school")]:
        api.post("/v1/agencies", {"id": agency_id, "name": agency_id, "kind": kind}, "admin")
    api.token("anna", "soc-orebro", "coordinator")
    school = api.token("lars", "skola-x", "staff")
    number = personal_number("20060101")
    body = {"personal_number": number, "name": "Kim Andersson"}
    youth = api.post("/v1/youths", body, "anna")["id"]
    table = ShareTable(server.base, school, agency_id="skola-x")
    table.start()
    try:
        consent = api.post(
            "/v1/consents",
            {
                "youth_id": youth,
                "givers": [{"party": "youth"}],
                "method": "written",
                "form_reference": "SSPF-2026-001",
                "informed_of_revocation": True,
                "copy_given": True,
                "scope": {
                    "agencies": ["soc-orebro", "skola-x"],
                    "categories": ["school_attendance"],
                    "purposes": ["crime_prevention"],
                    "situations": ["network_meeting"],
                },
                "obtained_at": now(),
            },
            "anna",
        )
        assert wait_until(lambda: table.may_share(youth, **QUESTION), 10) is not None
        assert not table.may_share(youth, **{**QUESTION, "category": "health_psychiatry"})
        revocation = {
            "kind": "full",
            "revoked_by": {"party": "youth"},
            "communicated": "written",
            "effective_at": now(),
        }
        api.post(f"/v1/consents/{consent['id']}/revocations", revocation, "anna")
        took = wait_until(lambda: not table.may_share(youth, **QUESTION), 5)
        assert took is not None, "the table never learnt of the revocation"
        assert took < 1.0, f"the table refused only {took:.2f} s after the revocation"
    finally:
        table.stop()
    granted = first_events(server.base, school, None, 1)[0]
    assert granted[0] == "consent.granted"
    # Resumed after the grant, the stream goes on with the revocation.
    resumed = first_events(server.base, school, granted[1], 1)
    assert [e[0] for e in resumed] == ["consent.revoked"]
    # A stream whose token is revoked ends within the stream's token check (5 s).
    headers = {"Authorization": f"Bearer {school}", "Accept": "text/event-stream"}
    with httpx.stream("GET", f"{server.base}/v1/feed", headers=headers, timeout=20) as r:
        lines = r.iter_lines()
        next(lines)  # the stream is open
        api.post(f"/v1/tokens/{api.token_ids['lars']}/revoke", {}, "admin")
        began = time.monotonic()
        for _ in lines:
            pass
        assert time.monotonic() - began < 8
    # The FHIR views and the receipt show the number; no log line of the server does.
    for path, accept in [
        (f"/v1/consents/{consent['id']}/fhir", "application/fhir+json"),
        (f"/v1/youths/{youth}/consents/fhir", "application/fhir+json"),
        (f"/v1/consents/{consent['id']}/receipt", "application/json"),
        (f"/v1/consents/{consent['id']}/receipt", "text/html"),
    ]:
        headers = {"Authorization": f"Bearer {api.tokens['anna']}", "Accept": accept}
        r = api.http.get(path, headers=headers)
        assert r.status_code == 200, r.text
        assert number.replace("-", "") in r.text or number in r.text
    server.stop()
    log = server.log.read_text("utf-8", errors="replace")
    assert "GET /v1/feed" in log  # the access log was captured at all
    assert "Traceback" not in log and "Exception in ASGI" not in log, log[-3000:]
    for secret in (number, number.replace("-", ""), "Kim Andersson"):
        assert secret not in log


def first_events(base: str, token: str, last_event_id: str | None, n: int) -> list[Any]:
    """The first n (event, id, data) of a stream of the feed."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    found: list[Any] = []
    fields: dict[str, str] = {}
    with httpx.stream("GET", f"{base}/v1/feed", headers=headers, timeout=10) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line == "" and "data" in fields:
                found.append((fields["event"], fields["id"], fields["data"]))
                if len(found) == n:
                    return found
                fields = {}
            elif ":" in line and not line.startswith(":"):
                name, _, value = line.partition(":")
                fields[name] = value.lstrip(" ")
    return found


def test_the_example_client_refuses_within_a_second_of_a_revocation_on_sqlite(
    on_sqlite: Deployment,
) -> None:
    scenario(on_sqlite)


@pytest.mark.postgres
def test_the_example_client_refuses_within_a_second_of_a_revocation_on_postgres(
    on_postgres: Deployment,
) -> None:
    scenario(on_postgres)
