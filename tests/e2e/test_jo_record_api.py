"""The record a JO review asks for (issue 14) over HTTP: network meetings, what the person was
told, consent forms, the intervention's own consent, onward disclosures, as a client sees them."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Api


def open_case(api: Api, youth: str) -> str:
    r = api.post(
        "/v1/cases",
        {
            "youth_id": youth,
            "form": "SSPF",
            "agencies": ["soc-orebro", "polis-orebro", "skola-x", "fritid-x"],
        },
        "anna",
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def meeting_body(api: Api, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "held_at": api.clock.now.isoformat(),
        "channel": "in_person",
        "agencies": ["soc-orebro", "skola-x", "fritid-x"],
        "youth_present": True,
        "others_present": ["Fritidsledaren Ali"],
    }
    body.update(over)
    return body


def fields(r: Any) -> list[str]:
    return [e["field"] for e in r.json()["errors"]]


def test_a_meeting_is_recorded_listed_and_named_by_the_disclosures_made_at_it(api: Api) -> None:
    api.agencies()
    youth = api.youth("20060101")
    case_id = open_case(api, youth)
    consent = api.consent(youth, [{"party": "youth"}], case_id=case_id).json()["id"]
    held = api.clock.now.isoformat()
    api.clock.advance(hours=2)
    r = api.post(
        f"/v1/cases/{case_id}/meetings",
        meeting_body(api, held_at=held, consent_ids=[consent]),
        "anna",
    )
    assert r.status_code == 201, r.text
    meeting_id = r.json()["id"]
    d = api.post(
        "/v1/disclosures",
        {
            "from_agency": "skola-x",
            "to_agencies": ["soc-orebro"],
            "youth_id": youth,
            "categories": ["school_attendance"],
            "purpose": "crime_prevention",
            "situation": "network_meeting",
            "retrospective": True,
            "meeting_id": meeting_id,
        },
        "lars",
    )
    assert d.status_code == 201, d.text
    assert d.json()["meeting_id"] == meeting_id
    assert d.json()["channel"] == "meeting"
    listed = api.get(f"/v1/cases/{case_id}/meetings", "sara")
    assert listed.status_code == 200, listed.text
    [item] = listed.json()["items"]
    assert item["id"] == meeting_id
    assert item["consent_ids"] == [consent]
    assert item["disclosure_ids"] == [d.json()["id"]]
    report = api.post("/v1/reviews", {"youth_id": youth}, "ida").json()
    assert report["meetings"][0]["received"][0]["disclosure_id"] == d.json()["id"]
    assert report["findings"] == []
    extract = api.get(f"/v1/youths/{youth}/register-extract", "anna").json()
    assert extract["meetings"][0]["disclosure_ids"] == [d.json()["id"]]


def test_an_unknown_meeting_is_422_naming_meeting_id_and_writes_nothing(api: Api) -> None:
    api.agencies()
    youth = api.youth("20060101")
    api.consent(youth, [{"party": "youth"}])
    size = api.tree_size()
    r = api.post(
        "/v1/disclosures",
        {
            "from_agency": "skola-x",
            "to_agencies": ["soc-orebro"],
            "youth_id": youth,
            "categories": ["school_attendance"],
            "purpose": "crime_prevention",
            "situation": "network_meeting",
            "retrospective": True,
            "meeting_id": "no-such-meeting",
        },
        "lars",
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert fields(r) == ["meeting_id"]
    assert api.tree_size() == size


def test_a_bad_meeting_is_422_naming_the_field_and_writes_nothing(api: Api) -> None:
    api.agencies()
    youth = api.youth("20060101")
    case_id = open_case(api, youth)
    size = api.tree_size()
    for over, field in [
        ({"channel": "letter"}, "channel"),
        ({"agencies": []}, "agencies"),
        ({"agencies": ["bup-orebro"]}, "agencies"),
        ({"held_at": "2026-03-02T10:00:00"}, "held_at"),
        ({"consent_ids": ["nope"]}, "consent_ids"),
    ]:
        r = api.post(f"/v1/cases/{case_id}/meetings", meeting_body(api, **over), "anna")
        assert r.status_code == 422, (over, r.text)
        assert fields(r) == [field], over
    assert api.tree_size() == size


def test_meetings_are_recorded_by_a_coordinator_and_read_by_those_taking_part(api: Api) -> None:
    api.agencies()
    youth = api.youth("20060101")
    case_id = open_case(api, youth)
    assert api.post(f"/v1/cases/{case_id}/meetings", meeting_body(api), "lars").status_code == 403
    assert api.get(f"/v1/cases/{case_id}/meetings", "lars").status_code == 200
    api.post("/v1/agencies", {"id": "soc-annan", "name": "Annan", "kind": "social_services"})
    api.token("eva", "soc-annan", "coordinator")
    assert api.get(f"/v1/cases/{case_id}/meetings", "eva").status_code == 403
    assert api.get("/v1/cases/no-such-case/meetings", "anna").status_code == 404
    assert "/v1/cases/{case_id}/meetings" in api.client.get("/openapi.json").json()["paths"]


def test_a_consent_records_what_was_told_and_how_and_old_ones_read_null(api: Api) -> None:
    api.agencies()
    adult = api.youth("20060101")
    old = api.consent(adult, [{"party": "youth"}], interpreter_used=True).json()["id"]
    v = api.get(f"/v1/consents/{old}", "anna").json()
    assert v["information_given"] is None and v["adaptations"] is None
    assert v["interpreter_used"] is True
    r = api.consent(
        adult,
        [{"party": "youth"}],
        information_given={"purpose": True, "recipients": True, "right_to_revoke": True},
        adaptations={"interpreter": {"language": "arabiska"}},
    )
    assert r.status_code == 201, r.text
    v = api.get(f"/v1/consents/{r.json()['id']}", "anna").json()
    assert v["adaptations"]["interpreter"] == {"language": "arabiska"}
    assert v["interpreter_used"] is True
    html = api.get(
        f"/v1/youths/{adult}/register-extract", "anna", headers={"Accept": "text/html"}
    ).text
    assert "inte registrerat" in html  # the old consent
    assert "tolk (arabiska)" in html and "att samtycket kan återkallas" in html
    extract = api.get(f"/v1/youths/{adult}/register-extract", "anna").json()
    shown = {c["id"]: c for c in extract["consents"]}
    assert shown[r.json()["id"]]["adaptations"]["interpreter"] == {"language": "arabiska"}
    assert shown[old]["information_given"] is None


def test_a_contradictory_adaptation_is_422_naming_the_field_and_writes_nothing(api: Api) -> None:
    api.agencies()
    adult = api.youth("20060101")
    size = api.tree_size()
    r = api.consent(
        adult, [{"party": "youth"}], interpreter_used=True, adaptations={"easy_read": True}
    )
    assert r.status_code == 422, r.text
    assert fields(r) == ["adaptations.interpreter"]
    r = api.consent(adult, [{"party": "youth"}], adaptations={"interpreter": {}})
    assert r.status_code == 422, r.text
    assert fields(r) == ["adaptations.interpreter.language"]
    r = api.consent(adult, [{"party": "youth"}], child_asked=True)
    assert r.status_code == 422, r.text
    assert fields(r) == ["child_asked"]
    assert api.tree_size() == size


def test_a_consent_form_is_registered_read_and_referred_to_by_a_consent(api: Api) -> None:
    api.agencies()
    text = "Samtycke till informationsutbyte inom SSPF.\nDu kan återkalla samtycket när som helst."
    r = api.post("/v1/consent-forms", {"name": "SSPF", "version": "2026-1", "text": text}, "anna")
    assert r.status_code == 201, r.text
    form = r.json()
    assert (
        api.post(
            "/v1/consent-forms", {"name": "SSPF", "version": "2026-1", "text": "x"}, "anna"
        ).status_code
        == 409
    )
    assert (
        api.post(
            "/v1/consent-forms", {"name": "S", "version": "1", "text": "x"}, "lars"
        ).status_code
        == 403
    )
    read = api.get(f"/v1/consent-forms/{form['id']}", "lars").json()
    assert read["text"] == text and read["sha256"] == form["sha256"]
    assert api.get("/v1/consent-forms/nope", "lars").status_code == 404
    assert [f["id"] for f in api.get("/v1/consent-forms", "ida").json()["items"]] == [form["id"]]
    youth = api.youth("20060101")
    size = api.tree_size()
    bad = api.consent(youth, [{"party": "youth"}], form_id="nope")
    assert bad.status_code == 422 and fields(bad) == ["form_id"]
    assert api.tree_size() == size
    consent = api.consent(youth, [{"party": "youth"}], form_id=form["id"]).json()["id"]
    assert api.get(f"/v1/consents/{consent}", "anna").json()["form_sha256"] == form["sha256"]
    report = api.post("/v1/reviews", {"youth_id": youth}, "ida").json()
    assert report["forms"][form["id"]]["text"] == text


def test_the_consent_to_the_intervention_is_recorded_on_the_case(api: Api) -> None:
    api.agencies()
    youth = api.youth("20060101")
    r = api.post(
        "/v1/cases",
        {"youth_id": youth, "form": "SIG", "agencies": ["soc-orebro", "polis-orebro"]},
        "anna",
    )
    case_id = r.json()["id"]
    assert r.json()["intervention_consent"]["status"] == "not_recorded"
    size = api.tree_size()
    bad = api.post(
        f"/v1/cases/{case_id}/intervention-consent",
        {
            "givers": [{"party": "guardian", "guardian_id": "x"}],
            "method": "oral",
            "obtained_at": api.clock.now.isoformat(),
        },
        "anna",
    )
    assert bad.status_code == 422 and fields(bad) == ["givers[0].guardian_id"]
    assert api.tree_size() == size
    body = {
        "givers": [{"party": "youth"}],
        "method": "written",
        "obtained_at": api.clock.now.isoformat(),
    }
    assert api.post(f"/v1/cases/{case_id}/intervention-consent", body, "lars").status_code == 403
    r = api.post(f"/v1/cases/{case_id}/intervention-consent", body, "anna")
    assert r.status_code == 201, r.text
    assert r.json()["intervention_consent"]["status"] == "given"
    assert api.post(f"/v1/cases/{case_id}/intervention-consent", body, "anna").status_code == 409
    api.clock.advance(days=1)
    w = api.post(
        f"/v1/cases/{case_id}/intervention-consent/withdrawal",
        {
            "withdrawn_by": {"party": "youth"},
            "communicated": "oral",
            "effective_at": api.clock.now.isoformat(),
        },
        "anna",
    )
    assert w.status_code == 201, w.text
    assert (
        api.get(f"/v1/cases/{case_id}", "sara").json()["intervention_consent"]["status"]
        == "withdrawn"
    )
    extract = api.get(f"/v1/youths/{youth}/register-extract", "anna").json()
    assert extract["interventions"][0]["status"] == "withdrawn"


def test_the_catalogue_says_where_a_category_originates_and_reviews_show_onward_disclosures(
    api: Api,
) -> None:
    api.agencies()
    shown = {c["id"]: c for c in api.get("/v1/catalogue", "lars").json()["categories"]}
    assert shown["school_attendance"]["originates_with"] == ["school"]
    youth = api.youth("20060101")
    api.consent(youth, [{"party": "youth"}])
    r = api.post(
        "/v1/disclosures",
        {
            "from_agency": "soc-orebro",
            "to_agencies": ["polis-orebro"],
            "youth_id": youth,
            "categories": ["school_attendance"],
            "purpose": "crime_prevention",
            "situation": "network_meeting",
        },
        "sara",
    )
    assert r.status_code == 201, r.text
    report = api.post("/v1/reviews", {"youth_id": youth}, "ida").json()
    assert [(f["code"], f["severity"]) for f in report["findings"]] == [
        ("ONWARD_DISCLOSURE", "notice")
    ]
    assert report["summary"]["by_severity"]["notice"] == 1


def test_the_extract_is_said_to_its_reader_and_withholds_under_secrecy(api: Api) -> None:
    api.agencies()
    r = api.post(
        "/v1/agencies",
        {
            "id": "vard-x",
            "name": "Vård X",
            "kind": "health_care",
            "org_number": "232100-0000",
            "dpo_contact": "dso@x.example",
        },
    )
    assert r.status_code == 201 and r.json()["org_number"] == "232100-0000"
    youth = api.youth("20120315")
    g1 = api.guardian(youth, "Eva Andersson")
    g2 = api.guardian(youth, "Per Andersson")
    givers = [{"party": "guardian", "guardian_id": g} for g in (g1, g2)]
    assert api.consent(youth, givers).status_code == 201
    report = {
        "from_agency": "skola-x",
        "to_agencies": ["soc-orebro"],
        "youth_id": youth,
        "categories": ["school_attendance"],
        "purpose": "crime_prevention",
        "basis": {"kind": "statutory", "provision": "report-of-concern"},
    }
    assert api.post("/v1/disclosures", report, "lars").status_code == 201
    html = api.get(f"/v1/youths/{youth}/register-extract", "anna", headers={"Accept": "text/html"})
    assert html.status_code == 200
    assert "Vårdnadshavarnas samtycke" in html.text and "Ditt samtycke" not in html.text
    assert "lämnas inte ut (sekretess)" in html.text
    assert "Integritetsskyddsmyndigheten" in html.text
    body = api.get(f"/v1/youths/{youth}/register-extract?audience=guardians", "anna").json()
    assert body["audience"] == "guardians"
    assert body["disclosures"][0]["from_agency"] is None
    official = api.get(f"/v1/youths/{youth}/register-extract?audience=official", "ida").json()
    assert official["disclosures"][0]["from_agency"] == "skola-x"
    assert (
        api.get(f"/v1/youths/{youth}/register-extract?audience=neighbours", "anna").status_code
        == 422
    )
    size = api.tree_size()
    bad = api.post(
        f"/v1/youths/{youth}/secrecy-decisions",
        {
            "item_kind": "disclosure",
            "item_id": "nope",
            "audience": "guardians",
            "provision": "osl-12-3-2",
            "decided_by": "anna",
            "decided_at": api.clock.now.isoformat(),
        },
        "anna",
    )
    assert bad.status_code == 422 and fields(bad) == ["item_id"]
    assert api.tree_size() == size
    consent_id = api.get(f"/v1/consents?youth_id={youth}", "anna").json()["items"][0]["id"]
    decided = api.post(
        f"/v1/youths/{youth}/secrecy-decisions",
        {
            "item_kind": "consent",
            "item_id": consent_id,
            "audience": "guardians",
            "provision": "osl-12-3-2",
            "decided_by": "anna",
            "decided_at": api.clock.now.isoformat(),
        },
        "anna",
    )
    assert decided.status_code == 201, decided.text
    assert api.post(f"/v1/youths/{youth}/secrecy-decisions", {}, "lars").status_code == 403
    shown = api.get(f"/v1/youths/{youth}/register-extract?audience=guardians", "anna").json()
    assert shown["consents"] == [] and shown["withheld"]["items"] == 1
    listed = api.get(f"/v1/youths/{youth}/secrecy-decisions", "ida").json()["items"]
    assert [d["item_id"] for d in listed] == [consent_id]
    api.clock.advance(hours=1)
    rel = api.post(
        f"/v1/youths/{youth}/secrecy-decisions/{decided.json()['id']}/release",
        {"released_at": api.clock.now.isoformat()},
        "anna",
    )
    assert rel.status_code == 201, rel.text
    shown = api.get(f"/v1/youths/{youth}/register-extract?audience=guardians", "anna").json()
    assert [c["id"] for c in shown["consents"]] == [consent_id]


def test_the_youths_due_for_disposal_are_listed_and_the_youth_shows_its_date(api: Api) -> None:
    api.agencies()
    youth = api.youth("20060101")
    case_id = open_case(api, youth)
    assert api.get(f"/v1/youths/{youth}", "anna").json()["retention"]["disposal_date"] is None
    closed = api.post(f"/v1/cases/{case_id}/close", {"reason": "Målen uppfyllda"}, "anna")
    assert closed.status_code == 200, closed.text
    assert (
        api.get(f"/v1/youths/{youth}", "anna").json()["retention"]["disposal_date"] == "2031-03-02"
    )
    assert api.get("/v1/retention/due", "ida").json()["items"] == []
    api.clock.advance(days=5 * 366)
    for name, agency, role in [
        ("ida", "soc-orebro", "auditor"),
        ("anna", "soc-orebro", "coordinator"),
        ("lars", "skola-x", "staff"),
    ]:
        api.token(name, agency, role)  # the first tokens have expired in five years
    [due] = api.get("/v1/retention/due", "ida").json()["items"]
    assert due["youth_id"] == youth and "fem år" in due["source"]
    assert api.get("/v1/retention/due", "lars").status_code == 403
    extract = api.get(f"/v1/youths/{youth}/register-extract", "anna").json()
    assert extract["gdpr"]["retention"]["disposal_date"] == "2031-03-02"


def test_a_later_signature_records_its_own_adaptations(api: Api) -> None:
    api.agencies()
    youth = api.youth("20120315")
    g1, g2 = api.guardian(youth, "Eva"), api.guardian(youth, "Per")
    consent = api.consent(youth, [{"party": "guardian", "guardian_id": g1}]).json()["id"]
    r = api.post(
        f"/v1/consents/{consent}/signatures",
        {
            "giver": {"party": "guardian", "guardian_id": g2},
            "method": "written",
            "obtained_at": api.clock.now.isoformat(),
            "adaptations": {"interpreter": {"language": "dari"}, "easy_read": True},
        },
        "anna",
    )
    assert r.status_code == 200, r.text
    history = api.get(f"/v1/consents/{consent}", "anna").json()["history"]
    signed = next(h for h in history if h["type"] == "signed")
    assert signed["adaptations"]["interpreter"] == {"language": "dari"}


def test_the_coordinators_trail_says_what_was_recorded_without_personal_data(api: Api) -> None:
    api.agencies()
    youth = api.youth("20060101")
    case_id = open_case(api, youth)
    meeting = api.post(
        f"/v1/cases/{case_id}/meetings",
        meeting_body(api, notes="Lou berättade om skolan."),
        "anna",
    ).json()["id"]
    form = api.post("/v1/consent-forms", {"name": "F", "version": "1", "text": "T"}, "anna").json()
    trail = api.get("/v1/audit/actors/anna", "ida").json()["items"]
    by_type = {e["type"]: e["details"] for e in trail}
    assert by_type["youth.meeting_recorded"]["meeting_id"] == meeting
    assert by_type["consent_form.registered"]["sha256"] == form["sha256"]
    text = str(trail)
    assert "Fritidsledaren Ali" not in text and "Lou berättade" not in text
