"""The change feed over HTTP, on a SQLite file and on PostgreSQL (issue 17): each agency learns, in
ledger order, of the consents that name it, the cases it is in and the disclosures it made or
received, and of expiries and 18th-birthday lapses once each when they take effect, also after a
restart; nothing personal is in it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from tests.conftest import Clock, as_actor, drop_schema, postgres_url, require_postgres
from tests.e2e.conftest import ADMIN_TOKEN, Api, personal_number
from tests.e2e.test_audit_api import consent, disclose, later, revoke


@dataclass
class Store:
    settings: Settings
    clock: Clock

    def app(self) -> Iterator[Api]:
        with TestClient(create_app(self.settings, clock=self.clock)) as client:
            yield Api(client, self.clock, {"admin": ADMIN_TOKEN})


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Iterator[Store]:
    if request.param == "postgres":
        require_postgres()
        url = postgres_url()
    else:
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
    settings = Settings(database_url=url, admin_token=ADMIN_TOKEN, key_dir=tmp_path / "keys")
    try:
        yield Store(settings, clock)
    finally:
        if request.param == "postgres":
            drop_schema(url)


@pytest.fixture
def api(store: Store) -> Iterator[Api]:
    for api in store.app():
        api.agencies()
        yield api


def feed(api: Api, who: str, after: str | None = None, limit: int = 1000) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": limit}
    if after is not None:
        params["after"] = after
    r = api.get("/v1/feed", who, params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


def everything(api: Api, who: str) -> list[dict[str, Any]]:
    return list(feed(api, who)["items"])


def types(items: list[dict[str, Any]]) -> list[str]:
    return [i["type"] for i in items]


def test_each_agency_learns_of_what_names_it_and_nothing_else(api: Api) -> None:
    youth = api.youth("20060101")
    r = api.post(
        "/v1/cases",
        {"youth_id": youth, "form": "SSPF", "agencies": ["soc-orebro", "skola-x"]},
        "anna",
    )
    assert r.status_code == 201, r.text
    case_id = r.json()["id"]
    school_only = consent(
        api,
        youth,
        scope={
            "agencies": ["soc-orebro", "skola-x"],
            "categories": ["school_attendance"],
            "purposes": ["crime_prevention"],
            "situations": ["network_meeting"],
        },
    )
    disclosure = disclose(api, youth)  # skola-x -> soc-orebro
    school = everything(api, "lars")
    assert types(school) == ["case.opened", "consent.granted", "disclosure.recorded"]
    assert [i.get("case_id") or i.get("consent_id") or i.get("disclosure_id") for i in school] == [
        case_id,
        school_only,
        disclosure,
    ]
    positions = [i["position"] for i in school]
    assert positions == sorted(positions) and len(set(positions)) == 3
    assert school[1]["consent"]["scope"]["categories"] == ["school_attendance"]
    assert school[1]["consent"]["status"] == "active"
    assert school[1]["consent"]["whole_scope"] is True  # the school takes part (the case)
    assert school[2]["disclosure"]["to_agencies"] == ["soc-orebro"]
    # The police are neither in the case nor in the consent, nor in the disclosure.
    assert everything(api, "per") == []
    # The feed carries no personal data: no personnummer, no name.
    text = str(everything(api, "sara"))
    assert personal_number("20060101") not in text and "Kim" not in text


def test_a_revocation_and_a_later_extension_naming_the_agency_reach_it(api: Api) -> None:
    youth = api.youth("20060101")
    cid = consent(
        api,
        youth,
        scope={
            "agencies": ["soc-orebro", "skola-x"],
            "categories": ["school_attendance"],
            "purposes": ["crime_prevention"],
            "situations": ["network_meeting"],
        },
    )
    assert everything(api, "per") == []
    r = api.post(
        f"/v1/consents/{cid}/extensions",
        {
            "add": {"agencies": ["polis-orebro"]},
            "givers": [{"party": "youth"}],
            "method": "written",
            "form_reference": "SSPF-2026-002",
            "obtained_at": later(api, minutes=5),
        },
        "anna",
    )
    assert r.status_code == 200, r.text
    revoke(api, cid, later(api, minutes=5))
    police = everything(api, "per")
    assert types(police) == ["consent.extended", "consent.revoked"]
    # The police take no part in the youth: they see what the consent covers from or to them.
    seen = police[0]["consent"]
    assert seen["whole_scope"] is False and seen["case_id"] is None
    assert seen["scope"]["agencies"] == ["polis-orebro", "skola-x", "soc-orebro"]
    assert seen["scope"]["directions"] and all(
        "polis-orebro" in (d["from"], d["to"]) for d in seen["scope"]["directions"]
    )
    assert police[1]["consent"]["status"] == "revoked"
    assert types(everything(api, "lars")) == [
        "consent.granted",
        "consent.extended",
        "consent.revoked",
    ]


def test_pages_resume_after_the_cursor_and_together_make_the_whole_feed(api: Api) -> None:
    youth = api.youth("20060101")
    consent(api, youth)
    for _ in range(4):
        later(api, minutes=1)
        disclose(api, youth)
    whole = everything(api, "lars")
    assert len(whole) == 5
    seen: list[dict[str, Any]] = []
    after: str | None = None
    for _ in range(10):
        page = feed(api, "lars", after, limit=2)
        seen += page["items"]
        after = page["next_after"]
        if page["caught_up"]:
            break
    assert seen == whole
    assert feed(api, "lars", after)["items"] == []
    # Resuming from an item's id gives what came after it.
    assert feed(api, "lars", whole[1]["id"])["items"] == whole[2:]


def test_an_expiry_appears_once_when_it_takes_effect_also_after_a_restart(
    store: Store, api: Api
) -> None:
    youth = api.youth("20060101")
    until = api.clock.now + timedelta(days=10)
    cid = consent(api, youth, valid_until=until.isoformat())
    before = everything(api, "lars")
    assert types(before) == ["consent.granted"]
    assert before[0]["consent"]["valid_until"] is not None
    cursor = feed(api, "lars")["next_after"]
    api.clock.set(until + timedelta(seconds=1))
    page = feed(api, "lars", cursor)
    assert types(page["items"]) == ["consent.expired"]
    expiry = page["items"][0]
    assert expiry["consent_id"] == cid and expiry["consent"]["status"] == "expired"
    assert expiry["fact_id"] == f"{cid}/expired"
    assert feed(api, "lars", page["next_after"])["items"] == []
    # A later event comes after the expiry, and the expiry stays where it was.
    disclose(api, youth, expect=403)
    tail = feed(api, "lars", page["next_after"])["items"]
    assert types(tail) == ["disclosure.refused"]
    assert tail[0]["position"] >= expiry["position"]
    tokens = dict(api.tokens)
    for again in store.app():  # a new process on the same store
        again.tokens = tokens
        whole = everything(again, "lars")
        assert types(whole) == ["consent.granted", "consent.expired", "disclosure.refused"]
        assert whole[1] == expiry


def test_a_guardians_consent_lapses_at_the_18th_birthday_in_the_feed(api: Api) -> None:
    youth = api.youth("20080310")  # 18 on 2026-03-10; the clock starts 2026-03-02
    guardian = api.guardian(youth, "Mamma", custody="sole")
    r = api.consent(youth, [{"party": "guardian", "guardian_id": guardian}])
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert types(everything(api, "lars")) == ["consent.granted"]
    api.clock.set(api.clock.now + timedelta(days=9))
    items = everything(api, "lars")
    assert types(items) == ["consent.granted", "consent.lapsed"]
    assert items[1]["consent_id"] == cid
    assert items[1]["occurred_at"] == "2026-03-09T23:00:00Z"  # midnight in Stockholm


def test_a_consent_revoked_before_its_expiry_does_not_expire(api: Api) -> None:
    youth = api.youth("20060101")
    until = api.clock.now + timedelta(days=2)
    cid = consent(api, youth, valid_until=until.isoformat())
    revoke(api, cid, later(api, hours=1))
    api.clock.set(until + timedelta(days=1))
    assert types(everything(api, "lars")) == ["consent.granted", "consent.revoked"]


def test_reading_the_feed_is_in_the_readers_audit_trail(api: Api) -> None:
    youth = api.youth("20060101")
    consent(api, youth)
    everything(api, "lars")
    r = api.get("/v1/audit/actors/lars", "lars")
    assert r.status_code == 200, r.text
    reads = [e for e in r.json()["items"] if e["type"] == "access.read_feed"]
    assert [e["youth_id"] for e in reads] == [youth]


def test_an_admin_may_not_read_a_feed_and_a_bad_cursor_is_422(api: Api) -> None:
    assert api.get("/v1/feed", "admin").status_code == 403
    r = api.get("/v1/feed", "lars", params={"after": "yesterday"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in r.json()["errors"]] == ["after"]
    sse = {"Accept": "text/event-stream", "Last-Event-ID": "12~never"}
    r = api.get("/v1/feed", "lars", headers=sse)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["Last-Event-ID"]


def test_a_sig_cases_alerts_reach_every_agency_of_the_case_as_the_case_shows_them(
    api: Api,
) -> None:
    """Seed 004: a SIG case opened without a social services ↔ police consent carries
    SIG_WITHOUT_POLICE_CONSENT; when the consent is revoked the intervention must end
    (SIG_POLICE_CONSENT_REVOKED). The leisure agency is in the case but not in the consent: it
    learns of the alerts, not of the consent."""
    api.token("frida", "fritid-x", "staff")
    youth = api.youth("20060101")
    agencies = ["soc-orebro", "polis-orebro", "skola-x", "fritid-x"]
    r = api.post("/v1/cases", {"youth_id": youth, "form": "SIG", "agencies": agencies}, "anna")
    assert r.status_code == 201, r.text
    case_id = r.json()["id"]
    cid = consent(api, youth)  # soc-orebro, polis-orebro, skola-x
    revoke(api, cid, later(api, hours=1))
    leisure = everything(api, "frida")
    assert types(leisure) == ["case.opened", "case.alert", "case.alert"]
    assert [i["alert"]["code"] for i in leisure[1:]] == [
        "SIG_WITHOUT_POLICE_CONSENT",
        "SIG_POLICE_CONSENT_REVOKED",
    ]
    alert = leisure[2]
    assert alert["case_id"] == case_id and alert["consent_id"] == cid
    assert alert["alert"]["cause"] == "revoked"
    assert "consent" not in alert
    police = everything(api, "per")
    assert types(police) == [
        "case.opened",
        "case.alert",
        "consent.granted",
        "consent.revoked",
        "case.alert",
    ]
    assert police[3]["position"] == police[4]["position"]
    # Resumed after the revocation itself, the alert that followed it still comes.
    assert feed(api, "per", police[3]["id"])["items"] == police[4:]
    assert feed(api, "per", police[4]["id"])["items"] == []
    # The case's own view shows the same alert.
    case_view = api.get(f"/v1/cases/{case_id}", "anna").json()
    assert [(a["code"], a["consent_id"]) for a in case_view["alerts"]] == [
        ("SIG_POLICE_CONSENT_REVOKED", cid)
    ]


def test_an_expiry_that_ends_a_sig_case_alerts_its_agencies_once_when_it_takes_effect(
    store: Store, api: Api
) -> None:
    api.token("frida", "fritid-x", "staff")
    youth = api.youth("20060101")
    agencies = ["soc-orebro", "polis-orebro", "skola-x", "fritid-x"]
    until = api.clock.now + timedelta(days=3)
    cid = consent(api, youth, valid_until=until.isoformat())
    r = api.post("/v1/cases", {"youth_id": youth, "form": "SIG", "agencies": agencies}, "anna")
    assert r.status_code == 201, r.text
    assert types(everything(api, "frida")) == ["case.opened"]  # a basis holds
    api.clock.set(until + timedelta(minutes=1))
    leisure = everything(api, "frida")
    assert types(leisure) == ["case.opened", "case.alert"]
    assert leisure[1]["alert"]["cause"] == "expired" and leisure[1]["consent_id"] == cid
    assert leisure[1]["occurred_at"] == until.isoformat().replace("+00:00", "Z")
    police = everything(api, "per")
    assert types(police)[-2:] == ["consent.expired", "case.alert"]
    tokens = dict(api.tokens)
    for again in store.app():  # the same, once, after a restart
        again.tokens = tokens
        assert everything(again, "frida") == leisure


def test_after_erasure_the_feed_and_the_fhir_view_still_answer_without_the_number(
    api: Api,
) -> None:
    youth = api.youth("20060101")
    cid = consent(api, youth)
    disclose(api, youth)
    before = everything(api, "lars")
    ledger = api.client.app.state.ledger  # type: ignore[attr-defined]
    ledger.erase(as_actor("root", "ledger-admin", "admin"), youth, reason="gallrad")
    assert everything(api, "lars") == before
    r = api.get(f"/v1/consents/{cid}/fhir", "anna")
    assert r.status_code == 200, r.text
    assert r.json()["patient"]["identifier"] == {
        "system": "urn:consent-ledger:youth",
        "value": youth,
    }


@pytest.mark.parametrize("scan", [1, 2, 3, 5])
@pytest.mark.parametrize("limit", [1, 2, 1000])
def test_a_reader_far_behind_gets_the_same_feed_however_little_a_read_looks_at(
    api: Api, monkeypatch: pytest.MonkeyPatch, scan: int, limit: int
) -> None:
    """Reads that look at only `scan` log rows, among other agencies' events, expiries and
    alerts, still give the whole feed in order, each item once."""
    api.token("frida", "fritid-x", "staff")
    youth = api.youth("20060101")
    other = api.youth("20060102", serial="124")
    agencies = ["soc-orebro", "polis-orebro", "skola-x"]
    r = api.post("/v1/cases", {"youth_id": youth, "form": "SIG", "agencies": agencies}, "anna")
    assert r.status_code == 201, r.text
    short = consent(api, youth, valid_until=(api.clock.now + timedelta(hours=2)).isoformat())
    consent(api, other)  # names the police too, of another youth
    cid = consent(api, youth)
    later(api, hours=3)  # `short` expires here, between events
    disclose(api, other)
    revoke(api, cid, later(api, minutes=1))  # an alert on the SIG case follows
    disclose(api, youth, expect=403)
    whole = everything(api, "per")
    assert "consent.expired" in types(whole) and "case.alert" in types(whole)
    assert short in {i.get("consent_id") for i in whole}
    monkeypatch.setattr("projections.feed.SCAN", scan)
    seen: list[dict[str, Any]] = []
    after: str | None = None
    for _ in range(200):
        page = feed(api, "per", after, limit=limit)
        seen += page["items"]
        after = page["next_after"]
        if page["caught_up"]:
            break
    assert seen == whole
