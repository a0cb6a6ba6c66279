"""Projection failure (issue 15): an exception in a projection does not take the API down, and the
index comes back to the log.

The ledger's projections (the audit index and its parties, the look-ups, the Merkle nodes) are
written by `Tables.append` in the events' own transaction, from the `EntryMeta` of each event
(ledger/entries.py). So a projection that raises fails the one write it was projecting, whole:
the event, its log row and its idempotency record roll back with it, the client is answered a
problem 500 without a trace, and every other request goes on being served. Once the fault is
gone, the same write retried with its `Idempotency-Key` lands exactly once. An index that lost
rows all the same (a restore of a damaged copy, a hand-made repair) shows in `/metrics` as a lag
and makes `/readyz` answer 503 "behind", and `ledger rebuild` brings it back from the events, from where the log
begins: the events, not the index, are the record."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import ledger.application
from ledger.entries import EntryMeta, entry_meta
from tests.conftest import Clock
from tests.e2e.conftest import Api, api_on_store


class ProjectionFault(RuntimeError):
    pass


@pytest.fixture(params=["sqlite", "postgres"])
def api(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Iterator[Api]:
    with api_on_store(request.param, tmp_path, clock, raise_server_exceptions=False) as api:
        yield api


def failing_on(kind: str) -> Any:
    def project(event: Any) -> EntryMeta:
        meta = entry_meta(event)
        if meta.type == kind:
            raise ProjectionFault(kind)
        return meta

    return project


def consent_with_key(api: Api, youth: str, key: str) -> Any:
    return api.consent(youth, [{"party": "youth"}], headers={"Idempotency-Key": key})


def test_a_projection_that_raises_fails_its_one_write_whole_and_the_api_serves_on(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.agencies()
    youth = api.youth("20060101")
    size = api.tree_size()
    monkeypatch.setattr(ledger.application, "entry_meta", failing_on("youth.consent_granted"))

    r = consent_with_key(api, youth, "consent-1")
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"].endswith("internal-error")
    assert "Traceback" not in r.text and "ProjectionFault" not in r.text
    assert api.tree_size() == size  # nothing of that write: no event, no log row
    assert api.get(f"/v1/youths/{youth}", "anna").json()["consents"] == []

    # Everything the failing projection does not touch is served meanwhile.
    assert api.client.get("/readyz").json()["projections_lag"] == 0
    assert api.check(youth)["allowed"] is False  # no consent: a logged "no"
    other = api.youth("20070202", serial="456")
    assert api.get(f"/v1/youths/{other}", "anna").status_code == 200

    # The fault gone, the same key writes the consent, once.
    monkeypatch.setattr(ledger.application, "entry_meta", entry_meta)
    assert consent_with_key(api, youth, "consent-1").status_code == 201
    again = consent_with_key(api, youth, "consent-1")
    assert again.status_code == 201
    assert len(api.get(f"/v1/youths/{youth}", "anna").json()["consents"]) == 1
    assert api.check(youth)["allowed"] is True
    ready = api.client.get("/readyz").json()
    assert ready["projections_lag"] == 0 and ready["tree_size"] == api.tree_size()
    assert verified(api)


def test_an_index_that_lost_rows_shows_as_lag_and_a_rebuild_restores_it_from_the_events(
    api: Api,
) -> None:
    api.agencies()
    youth = api.youth("20060101")
    assert api.consent(youth, [{"party": "youth"}]).status_code == 201
    api.check(youth)
    ledger_ = api.client.app.state.ledger  # type: ignore[attr-defined]
    db = ledger_.database
    size = api.tree_size()
    before = audit_rows(db)
    with db.cursor(commit=True) as cur:  # the index loses its last three rows
        cur.execute(db.tables.q("DELETE FROM {p}ledger_audit WHERE position >= ?"), (size - 3,))
    behind = api.client.get("/readyz")
    assert behind.status_code == 503  # not ready: a review read from the index would miss rows
    assert behind.json()["status"] == "behind" and behind.json()["projections_lag"] == 3
    assert api.check(youth)["allowed"] is True  # decisions rest on the events, not the index

    ledger_.rebuild_indexes()
    ready = api.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["projections_lag"] == 0
    assert audit_rows(db)[: len(before)] == before  # the same rows as written at first
    assert verified(api)


def verified(api: Api) -> bool:
    return bool(api.client.app.state.integrity.verify().ok)  # type: ignore[attr-defined]


def audit_rows(db: Any) -> list[tuple[Any, ...]]:
    with db.cursor() as cur:
        cur.execute(db.tables.q("SELECT * FROM {p}ledger_audit ORDER BY position"))
        return [tuple(row) for row in cur.fetchall()]
