"""Ledger time over HTTP, against real `ledger serve` processes: many concurrent disclosures and
one revocation of the only consent they rely on. Every disclosure accepted sits before the
revocation in the log, every one after it is refused with CONSENT_REVOKED, and recorded time never
runs back along the log (issue 10: before the fix, a command read the clock before it loaded the
youth, so a disclosure could be judged "as known" before a revocation it was appended after).

On SQLite (one file) and PostgreSQL, with one worker and with two."""

from __future__ import annotations

import itertools
import sqlite3
import subprocess
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.conftest import postgres_url
from tests.e2e.conftest import personal_number
from tests.e2e.servers import ADMIN_TOKEN, LEDGER, REQUEST_SECONDS, Deployment, Server

ROUNDS = 3
DISCLOSERS = 30
DISCLOSURES_EACH = 6


@dataclass
class Round:
    youth_id: str
    consent_id: str


class Caller:
    """One keep-alive connection per thread, as an agency's integration would hold."""

    def __init__(self, server: Server, token: str) -> None:
        self.client = httpx.Client(
            base_url=server.base,
            headers={"Authorization": f"Bearer {token}"},
            timeout=REQUEST_SECONDS,
        )

    def post(self, path: str, body: Any) -> httpx.Response:
        return self.client.post(path, json=body)

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(path, params=params)

    def close(self) -> None:
        self.client.close()


def expect(r: httpx.Response, status: int) -> Any:
    assert r.status_code == status, f"{r.request.method} {r.request.url.path}: {r.text}"
    return r.json()


def now() -> datetime:
    return datetime.now(UTC)


def set_up(server: Server) -> dict[str, str]:
    admin = Caller(server, ADMIN_TOKEN)
    for agency_id, kind in (("soc-orebro", "social_services"), ("skola-x", "school")):
        expect(admin.post("/v1/agencies", {"id": agency_id, "name": agency_id, "kind": kind}), 201)
    tokens = {}
    for name, agency, role in (("anna", "soc-orebro", "coordinator"), ("lars", "skola-x", "staff")):
        body = {"agency_id": agency, "actor_id": name, "roles": [role]}
        tokens[name] = expect(admin.post("/v1/tokens", body), 201)["token"]
    admin.close()
    return tokens


def new_round(coordinator: Caller) -> Round:
    """An adult youth (born 2007) consenting alone to school -> social services."""
    serial = f"{uuid.uuid4().int % 900 + 100}"
    youth = expect(
        coordinator.post("/v1/youths", {"personal_number": personal_number("20070101", serial)}),
        201,
    )
    consent = {
        "youth_id": youth["id"],
        "givers": [{"party": "youth"}],
        "method": "written",
        "form_reference": "SSPF-2026-7",
        "informed_of_revocation": True,
        "copy_given": True,
        "scope": {
            "agencies": ["soc-orebro", "skola-x"],
            "categories": ["school_attendance"],
            "purposes": ["crime_prevention"],
            "situations": ["network_meeting"],
        },
        "obtained_at": (now() - timedelta(minutes=1)).isoformat(),
    }
    granted = expect(coordinator.post("/v1/consents", consent), 201)
    assert granted["status"] == "active", granted
    return Round(youth["id"], granted["id"])


DISCLOSURE = {
    "from_agency": "skola-x",
    "to_agencies": ["soc-orebro"],
    "categories": ["school_attendance"],
    "purpose": "crime_prevention",
    "situation": "network_meeting",
}


