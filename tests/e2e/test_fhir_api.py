"""HL7 FHIR over HTTP, on a SQLite file and on PostgreSQL (issue 17): a consent as an R4 `Consent`
(by `Accept: application/fhir+json` or `/fhir`), a youth's consents as a `Bundle`, a disclosure as
an `AuditEvent`; each validated with `fhir.resources` (its R4B models: R4B changed nothing in
Consent or AuditEvent), the ledger's status mapped, the personnummer only where the token may read
the youth's record."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.consent import Consent

from tests.e2e.conftest import Api, personal_number
from tests.e2e.test_audit_api import consent, disclose, later, revoke
from tests.e2e.test_feed_api import Store
from tests.e2e.test_feed_api import store as store  # the fixture, on both stores

FHIR = "application/fhir+json"
PERSONNUMMER = "urn:oid:1.2.752.129.2.1.3.1"


@pytest.fixture
def api(store: Store) -> Iterator[Api]:
    for api in store.app():
        api.agencies()
        yield api


def fhir_get(api: Api, path: str, who: str = "anna", expect: int = 200) -> dict[str, Any]:
    r = api.get(path, who, headers={"Accept": FHIR})
    assert r.status_code == expect, r.text
    if expect == 200:
        assert r.headers["content-type"].startswith(FHIR)
    return dict(r.json())


def test_a_consent_is_a_valid_fhir_r4_consent_by_accept_and_by_path(api: Api) -> None:
    youth = api.youth("20060101")
    cid = consent(api, youth, valid_until=(api.clock.now + timedelta(days=90)).isoformat())
    by_accept = fhir_get(api, f"/v1/consents/{cid}")
    by_path = fhir_get(api, f"/v1/consents/{cid}/fhir")
    assert by_accept == by_path
    resource = Consent.model_validate(by_path)
    assert resource.status == "active"
    assert by_path["scope"]["coding"][0]["code"] == "patient-privacy"
    assert by_path["patient"]["identifier"] == {
        "system": PERSONNUMMER,
        "value": personal_number("20060101").replace("-", ""),
    }
    provision = by_path["provision"]
    assert provision["type"] == "permit"
    assert [a["reference"]["identifier"]["value"] for a in provision["actor"]] == [
        "polis-orebro",
        "skola-x",
        "soc-orebro",
    ]
    assert [c["code"] for c in provision["class"]] == ["family_situation", "school_attendance"]
    assert [p["code"] for p in provision["purpose"]] == ["crime_prevention"]
    assert provision["period"]["end"].startswith("2026-05-31")
    assert by_path["performer"][0]["type"] == "Patient"
    assert by_path["organization"][0]["identifier"]["value"] == "soc-orebro"
    # Without the Accept header the ledger's own JSON, as before.
    assert api.get(f"/v1/consents/{cid}", "anna").json()["id"] == cid


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ("none", "active"),
        ("revoke", "inactive"),
        ("expire", "inactive"),
        ("annul", "entered-in-error"),
    ],
)
def test_the_ledgers_status_maps_to_fhir(api: Api, change: str, status: str) -> None:
    youth = api.youth("20060101")
    r = api.post(
        "/v1/cases",
        {"youth_id": youth, "form": "SSPF", "agencies": ["soc-orebro", "skola-x"]},
        "anna",
    )
    assert r.status_code == 201, r.text
    cid = consent(api, youth, valid_until=(api.clock.now + timedelta(days=5)).isoformat())
    if change == "revoke":
        revoke(api, cid, later(api, hours=1))
    elif change == "expire":
        api.clock.advance(days=6)
    elif change == "annul":
        r = api.post(f"/v1/consents/{cid}/annulments", {"reason": "fel ungdom"}, "olle")
        assert r.status_code == 201, r.text
    body = fhir_get(api, f"/v1/consents/{cid}/fhir")
    assert Consent.model_validate(body).status == status


def test_a_pending_consent_is_proposed(api: Api) -> None:
    youth = api.youth("20120315")  # 13: the guardians must consent
    mother = api.guardian(youth, "Mamma")
    api.guardian(youth, "Pappa")
    r = api.consent(youth, [{"party": "guardian", "guardian_id": mother}])
    assert r.status_code == 201 and r.json()["status"] == "pending", r.text
    body = fhir_get(api, f"/v1/consents/{r.json()['id']}/fhir")
    assert Consent.model_validate(body).status == "proposed"
    assert {p["type"] for p in body["performer"]} == {"RelatedPerson"}


def test_a_youths_consents_are_a_bundle(api: Api) -> None:
    youth = api.youth("20060101")
    first, second = consent(api, youth), consent(api, youth)
    for body in (
        fhir_get(api, f"/v1/youths/{youth}/consents/fhir"),
        fhir_get(api, f"/v1/consents?youth_id={youth}"),
    ):
        bundle = Bundle.model_validate(body)
        assert bundle.type == "collection" and bundle.total == 2
        assert [e["resource"]["id"] for e in body["entry"]] == [first, second]


def test_a_disclosure_is_an_audit_event_naming_the_youth_as_the_token_may(api: Api) -> None:
    youth = api.youth("20060101")
    cid = consent(api, youth)
    did = disclose(api, youth, "sara", to_agencies=["polis-orebro"])
    mine = fhir_get(api, f"/v1/disclosures/{did}/fhir", "sara")
    event = AuditEvent.model_validate(mine)
    assert event.outcome == "0"
    assert [a["who"]["identifier"]["value"] for a in mine["agent"]] == [
        "soc-orebro",
        "polis-orebro",
    ]
    assert [a["requestor"] for a in mine["agent"]] == [True, False]
    assert mine["entity"][0]["what"]["identifier"]["system"] == PERSONNUMMER
    assert mine["entity"][1]["what"]["reference"] == f"Consent/{cid}"
    assert [d["valueString"] for d in mine["entity"][0]["detail"]][:1] == ["school_attendance"]
    # The police received it but take no part in the youth: the ledger's id, not the number.
    theirs = fhir_get(api, f"/v1/disclosures/{did}/fhir", "per")
    AuditEvent.model_validate(theirs)
    assert theirs["entity"][0]["what"]["identifier"] == {
        "system": "urn:consent-ledger:youth",
        "value": youth,
    }
    # The school neither made nor received it, nor may it review the youth.
    fhir_get(api, f"/v1/disclosures/{did}/fhir", "lars", expect=403)


def test_a_refused_disclosure_is_an_audit_event_with_a_failed_outcome(api: Api) -> None:
    youth = api.youth("20060101")
    did = disclose(api, youth, expect=403)
    body = fhir_get(api, f"/v1/disclosures/{did}/fhir", "lars")
    event = AuditEvent.model_validate(body)
    assert event.outcome == "4" and "NO_CONSENT" in body["outcomeDesc"]


def test_fhir_reads_are_logged_and_follow_the_access_rules(api: Api) -> None:
    youth = api.youth("20060101")
    cid = consent(api, youth)
    fhir_get(api, f"/v1/consents/{cid}/fhir", "per", expect=403)  # the police take no part
    fhir_get(api, f"/v1/consents/{cid}/fhir", "sara")
    fhir_get(api, f"/v1/consents/{cid}/fhir", "admin", expect=403)
    fhir_get(api, "/v1/consents/no-such/fhir", "sara", expect=404)
    trail = api.get("/v1/audit/actors/sara", "sara").json()["items"]
    reads = [e for e in trail if e["type"] == "access.read_consent"]
    assert [e["details"].get("consent_id") for e in reads] == [cid]


def test_an_agencys_disclosures_are_a_bundle_of_audit_events_page_by_page(api: Api) -> None:
    youth = api.youth("20060101")
    consent(api, youth)
    first = disclose(api, youth)
    later(api, minutes=1)
    second = disclose(api, youth)
    page = fhir_get(api, "/v1/disclosures?agency_id=skola-x&limit=1", "lars")
    Bundle.model_validate(page)
    assert [e["resource"]["id"] for e in page["entry"]] == [first]
    (link,) = page["link"]
    assert link["relation"] == "next"
    rest = api.client.get(
        link["url"], headers={"Authorization": f"Bearer {api.tokens['lars']}", "Accept": FHIR}
    ).json()
    assert [e["resource"]["id"] for e in rest["entry"]] == [second] and "link" not in rest
    for entry in page["entry"] + rest["entry"]:
        AuditEvent.model_validate(entry["resource"])
