"""The coordinator's worklist (projections/worklist.py) through its page: each section fed by the
API's own calls, each line linked to its youth, and nothing of a youth the agency takes no part
in."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.conftest import Api, personal_number
from tests.web.conftest import browser


def test_each_section_of_the_worklist(people: Api) -> None:
    api = people
    now = api.clock.now
    # expiring within 30 days
    kim = api.youth("20120315", "Kim Andersson")
    maria = api.guardian(kim, "Maria Andersson", custody="sole")
    until = (now + timedelta(days=20)).isoformat()
    r = api.consent(kim, [{"party": "guardian", "guardian_id": maria}], valid_until=until)
    assert r.json()["status"] == "active", r.text
    # turning 18 within 60 days: a consent resting on the guardian lapses then
    sam = api.youth("20080420", "Sam Ek", serial="234")
    eva = api.guardian(sam, "Eva Ek", custody="sole")
    r = api.consent(sam, [{"party": "youth"}, {"party": "guardian", "guardian_id": eva}])
    assert r.json()["status"] == "active", r.text
    # a SIG alert: the consent covering social services and police partly revoked
    noa = api.youth("20060101", "Noa Lind", serial="345")
    case = api.post(
        "/v1/cases",
        {"youth_id": noa, "form": "SIG", "agencies": ["soc-orebro", "polis-orebro"]},
        "anna",
    ).json()["id"]
    consent = api.consent(noa, [{"party": "youth"}], case_id=case).json()["id"]
    r = api.post(
        f"/v1/consents/{consent}/revocations",
        {
            "kind": "partial",
            "remove": {"agencies": ["polis-orebro"]},
            "revoked_by": {"party": "youth"},
            "communicated": "written",
            "effective_at": now.isoformat(),
        },
        "anna",
    )
    assert r.status_code == 201, r.text
    # a refused attempt and a disclosure documented afterwards, this week
    attempt = {
        "from_agency": "skola-x",
        "to_agencies": ["soc-orebro"],
        "youth_id": kim,
        "categories": ["police_incidents"],
        "purpose": "crime_prevention",
        "situation": "network_meeting",
        "concerns_others": False,
    }
    assert api.post("/v1/disclosures", attempt, "lars").status_code == 403
    late = {
        **attempt,
        "categories": ["school_attendance"],
        "retrospective": True,
        "occurred_at": (now - timedelta(days=2)).isoformat(),
    }
    assert api.post("/v1/disclosures", late, "lars").status_code == 201
    # another agency's youth: not on anna's list
    olle_youth = api.post(
        "/v1/youths",
        {"personal_number": personal_number("20110101", "456"), "name": "Ola Berg"},
        "olle",
    )
    assert olle_youth.status_code == 201
    # and an attempt by that agency to register Kim again
    again = api.post(
        "/v1/youths", {"personal_number": personal_number("20120315"), "name": "Kim"}, "olle"
    )
    assert again.status_code == 409

    anna = browser(api, "anna")
    page = anna.get("/worklist").text
    text = anna.text()

    def section(name: str) -> str:
        start = page.index(f'id="wl-{name}"')
        end = page.find("<section", start)
        return page[start : end if end > 0 else None]

    assert "Kim Andersson" in section("expiring") and "går ut" in section("expiring")
    assert "Sam Ek" in section("turning18") and "fyller 18 den 2026-04-20" in section("turning18")
    assert "Noa Lind" in section("alerts") and "Avsluta" in section("alerts")
    attempts = section("attempts")
    assert "stoppat försök" in attempts and "dokumenterat i efterhand" in attempts
    assert "försök att registrera en redan registrerad ungdom" in attempts
    assert f'href="/youths/{kim}"' in attempts
    assert "Ola Berg" not in text
    assert "(0)" in section("pending")


def test_the_worklist_is_the_coordinators(people: Api) -> None:
    lars = browser(people, "lars")
    assert lars.get("/worklist").status_code == 403


def test_records_due_for_disposal_are_a_line_of_the_worklist(people: Api) -> None:
    """Issue 14: "`GET /v1/retention/due` and a worklist line list youths whose records are due"
    (social services: five years after the case closed, ledger/data/retention.json)."""
    api = people
    kim = api.youth("20120315", "Kim Andersson")
    case = api.post(
        "/v1/cases", {"youth_id": kim, "form": "SSPF", "agencies": ["soc-orebro"]}, "anna"
    ).json()["id"]
    closed = api.post(
        f"/v1/cases/{case}/close", {"reason": "Klart", "reason_code": "goals_met"}, "anna"
    )
    assert closed.status_code == 200, closed.text
    assert "Kim Andersson" not in browser(api, "anna").get("/worklist").text
    api.clock.advance(days=5 * 366)
    api.token("anna-2031", "soc-orebro", "coordinator")  # the first tokens have expired by now
    page = browser(api, "anna-2031").get("/worklist").text
    start = page.index('id="wl-disposal"')
    due = page[start:]
    assert "Kim Andersson" in due and "ska gallras från 2031-03-02" in due
    assert f'href="/youths/{kim}"' in due
