"""The person's receipt of a consent over HTTP, on a SQLite file and on PostgreSQL (issue 17): the
Kantara consent receipt fields, what the consent covers, how to revoke it, and its log position with
an inclusion proof that checks offline against the signed checkpoint; a printable Swedish page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from ledger.checkpoint import verify_bundle
from tests.e2e.conftest import Api, personal_number
from tests.e2e.test_audit_api import consent
from tests.e2e.test_feed_api import Store
from tests.e2e.test_feed_api import store as store  # the fixture, on both stores


@pytest.fixture
def api(store: Store) -> Iterator[Api]:
    for api in store.app():
        api.agencies()
        yield api


def receipt(api: Api, consent_id: str, who: str = "anna", expect: int = 200) -> dict[str, Any]:
    r = api.get(f"/v1/consents/{consent_id}/receipt", who)
    assert r.status_code == expect, r.text
    return dict(r.json())


def test_a_receipt_names_controllers_purposes_categories_validity_and_how_to_revoke(
    api: Api,
) -> None:
    youth = api.youth("20060101")
    until = api.clock.now + timedelta(days=180)
    cid = consent(api, youth, valid_until=until.isoformat())
    body = receipt(api, cid)
    assert body["version"] == "KI-CR-v1.1.0" and body["jurisdiction"] == "SE"
    assert body["consentTimestamp"] == int(api.clock.now.timestamp())
    assert body["collectionMethod"] == "skriftligt"
    assert body["piiPrincipalId"] == personal_number("20060101")
    assert [c["piiControllerId"] for c in body["piiControllers"]] == [
        "polis-orebro",
        "skola-x",
        "soc-orebro",
    ]
    (service,) = body["services"]
    assert [p["purposeCategory"] for p in service["purposes"]] == [["crime_prevention"]]
    assert service["purposes"][0]["consentType"] == "EXPLICIT"
    assert len(service["purposes"][0]["piiCategory"]) == 2
    assert [c["id"] for c in body["categories"]] == ["family_situation", "school_attendance"]
    assert [s["id"] for s in body["situations"]] == ["network_meeting"]
    assert body["validity"]["valid_until"] == until.isoformat().replace("+00:00", "Z")
    assert "återkalla" in body["how_to_revoke"]
    assert body["status"] == "active"
    # The same receipt again, with the same id: it is derived, not minted.
    assert receipt(api, cid)["consentReceiptID"] == body["consentReceiptID"]


def test_a_receipt_carries_the_log_position_and_an_inclusion_proof_that_checks_offline(
    api: Api,
) -> None:
    youth = api.youth("20060101")
    cid = consent(api, youth)
    body = receipt(api, cid)
    consent_view = api.get(f"/v1/consents/{cid}", "anna").json()
    position = consent_view["history"][0]["position"]
    assert body["log"]["position"] == position
    proof = body["log"]["inclusion"]
    verify_bundle(proof)  # raises if the leaf, the path or the signed note do not agree
    leaf = api.get(f"/v1/integrity/leaves/{position}", "anna").json()
    assert proof["leaf_hash"] == leaf["leaf_hash"]
    # The consent's own view links to the receipt.
    assert consent_view["links"]["receipt"] == f"/v1/consents/{cid}/receipt"


def test_the_receipt_is_a_printable_swedish_page(api: Api) -> None:
    youth = api.youth("20060101")
    cid = consent(api, youth)
    r = api.get(f"/v1/consents/{cid}/receipt", "anna", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "Kvitto på ditt samtycke" in r.text
    assert "Så återkallar du samtycket" in r.text
    assert cid in r.text


def test_a_receipt_follows_the_access_rules_and_its_read_is_logged(api: Api) -> None:
    youth = api.youth("20060101")
    cid = consent(api, youth)
    receipt(api, cid, "per", expect=403)  # the police take no part in the youth
    receipt(api, cid, "admin", expect=403)
    receipt(api, "no-such-consent", expect=404)
    receipt(api, cid, "sara")
    trail = api.get("/v1/audit/actors/sara", "sara").json()["items"]
    reads = [e for e in trail if e["type"] == "access.read_consent_receipt"]
    assert [e["details"]["consent_id"] for e in reads] == [cid]
