"""Pages answer in under 100 ms on the embedded store (a SQLite file) with a youth of 200 events
(the issue's bar): the overview with its timeline, the consent page, the worklist and the
review, each the median of several requests after a first one."""

from __future__ import annotations

import statistics
import time

import pytest

from tests.e2e.conftest import Api
from tests.web.conftest import browser
from tests.web.test_consent_pages import guardian_ids
from tests.web.test_youth_pages import guardian, register

BUDGET_SECONDS = 0.100


@pytest.mark.parametrize("on_store", ["sqlite"], indirect=True)
def test_pages_of_a_youth_with_200_events_answer_within_100_ms(on_store: Api) -> None:
    api = on_store
    anna = browser(api, "anna")
    youth_id = register(anna)
    guardian(anna, youth_id, "Maria Andersson")
    guardian(anna, youth_id, "Jonas Andersson")
    givers = [{"party": "guardian", "guardian_id": g} for g in guardian_ids(api, youth_id)]
    api.clock.advance(days=1)
    consent_ids = []
    for _ in range(8):
        r = api.consent(youth_id, givers)
        assert r.status_code == 201, r.text
        consent_ids.append(r.json()["id"])
    api.clock.advance(days=1)
    for i in range(189):
        body = {
            "from_agency": "skola-x",
            "to_agencies": ["soc-orebro"],
            "youth_id": youth_id,
            "categories": ["school_attendance" if i % 7 else "police_incidents"],
            "purpose": "crime_prevention",
            "situation": "network_meeting",
            "concerns_others": False,
        }
        api.post("/v1/disclosures", body, "lars")
        api.clock.advance(hours=2)
    events = api.client.app.state.ledger.youth(youth_id).version  # type: ignore[attr-defined]
    assert events >= 200
    api.clock.advance(minutes=1)
    pages = [
        f"/youths/{youth_id}",
        f"/consents/{consent_ids[0]}",
        "/worklist",
        f"/review?youth_id={youth_id}",
    ]
    for path in pages:
        assert anna.get(path).status_code == 200, path
        times = []
        for _ in range(5):
            start = time.perf_counter()
            r = anna.get(path)
            times.append(time.perf_counter() - start)
            assert r.status_code == 200
        assert statistics.median(times) < BUDGET_SECONDS, (path, times)