def race(server: Server, tokens: dict[str, str], r: Round) -> tuple[int, list[str]]:
    """DISCLOSERS threads disclose while the coordinator revokes, part-way through. Returns how
    many were answered 201 or 403 (each recorded), and the answers that were neither 201, 403
    nor a clean 409 "try again" (which records nothing): there must be none."""
    started = threading.Barrier(DISCLOSERS + 1)
    unexpected: list[str] = []
    answered: list[int] = []

    def disclose() -> None:
        caller = Caller(server, tokens["lars"])
        try:
            started.wait()
            for _ in range(DISCLOSURES_EACH):
                resp = caller.post("/v1/disclosures", {**DISCLOSURE, "youth_id": r.youth_id})
                if resp.status_code in (201, 403):
                    answered.append(resp.status_code)
                elif resp.status_code != 409:
                    unexpected.append(f"{resp.status_code} {resp.text[:200]}")
        finally:
            caller.close()

    threads = [threading.Thread(target=disclose) for _ in range(DISCLOSERS)]
    for t in threads:
        t.start()
    coordinator = Caller(server, tokens["anna"])
    started.wait()
    revocation = {
        "kind": "full",
        "revoked_by": {"party": "youth"},
        "communicated": "written",
        "effective_at": (now() - timedelta(seconds=1)).isoformat(),
    }
    expect(coordinator.post(f"/v1/consents/{r.consent_id}/revocations", revocation), 201)
    coordinator.close()
    for t in threads:
        t.join()
    return len(answered), unexpected


def revocation_position(coordinator: Caller, r: Round) -> int:
    consent = expect(coordinator.get(f"/v1/consents/{r.consent_id}"), 200)
    revocations = [h for h in consent["history"] if h["type"] == "revoked"]
    assert len(revocations) == 1, consent["history"]
    return int(revocations[0]["position"])


def recorded_times(url: str, home: Path) -> list[tuple[int, str]]:
    """(position, recorded_at) of the whole log, straight from the store."""
    statement = "SELECT position, recorded_at FROM {p}ledger_log ORDER BY position"
    if url.startswith("sqlite"):
        with sqlite3.connect(home / "ledger.db") as db:
            return list(db.execute(statement.format(p="")))
    schema = url.rpartition("schema=")[2]
    with psycopg.connect(url.partition("?")[0]) as db:
        return list(db.execute(statement.format(p=f'"{schema}".')))


def run_rounds(d: Deployment, workers: int) -> None:
    server = d.start("--workers", str(workers))
    tokens = set_up(server)
    coordinator = Caller(server, tokens["anna"])
    try:
        for n in range(ROUNDS):
            r = new_round(coordinator)
            recorded, unexpected = race(server, tokens, r)
            assert unexpected == [], f"round {n}"
            revoked_at = revocation_position(coordinator, r)
            listed = expect(
                coordinator.get(
                    "/v1/disclosures", youth_id=r.youth_id, include_refused="true", limit=1000
                ),
                200,
            )
            items = listed["items"]
            assert len(items) == recorded, f"round {n}: every 201 and 403 is one record"
            for item in items:
                decision = item["decision"]
                if item["position"] > revoked_at:
                    assert decision["allowed"] is False, (
                        f"round {n}: disclosure at {item['position']} accepted after the "
                        f"revocation at {revoked_at}: {decision}"
                    )
                    assert "CONSENT_REVOKED" in {c["code"] for c in decision["reasons"]}, item
                else:
                    assert decision["allowed"] is True, (n, item)
    finally:
        coordinator.close()
    times = recorded_times(d.url, d.home)
    backwards = [(p, t, q, u) for (p, t), (q, u) in itertools.pairwise(times) if u < t]
    assert backwards == [], f"recorded time runs back along the log: {backwards[:5]}"
    verified = subprocess.run(
        [str(LEDGER), "verify"], env=d.env(), cwd=d.home, capture_output=True, text=True
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr


@pytest.mark.parametrize("workers", [1, 2])
def test_on_sqlite_no_disclosure_is_accepted_after_a_revocation_the_ledger_held(
    on_sqlite: Deployment, workers: int
) -> None:
    run_rounds(on_sqlite, workers)


@pytest.mark.parametrize("workers", [1, 2])
def test_on_postgres_no_disclosure_is_accepted_after_a_revocation_the_ledger_held(
    on_postgres: Deployment, workers: int
) -> None:
    assert on_postgres.url.startswith("postgres")
    assert postgres_url() is not None
    run_rounds(on_postgres, workers)
