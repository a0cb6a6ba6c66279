"""Audit and review over HTTP: every finding code produced through the API, audit trails with
cursor pagination, who may see what, HTML pages that escape what users typed, CSV exports, and
every view logged as a read in the viewer's own trail."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from tests.conftest import Clock
from tests.e2e.conftest import ADMIN_TOKEN, Api


# -- helpers a coordinator and the staff would use -------------------------------------------
def later(api: Api, **delta: float) -> str:
    return api.clock.advance(**delta).isoformat()


def consent(api: Api, youth: str, givers: list[dict[str, Any]] | None = None, **over: Any) -> str:
    r = api.consent(youth, givers or [{"party": "youth"}], **over)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def disclose(api: Api, youth: str, who: str = "lars", expect: int = 201, **over: Any) -> str:
    agency = {"lars": "skola-x", "sara": "soc-orebro", "per": "polis-orebro"}[who]
    body: dict[str, Any] = {
        "from_agency": agency,
        "to_agencies": ["soc-orebro"] if agency != "soc-orebro" else ["skola-x"],
        "youth_id": youth,
        "categories": ["school_attendance"],
        "purpose": "crime_prevention",
        "situation": "network_meeting",
    }
    body.update(over)
    r = api.post("/v1/disclosures", body, who)
    assert r.status_code == expect, r.text
    return str(r.json()["id"])


def past(api: Api, youth: str, occurred_at: str, who: str = "lars", **over: Any) -> str:
    """Document afterwards a disclosure that happened at `occurred_at`."""
    later(api, hours=1)
    return disclose(api, youth, who, retrospective=True, occurred_at=occurred_at, **over)


def revoke(api: Api, consent_id: str, effective_at: str, **over: Any) -> None:
    body: dict[str, Any] = {
        "kind": "full",
        "revoked_by": {"party": "youth"},
        "communicated": "oral",
        "notes": "Ringde samordnaren.",
        "effective_at": effective_at,
    }
    body.update(over)
    r = api.post(f"/v1/consents/{consent_id}/revocations", body, "anna")
    assert r.status_code == 201, r.text


def review(api: Api, who: str = "ida", **scope: Any) -> dict[str, Any]:
    r = api.post("/v1/reviews", scope, who)
    assert r.status_code == 200, r.text
    return dict(r.json())


def sig_case(api: Api, youth: str) -> str:
    agencies = ["soc-orebro", "polis-orebro", "skola-x"]
    r = api.post("/v1/cases", {"youth_id": youth, "form": "SIG", "agencies": agencies}, "anna")
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


# -- one scenario per finding code -----------------------------------------------------------
def no_basis(api: Api) -> str:
    youth = api.youth("20060101")
    past(api, youth, api.clock.now.isoformat())
    return youth


def after_revocation(api: Api) -> str:
    youth = api.youth("20060101")
    revoke(api, consent(api, youth), later(api, hours=1))
    past(api, youth, later(api, hours=1))
    return youth


def revocation_registered_late(api: Api) -> str:
    youth = api.youth("20060101")
    given = consent(api, youth)
    monday = later(api, hours=1)
    later(api, days=1)
    disclose(api, youth)  # Tuesday: allowed by what the ledger knew
    later(api, days=1)
    revoke(api, given, monday)  # Wednesday: Monday's phone call is registered
    return youth


def outside_category(api: Api) -> str:
    youth = api.youth("20060101")
    consent(api, youth)
    past(api, youth, later(api, hours=1), categories=["police_incidents"])
    return youth


def outside_recipient(api: Api) -> str:
    youth = api.youth("20060101")
    consent(api, youth)
    past(api, youth, later(api, hours=1), to_agencies=["fritid-x"])
    return youth


def outside_direction(api: Api) -> str:
    youth = api.youth("20060101")
    scope = {
        "agencies": ["soc-orebro", "skola-x"],
        "directions": [{"from": "skola-x", "to": "soc-orebro"}],
        "categories": ["school_attendance"],
        "purposes": ["crime_prevention"],
        "situations": ["network_meeting"],
    }
    consent(api, youth, scope=scope)
    past(api, youth, later(api, hours=1), "sara", to_agencies=["skola-x"])
    return youth


def expired(api: Api) -> str:
    youth = api.youth("20060101")
    consent(api, youth, valid_until=(api.clock.now + timedelta(days=10)).isoformat())
    past(api, youth, later(api, days=15))
    return youth


def pending(api: Api) -> str:
    youth = api.youth("20130101")
    api.guardian(youth, "Eva", "sole")
    consent(api, youth)
    past(api, youth, later(api, hours=1))
    return youth


def guardian_after_18(api: Api) -> str:
    youth = api.youth("20080305")  # 18 on 5 March 2026
    guardian = api.guardian(youth, "Eva", "sole")
    consent(api, youth, [{"party": "youth"}, {"party": "guardian", "guardian_id": guardian}])
    past(api, youth, later(api, days=4))
    return youth


def minor_alone(api: Api) -> str:
    youth = api.youth("20100101")  # 16
    consent(api, youth)
    past(api, youth, later(api, hours=1))
    return youth


def missing_guardian(api: Api) -> str:
    youth = api.youth("20140101")  # 12
    mother = api.guardian(youth, "Maria")
    api.guardian(youth, "Johan")
    consent(api, youth, [{"party": "guardian", "guardian_id": mother}])
    past(api, youth, later(api, hours=1))
    return youth


def oral_without_notes(api: Api) -> str:
    youth = api.youth("20060101")
    consent(api, youth, method="oral", form_reference=None)
    disclose(api, youth)
    return youth


def written_without_form(api: Api) -> str:
    youth = api.youth("20060101")
    consent(api, youth, form_reference=None)
    disclose(api, youth)
    return youth


def not_informed(api: Api) -> str:
    youth = api.youth("20060101")
    consent(api, youth, informed_of_revocation=False)
    disclose(api, youth)
    return youth


def late_registration(api: Api) -> str:
    youth = api.youth("20060101")
    consent(api, youth, obtained_at=(api.clock.now - timedelta(days=10)).isoformat())
    disclose(api, youth)
    return youth


def sig_continues(api: Api) -> str:
    youth = api.youth("20060101")
    case = sig_case(api, youth)
    police = consent(
        api,
        youth,
        case_id=case,
        scope={
            "agencies": ["soc-orebro", "polis-orebro"],
            "categories": ["police_incidents"],
            "purposes": ["crime_prevention"],
            "situations": ["network_meeting"],
        },
    )
    consent(
        api,
        youth,
        case_id=case,
        scope={
            "agencies": ["soc-orebro", "skola-x"],
            "categories": ["school_attendance"],
            "purposes": ["crime_prevention"],
            "situations": ["network_meeting"],
        },
    )
    revoke(api, police, later(api, hours=1))
    later(api, hours=1)
    disclose(api, youth)
    return youth


def conditions_not_met(api: Api) -> str:
    youth = api.youth("20060101")
    basis = {"kind": "statutory", "provision": "osl-10-18a", "note": "Förebygga brott."}
    past(api, youth, later(api, hours=1), to_agencies=["polis-orebro"], basis=basis)
    return youth


def basis_annulled(api: Api) -> str:
    youth = api.youth("20060101")
    given = consent(api, youth)
    disclose(api, youth)
    api.token("maja", "soc-orebro", "coordinator")
    later(api, days=1)
    r = api.post(f"/v1/consents/{given}/annulments", {"reason": "Fel person"}, "maja")
    assert r.status_code == 201, r.text
    return youth


SCENARIOS: dict[str, tuple[Callable[[Api], str], set[str]]] = {
    "NO_BASIS": (no_basis, {"NO_BASIS"}),
    "AFTER_REVOCATION": (after_revocation, {"AFTER_REVOCATION"}),
    "REVOCATION_REGISTERED_LATE": (
        revocation_registered_late,
        {"AFTER_REVOCATION", "REVOCATION_REGISTERED_LATE"},
    ),
    "OUTSIDE_SCOPE_CATEGORY": (outside_category, {"OUTSIDE_SCOPE_CATEGORY"}),
    "OUTSIDE_SCOPE_RECIPIENT": (outside_recipient, {"OUTSIDE_SCOPE_RECIPIENT"}),
    "OUTSIDE_SCOPE_DIRECTION": (outside_direction, {"OUTSIDE_SCOPE_DIRECTION"}),
    "EXPIRED_CONSENT": (expired, {"EXPIRED_CONSENT"}),
    "CONSENT_PENDING": (pending, {"CONSENT_PENDING"}),
    "GUARDIAN_CONSENT_AFTER_18": (guardian_after_18, {"GUARDIAN_CONSENT_AFTER_18"}),
    # A pending consent: CONSENT_PENDING and the finding that says why (API.md 1.1).
    "MINOR_WITHOUT_MATURITY_ASSESSMENT": (
        minor_alone,
        {"CONSENT_PENDING", "MINOR_WITHOUT_MATURITY_ASSESSMENT"},
    ),
    "MISSING_GUARDIAN": (missing_guardian, {"CONSENT_PENDING", "MISSING_GUARDIAN"}),
    "ORAL_WITHOUT_NOTES": (oral_without_notes, {"ORAL_WITHOUT_NOTES"}),
    "WRITTEN_WITHOUT_FORM_REFERENCE": (written_without_form, {"WRITTEN_WITHOUT_FORM_REFERENCE"}),
    "NOT_INFORMED_OF_REVOCATION": (not_informed, {"NOT_INFORMED_OF_REVOCATION"}),
    "LATE_REGISTRATION": (late_registration, {"LATE_REGISTRATION"}),
    "SIG_CONTINUES_AFTER_POLICE_REVOCATION": (
        sig_continues,
        {"SIG_CONTINUES_AFTER_POLICE_REVOCATION"},
    ),
    "PROVISION_CONDITIONS_NOT_MET": (conditions_not_met, {"PROVISION_CONDITIONS_NOT_MET"}),
    "BASIS_ANNULLED": (basis_annulled, {"BASIS_ANNULLED"}),
}


@pytest.mark.parametrize("code", sorted(SCENARIOS))
def test_each_finding_code_is_produced_through_the_api(api: Api, code: str) -> None:
    api.agencies()
    scenario, expected = SCENARIOS[code]
    youth = scenario(api)
    report = review(api, youth_id=youth)
    assert {f["code"] for f in report["findings"]} == expected
    for finding in report["findings"]:
        assert finding["severity"] in ("violation", "deficiency", "notice")
        assert finding["message"]
    assert report["summary"]["by_code"] == {c: 1 for c in expected}


def test_a_provision_removed_from_the_catalogue_is_unknown_provision(
    tmp_path: Path, clock: Clock
) -> None:
    default = json.loads(resources.files("ledger").joinpath("data/catalogue.json").read_text())
    local = {**default, "provisions": [*default["provisions"], _local_provision()]}
    catalogue = tmp_path / "catalogue.json"
    catalogue.write_text(json.dumps(local), "utf-8")
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'ledger.db'}",
        admin_token=ADMIN_TOKEN,
        key_dir=tmp_path / "keys",
        catalogue_file=catalogue,
    )
    with TestClient(create_app(settings, clock=clock)) as client:
        before = Api(client, clock, {"admin": ADMIN_TOKEN})
        before.agencies()
        youth = before.youth("20060101")
        basis = {"kind": "statutory", "provision": "local-rule"}
        disclose(before, youth, "sara", to_agencies=["polis-orebro"], basis=basis)
        tokens = before.tokens
    without = Settings(
        database_url=settings.database_url, admin_token=ADMIN_TOKEN, key_dir=tmp_path / "keys"
    )
    with TestClient(create_app(without, clock=clock)) as client:
        after = Api(client, clock, tokens)
        report = review(after, youth_id=youth)
    assert [f["code"] for f in report["findings"]] == ["UNKNOWN_PROVISION"]
    assert report["disclosures"][0]["as_known_now"] is None


def _local_provision() -> dict[str, Any]:
    return {
        "id": "local-rule",
        "label_sv": "Lokal regel",
        "label_en": "Local rule",
        "from_kinds": None,
        "to_kinds": None,
        "max_age": None,
        "note_required": False,
    }


def test_a_clean_history_reviews_without_violations_or_deficiencies(api: Api) -> None:
    api.agencies()
    youth = api.youth("20060101")
    consent(api, youth)
    disclose(api, youth)
    past(api, youth, later(api, hours=1), situation="network_meeting")
    note = "Risk för fortsatt brottslighet; behövs för att förebygga brott."
    basis = {"kind": "statutory", "provision": "osl-10-18a", "note": note}
    disclose(api, youth, "sara", to_agencies=["polis-orebro"], basis=basis)
    report = review(api, youth_id=youth)
    assert report["findings"] == []
    assert report["summary"]["by_severity"] == {"violation": 0, "deficiency": 0, "notice": 0}
    assert [d["retrospective"] for d in report["disclosures"]] == [False, True, False]
    assert all(d["as_known_now"]["allowed"] for d in report["disclosures"])


def test_a_review_reports_as_recorded_and_as_known_now(api: Api) -> None:
    api.agencies()
    youth = revocation_registered_late(api)
    entry = review(api, youth_id=youth)["disclosures"][0]
    assert entry["as_recorded"]["allowed"] is True
    assert entry["as_known_now"]["allowed"] is False
    assert {r["code"] for r in entry["as_known_now"]["reasons"]} == {"CONSENT_REVOKED"}


def test_an_invalid_review_period_is_refused(api: Api) -> None:
    api.agencies()
    r = api.post(
        "/v1/reviews", {"since": "2026-03-02T00:00:00Z", "until": "2026-03-01T00:00:00Z"}, "ida"
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")


# -- audit trails ----------------------------------------------------------------------------
def test_an_actor_trail_pages_by_cursor_in_ledger_order(api: Api) -> None:
    api.agencies()  # the admin registers five agencies and mints six tokens
    whole = api.get("/v1/audit/actors/admin?limit=1000", "ida").json()
    assert whole["next_cursor"] is None
    assert len(whole["items"]) == 11
    seen: list[dict[str, Any]] = []
    cursor = ""
    pages = 0
    while True:
        page = api.get(f"/v1/audit/actors/admin?limit=4{cursor}", "ida").json()
        seen += page["items"]
        pages += 1
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert pages == 3
    assert seen == whole["items"]
    positions = [e["position"] for e in seen]
    assert positions == sorted(set(positions))
    assert {e["type"] for e in seen} == {"agency.registered", "token.issued"}


def test_a_trail_entry_carries_times_type_and_non_personal_details(api: Api) -> None:
    api.agencies()
    youth = api.youth("20060101", name="Kim Hemlig")
    api.guardian(youth, "Maria Hemlig")
    given = consent(api, youth, notes="Samtal med Kim Hemlig och mamma")
    disclosure = disclose(api, youth, recipient_person="Rektor Hemlig")
    items = api.get("/v1/audit/agencies/skola-x", "lars").json()["items"]
    assert "Hemlig" not in json.dumps(items)
    entry = next(e for e in items if e["type"] == "youth.disclosure_recorded")
    assert entry["actor_id"] == "lars" and entry["youth_id"] == youth
    assert entry["recorded_at"].endswith("Z") and entry["occurred_at"].endswith("Z")
    details = entry["details"]
    assert details["disclosure_id"] == disclosure
    assert details["to_agencies"] == ["soc-orebro"]
    assert details["categories"] == ["school_attendance"]
    assert details["decision"]["allowed"] is True
    assert details["decision"]["consent_ids"] == [given]
    assert details["decision"]["reasons"] == ["CONSENT_COVERS"]


def test_an_agency_trail_shows_what_it_disclosed_received_recorded_and_read(api: Api) -> None:
    api.agencies()
    youth = api.youth("20060101")
    consent(api, youth)
    disclose(api, youth)  # skola-x → soc-orebro
    api.check(youth, who="sara", from_agency="soc-orebro", to_agency="polis-orebro")
    types = [e["type"] for e in api.get("/v1/audit/agencies/soc-orebro", "ida").json()["items"]]
    assert "youth.consent_granted" in types  # recorded
    assert "youth.disclosure_recorded" in types  # received
    assert "access.decision_check" in types  # read
    school = [e["type"] for e in api.get("/v1/audit/agencies/skola-x", "ida").json()["items"]]
    assert "youth.disclosure_recorded" in school  # disclosed


def test_a_trail_can_be_limited_to_a_period(api: Api) -> None:
    api.agencies()
    api.clock.advance(days=1)
    middle = api.clock.now.isoformat()
    api.post("/v1/agencies", {"id": "bup-x", "name": "BUP", "kind": "child_psychiatry"})
    api.clock.advance(days=1)
    api.post("/v1/agencies", {"id": "bup-y", "name": "BUP", "kind": "child_psychiatry"})
    until = api.clock.now.isoformat()
    r = api.get("/v1/audit/actors/admin", "ida", params={"since": middle, "until": until})
    assert [e["details"]["agency_id"] for e in r.json()["items"]] == ["bup-x"]


def test_a_period_bound_is_exact_to_the_microsecond(api: Api) -> None:
    api.agencies()
    start = api.clock.advance(days=1).replace(microsecond=0)
    api.clock.set(start + timedelta(microseconds=500_000))
    api.post("/v1/agencies", {"id": "bup-x", "name": "BUP", "kind": "child_psychiatry"})
    since = {"since": start.isoformat()}
    items = api.get("/v1/audit/actors/admin", "ida", params=since).json()["items"]
    assert [e["details"]["agency_id"] for e in items] == ["bup-x"]
    until = {"until": start.isoformat()}
    items = api.get("/v1/audit/actors/admin", "ida", params=until).json()["items"]
    assert "bup-x" not in [e["details"].get("agency_id") for e in items]


def test_a_cursor_the_server_did_not_give_is_refused(api: Api) -> None:
    api.agencies()
    r = api.get("/v1/audit/actors/admin?cursor=bm9wZQ", "ida")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "cursor"


def test_the_agency_trail_exports_as_csv(api: Api) -> None:
    api.agencies()
    r = api.get("/v1/audit/agencies/skola-x?limit=2", "ida", headers={"Accept": "text/csv"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 2
    assert rows[0]["type"] == "agency.registered"
    assert json.loads(rows[0]["details"])["agency_id"] == "skola-x"
    assert r.headers["x-next-cursor"]


def test_the_agency_trail_is_an_html_report_with_a_summary_table_and_escaped_values(
    api: Api,
) -> None:
    api.agencies()
    api.post("/v1/agencies", {"id": "evil-agency", "name": "<b>x</b>", "kind": "other"})
    api.token("<script>alert(1)</script>", "skola-x", "staff")
    api.get("/v1/audit/agencies/skola-x", "<script>alert(1)</script>")  # a logged read
    page = api.get(
        "/v1/audit/agencies/skola-x",
        "ida",
        headers={"Accept": "text/html", "Accept-Language": "en"},
    )
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Audit trail for skola-x" in page.text and "Summary" in page.text
    assert "agency.registered" in page.text and "token.issued" in page.text
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    swedish = api.get("/v1/audit/agencies/skola-x", "ida", headers={"Accept": "text/html"})
    assert "Granskningslogg för skola-x" in swedish.text


# -- who may see what ------------------------------------------------------------------------
def test_only_auditors_see_other_actors_and_other_agencies(api: Api) -> None:
    api.agencies()
    assert api.get("/v1/audit/actors/lars", "lars").status_code == 200
    assert api.get("/v1/audit/actors/sara", "lars").status_code == 403
    assert api.get("/v1/audit/actors/lars", "anna").status_code == 403
    assert api.get("/v1/audit/agencies/skola-x", "lars").status_code == 200
    assert api.get("/v1/audit/agencies/soc-orebro", "lars").status_code == 403
    assert api.get("/v1/audit/agencies/skola-x", "anna").status_code == 403
    assert api.get("/v1/audit/agencies/skola-x", "ida").status_code == 200
    assert api.client.get("/v1/audit/actors/lars").status_code == 401


def test_a_coordinator_sees_extracts_and_reviews_only_for_their_agencys_cases(api: Api) -> None:
    api.agencies()
    youth = api.youth("20060101")
    other = api.youth("20070101")
    api.post(
        "/v1/cases",
        {"youth_id": youth, "form": "SSPF", "agencies": ["soc-orebro", "skola-x"]},
        "anna",
    )
    assert api.get(f"/v1/youths/{youth}/register-extract", "olle").status_code == 200
    assert api.get(f"/v1/youths/{other}/register-extract", "olle").status_code == 403
    assert api.get(f"/v1/youths/{youth}/register-extract", "lars").status_code == 403
    assert api.get(f"/v1/youths/{youth}/register-extract", "ida").status_code == 200
    assert api.post("/v1/reviews", {"youth_id": youth}, "olle").status_code == 200
    assert api.post("/v1/reviews", {"youth_id": other}, "olle").status_code == 403
    assert api.post("/v1/reviews", {"agency_id": "soc-orebro"}, "olle").status_code == 403
    assert api.post("/v1/reviews", {"youth_id": youth}, "lars").status_code == 403
    r = api.post("/v1/reviews", {"youth_id": youth}, "admin")
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")


def test_every_view_is_a_logged_read_in_the_viewers_own_trail(api: Api) -> None:
    api.agencies()
    youth = api.youth("20060101")
    api.post(
        "/v1/cases",
        {"youth_id": youth, "form": "SSPF", "agencies": ["soc-orebro", "skola-x"]},
        "anna",
    )
    api.get(f"/v1/youths/{youth}/register-extract", "olle")
    api.get(f"/v1/youths/{youth}/register-extract", "olle", headers={"Accept": "text/html"})
    api.post("/v1/reviews", {"youth_id": youth}, "olle", headers={"Accept": "text/csv"})
    api.get("/v1/audit/agencies/skola-x", "olle")
    items = api.get("/v1/audit/actors/olle", "olle").json()["items"]
    reads = [(e["type"], e["youth_id"]) for e in items if e["type"].startswith("access.")]
    assert reads == [
        ("access.read_register_extract", youth),
        ("access.read_register_extract", youth),
        ("access.run_review", youth),
        ("access.read_audit_trail", None),
        ("access.read_audit_trail", None),
    ]
    assert [e["details"].get("format") for e in items[:2]] == ["json", "html"]


# -- pages and exports -----------------------------------------------------------------------
def test_the_register_extract_page_is_swedish_and_escapes_what_users_typed(api: Api) -> None:
    api.agencies()
    youth = api.youth("20060101", name="<script>alert('kim')</script>")
    mother = api.guardian(youth, "<img src=x onerror=alert(1)>")
    consent(api, youth, [{"party": "youth"}, {"party": "guardian", "guardian_id": mother}])
    disclose(api, youth)
    r = api.get(f"/v1/youths/{youth}/register-extract", "ida", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "Registerutdrag" in page and 'lang="sv"' in page
    assert "Skolnärvaro" in page  # the category in words, not its id


def test_the_register_extract_page_is_english_on_request(api: Api) -> None:
    api.agencies()
    youth = api.youth("20060101")
    headers = {"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.9,sv;q=0.5"}
    r = api.get(f"/v1/youths/{youth}/register-extract", "ida", headers=headers)
    assert "Register extract" in r.text and 'lang="en"' in r.text


def test_the_register_extract_lists_disclosures_consents_revocations_and_refused_attempts_apart(
    api: Api,
) -> None:
    api.agencies()
    youth = api.youth("20060101")
    given = consent(api, youth)
    shared = disclose(api, youth)
    documented = past(api, youth, later(api, hours=1))
    later(api, hours=1)
    revoke(api, given, api.clock.now.isoformat())
    refused = disclose(api, youth, expect=403)
    extract = api.get(f"/v1/youths/{youth}/register-extract", "ida").json()
    assert [d["id"] for d in extract["disclosures"]] == [shared, documented]
    assert [d["retrospective"] for d in extract["disclosures"]] == [False, True]
    basis = extract["disclosures"][0]["basis"]
    assert basis["kind"] == "consent" and basis["held"] is True
    assert basis["consents"][0]["id"] == given
    assert basis["consents"][0]["form_reference"] == "SSPF-2026-001"
    assert [c["id"] for c in extract["consents"]] == [given]
    assert extract["consents"][0]["status"] == "revoked"
    assert [(r["consent_id"], r["kind"]) for r in extract["revocations"]] == [(given, "full")]
    assert [a["id"] for a in extract["refused_attempts"]] == [refused]


def test_the_review_page_has_a_summary_per_finding_pair_and_basis(api: Api) -> None:
    api.agencies()
    youth = outside_recipient(api)
    r = api.post("/v1/reviews", {"youth_id": youth}, "ida", headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "OUTSIDE_SCOPE_RECIPIENT" in r.text
    assert "skola-x → fritid-x" in r.text
    assert "inget giltigt stöd" in r.text


def test_the_review_findings_export_as_csv(api: Api) -> None:
    api.agencies()
    youth = revocation_registered_late(api)
    r = api.post("/v1/reviews", {"youth_id": youth}, "ida", headers={"Accept": "text/csv"})
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert sorted(row["code"] for row in rows) == ["AFTER_REVOCATION", "REVOCATION_REGISTERED_LATE"]
    assert {row["youth_id"] for row in rows} == {youth}
    assert all(row["severity"] and row["disclosure_id"] and row["consent_id"] for row in rows)


def test_the_openapi_document_describes_audit_and_review(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    assert "/v1/audit/actors/{actor_id}" in paths
    assert "/v1/audit/agencies/{agency_id}" in paths
    assert "/v1/youths/{youth_id}/register-extract" in paths
    assert "text/html" in paths["/v1/reviews"]["post"]["responses"]["200"]["content"]
