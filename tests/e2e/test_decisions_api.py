"""Decisions and disclosures over HTTP: every reason code of API.md, time travel with `at` and
`known_at`, disclosures checked and recorded in one step, refused and retrospective ones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.e2e.conftest import Api, codes


def adult_with_consent(api: Api, **overrides: object) -> tuple[str, str]:
    api.agencies()
    youth = api.youth("20060101")
    r = api.consent(youth, [{"party": "youth"}], **overrides)
    assert r.status_code == 201, r.text
    return youth, r.json()["id"]


def revoke(api: Api, consent: str, effective_at: str, **extra: object) -> None:
    body = {
        "kind": "full",
        "revoked_by": {"party": "youth"},
        "communicated": "oral",
        "notes": "Ringde samordnaren.",
        "effective_at": effective_at,
    }
    body.update(extra)
    r = api.post(f"/v1/consents/{consent}/revocations", body, "anna")
    assert r.status_code == 201, r.text


def test_a_consent_that_covers_the_question_allows_it_and_names_itself(api: Api) -> None:
    youth, consent = adult_with_consent(api)
    decision = api.check(youth, purpose="crime_prevention")
    assert decision["allowed"] is True
    assert decision["basis"] == "consent"
    assert decision["consent_ids"] == [consent]
    assert codes(decision) == {"CONSENT_COVERS"}


def test_no_consent_at_all_is_refused_with_no_consent(api: Api) -> None:
    api.agencies()
    youth = api.youth("20060101")
    decision = api.check(youth)
    assert decision["allowed"] is False and decision["basis"] is None
    assert codes(decision) == {"NO_CONSENT"}


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ({"category": "police_incidents"}, "CATEGORY_NOT_COVERED"),
        ({"to_agency": "fritid-x"}, "RECIPIENT_NOT_COVERED"),
        ({"purpose": "support_planning"}, "PURPOSE_NOT_COVERED"),
        ({"situation": "coordination"}, "SITUATION_NOT_COVERED"),
    ],
)
def test_a_question_outside_the_scope_is_refused_with_the_matching_reason(
    api: Api, question: dict[str, str], code: str
) -> None:
    scope = {
        "agencies": ["soc-orebro", "polis-orebro", "skola-x"],
        "categories": ["school_attendance"],
        "purposes": ["crime_prevention"],
        "situations": ["network_meeting"],
    }
    youth, consent = adult_with_consent(api, scope=scope)
    decision = api.check(youth, **question)
    assert decision["allowed"] is False
    assert codes(decision) == {code}
    assert decision["consent_ids"] == [consent]


def test_a_direction_outside_the_listed_directions_is_refused(api: Api) -> None:
    scope = {
        "agencies": ["soc-orebro", "skola-x"],
        "directions": [{"from": "skola-x", "to": "soc-orebro"}],
        "categories": ["school_attendance"],
        "purposes": ["crime_prevention"],
        "situations": ["network_meeting"],
    }
    youth, _ = adult_with_consent(api, scope=scope)
    assert api.check(youth)["allowed"] is True
    back = api.check(youth, who="sara", from_agency="soc-orebro", to_agency="skola-x")
    assert codes(back) == {"DIRECTION_NOT_COVERED"}


def test_a_consent_waiting_for_the_second_guardian_is_pending(api: Api) -> None:
    api.agencies()
    youth = api.youth("20120315")
    mother = api.guardian(youth, "Maria")
    api.guardian(youth, "Johan")
    api.consent(youth, [{"party": "guardian", "guardian_id": mother}])
    assert codes(api.check(youth)) == {"CONSENT_PENDING"}


def test_validity_has_a_start_and_an_end(api: Api) -> None:
    api.agencies()
    youth = api.youth("20060101")
    api.consent(
        youth,
        [{"party": "youth"}],
        valid_from="2026-04-01T00:00:00+02:00",
        valid_until="2026-06-30T23:59:59+02:00",
    )
    assert codes(api.check(youth)) == {"CONSENT_NOT_YET_VALID"}
    assert api.check(youth, at="2026-05-01T10:00:00+02:00")["allowed"] is True
    assert codes(api.check(youth, at="2026-07-01T10:00:00+02:00")) == {"CONSENT_EXPIRED"}


def test_a_guardian_consent_lapses_on_the_eighteenth_birthday_in_stockholm(api: Api) -> None:
    api.agencies()
    youth = api.youth("20080305")  # 17 when the consent is given on 2 March 2026
    guardian = api.guardian(youth, "Eva", "sole")
    api.consent(youth, [{"party": "youth"}, {"party": "guardian", "guardian_id": guardian}])
    assert api.check(youth, at="2026-03-04T23:59:00+01:00")["allowed"] is True
    after = api.check(youth, at="2026-03-05T00:00:00+01:00")
    assert codes(after) == {"GUARDIAN_CONSENT_LAPSED_AT_18"}


def test_a_closed_case_ends_the_consents_given_for_it(api: Api) -> None:
    api.agencies()
    youth = api.youth("20060101")
    case = api.post(
        "/v1/cases",
        {"youth_id": youth, "form": "SSPF", "agencies": ["soc-orebro", "skola-x"]},
        "anna",
    )
    case_id = case.json()["id"]
    api.consent(youth, [{"party": "youth"}], case_id=case_id)
    api.clock.advance(days=1)
    api.post(f"/v1/cases/{case_id}/close", {"reason": "Insatsen avslutad"}, "anna")
    assert codes(api.check(youth)) == {"CASE_CLOSED"}


def test_a_revocation_known_late_is_seen_only_from_when_the_ledger_knew_it(api: Api) -> None:
    monday = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    api.clock.set(datetime(2026, 2, 23, 9, 0, tzinfo=UTC))
    youth, _ = adult_with_consent(api)
    consent = api.get(f"/v1/consents?youth_id={youth}", "anna").json()["items"][0]["id"]
    api.clock.set(datetime(2026, 3, 4, 9, 0, tzinfo=UTC))  # Wednesday: the coordinator registers it
    revoke(api, consent, monday.isoformat())
    tuesday = "2026-03-03T10:00:00+00:00"
    as_known_then = api.check(youth, at=tuesday, known_at=tuesday)
    assert as_known_then["allowed"] is True
    as_known_now = api.check(youth, at=tuesday)
    assert codes(as_known_now) == {"CONSENT_REVOKED"}
    assert as_known_now["known_at"] == "2026-03-04T09:00:00Z"


def test_an_annulled_consent_held_in_good_faith_until_the_annulment_was_recorded(api: Api) -> None:
    youth, consent = adult_with_consent(api)
    api.token("maja", "soc-orebro", "coordinator")
    before = api.clock.now.isoformat()
    api.clock.advance(days=1)
    assert (
        api.post(f"/v1/consents/{consent}/annulments", {"reason": "Fel person"}, "maja").status_code
        == 201
    )
    assert codes(api.check(youth)) == {"CONSENT_ANNULLED"}
    assert api.check(youth, at=before, known_at=before)["allowed"] is True


def test_statutory_provisions_are_checked_against_their_conditions(api: Api) -> None:
    api.agencies()
    youth = api.youth("20120315")
    lawful = api.check(
        youth,
        who="sara",
        from_agency="soc-orebro",
        to_agency="polis-orebro",
        category="social_services_assessment",
        provision="osl-10-18a",
        note="Risk för fortsatt brottslighet; uppgiften behövs för att förebygga brott.",
    )
    assert lawful["allowed"] is True and lawful["basis"] == "statutory"
    assert codes(lawful) == {"STATUTORY_BASIS"}
    wrong_direction = api.check(youth, to_agency="polis-orebro", provision="osl-10-18a", note="x")
    assert codes(wrong_direction) == {"PROVISION_CONDITIONS_NOT_MET"}
    unknown = api.post(
        "/v1/decisions/check",
        {
            "from_agency": "skola-x",
            "to_agency": "soc-orebro",
            "youth_id": youth,
            "category": "school_attendance",
            "provision": "osl-99",
        },
        "lars",
    )
    assert unknown.status_code == 422


def test_staff_may_ask_only_about_their_own_agency_but_an_auditor_about_any(api: Api) -> None:
    youth, _ = adult_with_consent(api)
    r = api.post(
        "/v1/decisions/check",
        {
            "from_agency": "soc-orebro",
            "to_agency": "skola-x",
            "youth_id": youth,
            "category": "school_attendance",
        },
        "lars",
    )
    assert r.status_code == 403
    assert api.check(youth, who="ida")["allowed"] is True


def test_every_check_is_logged_as_a_read_by_its_actor(api: Api) -> None:
    youth, _ = adult_with_consent(api)
    api.check(youth)
    ledger = api.client.app.state.ledger  # type: ignore[attr-defined]
    rows = ledger.database.read(ledger.database.tables.audit, actor_id="lars")
    assert [r.type for r in rows] == ["access.decision_check"]
    assert rows[0].youth_id == youth


def disclosure(youth: str, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "from_agency": "skola-x",
        "to_agencies": ["soc-orebro"],
        "youth_id": youth,
        "categories": ["school_attendance"],
        "purpose": "crime_prevention",
        "situation": "network_meeting",
    }
    body.update(overrides)
    return body


def test_an_allowed_disclosure_is_recorded_with_its_decision(api: Api) -> None:
    youth, consent = adult_with_consent(api)
    r = api.post("/v1/disclosures", disclosure(youth), "lars")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["decision"]["allowed"] is True and body["decision"]["consent_ids"] == [consent]
    listed = api.get(f"/v1/disclosures?youth_id={youth}", "lars").json()["items"]
    assert [d["id"] for d in listed] == [body["id"]]
    assert listed[0]["position"] is not None


def test_a_replayed_disclosure_returns_the_first_answer_with_its_log_position(api: Api) -> None:
    youth, _ = adult_with_consent(api)
    key = {"Idempotency-Key": "disclosure-1"}
    first = api.post("/v1/disclosures", disclosure(youth), "lars", headers=key)
    assert first.status_code == 201, first.text
    assert isinstance(first.json()["position"], int)
    size = api.tree_size()
    again = api.post("/v1/disclosures", disclosure(youth), "lars", headers=key)
    assert (again.status_code, again.json()) == (201, first.json())
    assert api.tree_size() == size


def test_disclosures_are_listed_by_agency_for_those_who_took_part(api: Api) -> None:
    youth, _ = adult_with_consent(api)
    r = api.post("/v1/disclosures", disclosure(youth), "lars")
    assert r.status_code == 201, r.text
    for who, agency in [("lars", "skola-x"), ("anna", "soc-orebro"), ("ida", "skola-x")]:
        listed = api.get(f"/v1/disclosures?agency_id={agency}", who).json()["items"]
        assert [d["id"] for d in listed] == [r.json()["id"]], who
    # staff of the school see nothing of what the police took part in
    assert api.get("/v1/disclosures?agency_id=polis-orebro", "lars").json()["items"] == []
    assert api.get("/v1/disclosures", "lars").status_code == 422


def test_a_refused_disclosure_is_403_recorded_and_listed_only_with_refused(api: Api) -> None:
    youth, _ = adult_with_consent(api)
    r = api.post("/v1/disclosures", disclosure(youth, categories=["police_incidents"]), "lars")
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    assert codes(r.json()["decision"]) == {"CATEGORY_NOT_COVERED"}
    assert api.get(f"/v1/disclosures?youth_id={youth}", "lars").json()["items"] == []
    refused = api.get(f"/v1/disclosures?youth_id={youth}&include_refused=true", "lars").json()[
        "items"
    ]
    assert [d["status"] for d in refused] == ["refused"]


def test_a_disclosure_to_several_agencies_is_refused_if_any_recipient_is_not_covered(
    api: Api,
) -> None:
    youth, _ = adult_with_consent(api)
    r = api.post(
        "/v1/disclosures", disclosure(youth, to_agencies=["soc-orebro", "fritid-x"]), "lars"
    )
    assert r.status_code == 403
    assert "RECIPIENT_NOT_COVERED" in codes(r.json()["decision"])


def test_a_retrospective_disclosure_without_basis_is_recorded_and_marked(api: Api) -> None:
    api.agencies()
    youth = api.youth("20060101")
    api.clock.advance(days=2)
    r = api.post(
        "/v1/disclosures",
        disclosure(youth, retrospective=True, occurred_at="2026-03-02T14:00:00+01:00"),
        "lars",
    )
    assert r.status_code == 201, r.text
    assert r.json()["retrospective"] is True
    assert r.json()["decision"]["allowed"] is False
    assert codes(r.json()["decision"]) == {"NO_CONSENT"}


def test_a_statutory_disclosure_outside_its_conditions_is_refused_and_an_unknown_one_is_422(
    api: Api,
) -> None:
    api.agencies()
    youth = api.youth("20060101")
    basis = {"kind": "statutory", "provision": "report-of-concern"}  # only for under 18
    r = api.post(
        "/v1/disclosures", disclosure(youth, to_agencies=["soc-orebro"], basis=basis), "lars"
    )
    assert r.status_code == 403
    assert codes(r.json()["decision"]) == {"PROVISION_CONDITIONS_NOT_MET"}
    unknown = {"kind": "statutory", "provision": "osl-99", "note": "x"}
    assert api.post("/v1/disclosures", disclosure(youth, basis=unknown), "lars").status_code == 422
