"""The v1 contract over HTTP: administration, youths, guardians, cases and consents, errors,
idempotency and pagination, exactly as API.md writes them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Api, personal_number


def test_a_request_without_a_token_is_401_and_a_wrong_role_is_403(api: Api) -> None:
    api.agencies()
    r = api.client.get("/v1/agencies")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert (
        api.client.get("/v1/agencies", headers={"Authorization": "Bearer nope"}).status_code == 401
    )
    r = api.post("/v1/agencies", {"id": "ny-aktor", "name": "Ny", "kind": "other"}, "lars")
    assert r.status_code == 403
    assert r.json()["status"] == 403


def test_agencies_are_registered_once_and_listed_with_pagination(api: Api) -> None:
    api.agencies()
    again = api.post(
        "/v1/agencies", {"id": "soc-orebro", "name": "Again", "kind": "social_services"}
    )
    assert again.status_code == 409
    first = api.get("/v1/agencies?limit=2").json()
    assert [a["id"] for a in first["items"]] == ["soc-orebro", "polis-orebro"]
    rest = api.get(f"/v1/agencies?limit=10&cursor={first['next_cursor']}").json()
    assert [a["id"] for a in rest["items"]] == ["skola-x", "fritid-x", "bup-orebro"]
    assert rest["next_cursor"] is None


def test_the_catalogue_lists_categories_and_provisions(api: Api) -> None:
    body = api.get("/v1/catalogue").json()
    assert {"school_attendance", "police_incidents"} <= {c["id"] for c in body["categories"]}
    assert {p["id"] for p in body["provisions"]} == {
        "osl-10-18a",
        "osl-10-2",
        "report-of-concern",
        "osl-10-21",
        "osl-10-27",
    }
    assert all(c["label_sv"] and c["label_en"] for c in body["categories"])


def test_a_youth_is_registered_once_and_found_by_personal_number(api: Api) -> None:
    api.agencies()
    youth_id = api.youth("20120315")
    r = api.post("/v1/youths", {"personal_number": "120315-1236"}, "anna")
    assert r.status_code == 409
    assert r.json()["existing_id"] == youth_id
    found = api.get("/v1/youths?personal_number=201203151236", "anna").json()
    assert [y["id"] for y in found["items"]] == [youth_id]
    assert found["items"][0]["birth_date"] == "2012-03-15"
    assert (
        api.get("/v1/youths?personal_number=" + personal_number("20110101"), "anna").json()["items"]
        == []
    )


def test_a_coordination_number_is_corrected_to_a_personal_number_over_http(api: Api) -> None:
    api.agencies()
    youth_id = api.youth("20120375", serial="456")  # samordningsnummer: born 15 March 2012
    other = api.youth("20120315", serial="789")  # born the same day
    new = personal_number("20120315", "123")
    path = f"/v1/youths/{youth_id}/personal-number"
    before = api.tree_size()

    assert api.post(path, {"personal_number": new, "reason": "x"}, "lars").status_code == 403
    r = api.post(path, {"personal_number": personal_number("20120316"), "reason": "x"}, "anna")
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["personal_number"]
    r = api.post(
        path, {"personal_number": personal_number("20120315", "789"), "reason": "x"}, "anna"
    )
    assert (r.status_code, r.json().get("existing_id")) == (409, other)
    assert api.post(path, {"personal_number": new}, "anna").status_code == 422  # no reason
    assert api.tree_size() == before

    r = api.post(path, {"personal_number": new, "reason": "personnummer tilldelat"}, "anna")
    assert r.status_code == 200, r.text
    assert r.json()["personal_number"] == new and r.json()["is_coordination_number"] is False
    found = api.get(f"/v1/youths?personal_number={new}", "anna").json()["items"]
    assert [y["id"] for y in found] == [youth_id]
    old = personal_number("20120375", "456")
    assert api.get(f"/v1/youths?personal_number={old}", "anna").json()["items"] == []


@pytest.mark.parametrize(
    ("number", "field"),
    [
        ("20120315-1235", "personal_number"),  # wrong check digit
        ("20120230-1230", "personal_number"),  # 30 February
        ("abcdefghij", "personal_number"),
    ],
)
def test_a_bad_personal_number_is_422_naming_the_field_and_writes_nothing(
    api: Api, number: str, field: str
) -> None:
    api.agencies()
    before = api.tree_size()
    r = api.post("/v1/youths", {"personal_number": number}, "anna")
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == [field]
    assert api.tree_size() == before
    assert "1235" not in r.text and "1230" not in r.text  # never echo the number


def test_joint_custody_needs_both_guardians_before_a_consent_is_active(api: Api) -> None:
    api.agencies()
    youth = api.youth("20120315")
    mother = api.guardian(youth, "Maria Andersson")
    father = api.guardian(youth, "Johan Andersson")
    r = api.consent(youth, [{"party": "guardian", "guardian_id": mother}])
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "pending"
    assert body["missing"] == [{"kind": "giver", "party": "guardian", "guardian_id": father}]
    api.clock.advance(hours=2)
    signed = api.post(
        f"/v1/consents/{body['id']}/signatures",
        {
            "giver": {"party": "guardian", "guardian_id": father},
            "method": "written",
            "form_reference": "SSPF-2026-001",
            "obtained_at": api.clock.now.isoformat(),
        },
        "anna",
    )
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "active"
    consent = api.get(f"/v1/consents/{body['id']}", "anna").json()
    assert [h["type"] for h in consent["history"]] == ["granted", "signed"]
    positions = [h["position"] for h in consent["history"]]
    assert positions == sorted(positions) and None not in positions
    listed = api.get(f"/v1/consents?youth_id={youth}", "anna").json()
    assert [c["id"] for c in listed["items"]] == [body["id"]]


def test_a_youth_of_15_needs_guardians_unless_a_maturity_assessment_is_recorded(api: Api) -> None:
    api.agencies()
    youth = api.youth("20100615")  # 15 in March 2026
    guardian = api.guardian(youth, "Eva Berg", "sole")
    alone = api.consent(youth, [{"party": "youth"}]).json()
    assert alone["status"] == "pending"
    assert {"kind": "maturity_assessment"} in alone["missing"]
    assert {"kind": "giver", "party": "guardian", "guardian_id": guardian} in alone["missing"]
    assessed = api.consent(
        youth,
        [{"party": "youth"}],
        maturity_assessment={
            "assessed_by": "anna",
            "assessed_at": api.clock.now.isoformat(),
            "rationale": "Samtal med den unge visar god förståelse.",
            "outcome": "mature",
        },
    ).json()
    assert assessed["status"] == "active"
    assert assessed["missing"] == []


def test_an_adult_consents_alone_and_a_guardian_signature_counts_for_nothing(api: Api) -> None:
    api.agencies()
    youth = api.youth("20060101")
    guardian = api.guardian(youth, "Old Guardian", "sole")
    only_guardian = api.consent(youth, [{"party": "guardian", "guardian_id": guardian}]).json()
    assert only_guardian["status"] == "pending"
    assert only_guardian["missing"] == [{"kind": "giver", "party": "youth"}]
    assert api.consent(youth, [{"party": "youth"}]).json()["status"] == "active"


def bad_consents(api: Api, youth: str, other_guardian: str) -> list[tuple[dict[str, Any], str]]:
    return [
        (
            {
                "scope": {
                    "agencies": ["soc-orebro", "nope-agency"],
                    "categories": ["school_attendance"],
                }
            },
            "scope.agencies",
        ),
        (
            {"scope": {"agencies": ["soc-orebro", "skola-x"], "categories": ["weather"]}},
            "scope.categories",
        ),
        (
            {"valid_from": "2026-03-02T10:00:00+01:00", "valid_until": "2026-03-01T10:00:00+01:00"},
            "valid_until",
        ),
        (
            {"givers": [{"party": "guardian", "guardian_id": other_guardian}]},
            "givers[0].guardian_id",
        ),
        ({"givers": [{"party": "uncle"}]}, "givers[0].party"),
        ({"method": "telepathy"}, "method"),
        ({"obtained_at": "2026-03-02T10:00:00"}, "obtained_at"),  # no offset
        ({"youth_id": "no-such-youth"}, "youth_id"),
    ]


def test_a_malformed_or_contradictory_consent_is_422_naming_the_field_and_writes_nothing(
    api: Api,
) -> None:
    api.agencies()
    youth = api.youth("20120315")
    api.guardian(youth, "Maria Andersson")
    other = api.youth("20110101", serial="456")
    other_guardian = api.guardian(other, "Someone Else")
    for overrides, field in bad_consents(api, youth, other_guardian):
        before = api.tree_size()
        body = {"givers": [{"party": "youth"}], **overrides}
        givers = body.pop("givers")
        r = api.consent(youth, givers, **body)
        assert r.status_code == 422, (field, r.text)
        assert field in [e["field"] for e in r.json()["errors"]], (field, r.json())
        assert api.tree_size() == before, field


def test_garbage_input_is_a_4xx_problem_never_a_500(api: Api) -> None:
    api.agencies()
    for path in [
        "/v1/consents",
        "/v1/youths",
        "/v1/decisions/check",
        "/v1/disclosures",
        "/v1/cases",
    ]:
        r = api.call(
            "POST", path, "anna", content=b"{not json", headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 422, (path, r.status_code)
        assert r.headers["content-type"].startswith("application/problem+json")
        r = api.post(path, {"unexpected": [1, 2, 3]}, "anna")
        assert r.status_code == 422, (path, r.status_code)
        assert r.json()["errors"]


def test_the_same_idempotency_key_returns_the_first_answer_and_writes_nothing_new(api: Api) -> None:
    api.agencies()
    body = {"personal_number": personal_number("20130101"), "name": "Lo"}
    first = api.post(
        "/v1/youths",
        body,
        "anna",
        headers={"Idempotency-Key": "k-1", "Authorization": "Bearer " + api.tokens["anna"]},
    )
    size = api.tree_size()
    again = api.post(
        "/v1/youths",
        body,
        "anna",
        headers={"Idempotency-Key": "k-1", "Authorization": "Bearer " + api.tokens["anna"]},
    )
    assert again.status_code == first.status_code == 201
    assert again.json() == first.json()
    assert api.tree_size() == size
    other = api.post(
        "/v1/youths",
        {"personal_number": personal_number("20130102")},
        "anna",
        headers={"Idempotency-Key": "k-1", "Authorization": "Bearer " + api.tokens["anna"]},
    )
    assert other.status_code == 409


def test_revocation_and_annulment_with_separation_of_duties(api: Api) -> None:
    api.agencies()
    api.token("maja", "soc-orebro", "coordinator")
    youth = api.youth("20060101")
    consent = api.consent(youth, [{"party": "youth"}]).json()["id"]
    r = api.post(f"/v1/consents/{consent}/annulments", {"reason": "fel person"}, "anna")
    assert r.status_code == 403
    r = api.post(
        f"/v1/consents/{consent}/revocations",
        {
            "kind": "partial",
            "remove": {"categories": ["family_situation"]},
            "revoked_by": {"party": "youth"},
            "communicated": "oral",
            "effective_at": api.clock.now.isoformat(),
        },
        "anna",
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "partially_revoked"
    assert r.json()["scope"]["categories"] == ["school_attendance"]
    r = api.post(f"/v1/consents/{consent}/annulments", {"reason": "fel formulär"}, "maja")
    assert r.status_code == 201
    assert r.json()["status"] == "annulled"
    history = api.get(f"/v1/consents/{consent}", "anna").json()["history"]
    assert [h["type"] for h in history] == ["granted", "partially_revoked", "annulled"]


def test_a_sig_case_shows_an_alert_when_the_police_consent_is_revoked(api: Api) -> None:
    api.agencies()
    youth = api.youth("20060101")
    case = api.post(
        "/v1/cases",
        {"youth_id": youth, "form": "SIG", "agencies": ["soc-orebro", "polis-orebro"]},
        "anna",
    )
    assert case.status_code == 201, case.text
    case_id = case.json()["id"]
    consent = api.consent(youth, [{"party": "youth"}], case_id=case_id).json()["id"]
    assert api.get(f"/v1/cases/{case_id}", "anna").json()["alerts"] == []
    api.post(
        f"/v1/consents/{consent}/revocations",
        {
            "kind": "partial",
            "remove": {"agencies": ["polis-orebro"]},
            "revoked_by": {"party": "youth"},
            "communicated": "written",
            "effective_at": api.clock.now.isoformat(),
        },
        "anna",
    )
    alerts = api.get(f"/v1/cases/{case_id}", "anna").json()["alerts"]
    assert [a["code"] for a in alerts] == ["SIG_POLICE_CONSENT_REVOKED"]
    closed = api.post(f"/v1/cases/{case_id}/close", {"reason": "Avslutad"}, "anna")
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"


def test_guardians_are_added_and_ended(api: Api) -> None:
    api.agencies()
    youth = api.youth()
    guardian = api.guardian(youth, "Maria")
    r = api.post(
        f"/v1/youths/{youth}/guardians/{guardian}/end", {"reason": "vårdnad överflyttad"}, "anna"
    )
    assert r.status_code == 200
    body = api.get(f"/v1/youths/{youth}", "anna").json()
    assert body["guardians"][0]["ended_at"] is not None
    missing = api.post(f"/v1/youths/{youth}/guardians/nope/end", {"reason": "x"}, "anna")
    assert missing.status_code == 404


def test_operations_endpoints_answer(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    ready = api.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert api.client.get("/v1/youths/00000000-0000-0000-0000-000000000000").status_code == 401
    metrics = api.client.get("/metrics").text
    assert 'ledger_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in metrics
    # counted by the route's template, not the path asked for
    assert 'route="/v1/youths/{youth_id}",status="401"} 1.0' in metrics
    assert "ledger_log_size" in metrics


def test_the_openapi_document_describes_every_call_of_the_contract(api: Api) -> None:
    """Every call of API.md, by method and path, is in /openapi.json."""
    paths = api.client.get("/openapi.json").json()["paths"]
    contract = {
        "/v1/tokens": {"post"},
        "/v1/agencies": {"get", "post"},
        "/v1/catalogue": {"get"},
        "/v1/youths": {"get", "post"},
        "/v1/youths/{youth_id}": {"get"},
        "/v1/youths/{youth_id}/guardians": {"post"},
        "/v1/youths/{youth_id}/guardians/{guardian_id}/end": {"post"},
        "/v1/youths/{youth_id}/register-extract": {"get"},
        "/v1/cases": {"post"},
        "/v1/cases/{case_id}": {"get"},
        "/v1/cases/{case_id}/close": {"post"},
        "/v1/consents": {"get", "post"},
        "/v1/consents/{consent_id}": {"get"},
        "/v1/consents/{consent_id}/signatures": {"post"},
        "/v1/consents/{consent_id}/extensions": {"post"},
        "/v1/consents/{consent_id}/revocations": {"post"},
        "/v1/consents/{consent_id}/annulments": {"post"},
        "/v1/decisions/check": {"post"},
        "/v1/disclosures": {"get", "post"},
        "/v1/audit/actors/{actor_id}": {"get"},
        "/v1/audit/agencies/{agency_id}": {"get"},
        "/v1/reviews": {"post"},
        "/v1/integrity/checkpoint": {"get"},
        "/v1/integrity/leaves/{position}": {"get"},
        "/v1/integrity/proofs/inclusion": {"get"},
        "/v1/integrity/proofs/consistency": {"get"},
        "/healthz": {"get"},
        "/readyz": {"get"},
        "/metrics": {"get"},
    }
    missing = {p: sorted(m - set(paths.get(p, {}))) for p, m in contract.items()}
    assert {p: m for p, m in missing.items() if m} == {}
