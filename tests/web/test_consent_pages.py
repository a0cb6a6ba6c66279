"""The issue's scenario through the pages, on SQLite and PostgreSQL: a youth with two guardians in
joint custody, a consent pending until the second guardian signs, a staff member checks and
records a disclosure, the coordinator revokes, and the overview, the worklist and the review
change. Plus the refusals: a staff member cannot reach or post a coordinator's form."""

from __future__ import annotations

import re

from tests.e2e.conftest import Api
from tests.web.conftest import Browser, browser
from tests.web.test_youth_pages import PNR, guardian, register


def guardian_ids(api: Api, youth_id: str) -> list[str]:
    return [g["guardian_id"] for g in api.get(f"/v1/youths/{youth_id}", "anna").json()["guardians"]]


SCOPE = [
    ("scope.agencies", "soc-orebro"),
    ("scope.agencies", "skola-x"),
    ("scope.categories", "school_attendance"),
    ("scope.purposes", "crime_prevention"),
    ("scope.situations", "network_meeting"),
]


def record_consent(b: Browser, youth_id: str, first_guardian: str) -> str:
    b.get(f"/youths/{youth_id}/consents/new")
    r = b.post(
        f"/youths/{youth_id}/consents",
        [
            ("givers", f"guardian:{first_guardian}"),
            ("method", "written"),
            ("form_reference", "SSPF-2026-001"),
            ("informed_of_revocation", "on"),
            ("copy_given", "on"),
            ("obtained_at", "2026-03-02T08:30"),
            *SCOPE,
        ],
    )
    assert r.status_code == 200, r.text
    found = re.search(r"/consents/([0-9a-f-]{36})$", str(r.url))
    assert found, r.url
    return found.group(1)


def test_the_scenario_through_the_pages(on_store: Api) -> None:
    api = on_store
    anna = browser(api, "anna")
    youth_id = register(anna)
    guardian(anna, youth_id, "Maria Andersson")
    guardian(anna, youth_id, "Jonas Andersson")
    maria, jonas = guardian_ids(api, youth_id)
    api.clock.advance(hours=1)
    consent_id = record_consent(anna, youth_id, maria)
    assert 'id="consent-status">väntar på underskrift' in anna.last.text
    assert "underskrift av vårdnadshavare Jonas Andersson" in anna.text()
    # the worklist says whom it waits for
    anna.get("/worklist")
    assert "väntar på" in anna.text() and "Jonas Andersson" in anna.text()

    # staff check while pending: no
    lars = browser(api, "lars")
    lars.get(f"/share?youth_id={youth_id}")
    question = {
        "youth": PNR,
        "to_agency": "soc-orebro",
        "category": "school_attendance",
        "purpose": "crime_prevention",
        "situation": "network_meeting",
        "concerns_others": "no",
    }
    lars.post("/share/check", question)
    assert "Nej, uppgiften får inte lämnas." in lars.text()
    assert "väntar fortfarande på underskrift" in lars.text()

    # the second guardian signs
    anna.get(f"/consents/{consent_id}")
    r = anna.post(
        f"/consents/{consent_id}/signatures",
        {
            "giver": f"guardian:{jonas}",
            "method": "written",
            "form_reference": "SSPF-2026-001",
            "obtained_at": "2026-03-02T09:00",
        },
    )
    assert r.status_code == 200, r.text
    assert 'id="consent-status">gällande' in r.text

    # staff check again, and record it
    api.clock.advance(hours=1)
    lars.get("/share")
    lars.post("/share/check", question)
    assert "Ja, du får lämna uppgiften." in lars.text()
    r = lars.post("/share/disclose", {**question, "channel": "meeting"})
    assert r.status_code == 200, r.text
    assert "Utlämnandet är registrerat." in lars.text()
    items = api.get(f"/v1/disclosures?youth_id={youth_id}", "anna").json()["items"]
    assert [d["status"] for d in items] == ["recorded"]

    # the coordinator revokes; the overview shows the cut and the worklist no pending line
    api.clock.advance(hours=1)
    anna.get(f"/consents/{consent_id}/revoke")
    r = anna.post(
        f"/consents/{consent_id}/revocations",
        {
            "kind": "full",
            "revoked_by": f"guardian:{maria}",
            "communicated": "oral",
            "notes": "ringde",
            "effective_at": "2026-03-02T11:00",
        },
    )
    assert r.status_code == 200, r.text
    assert 'id="consent-status">återkallat' in r.text
    overview = anna.get(f"/youths/{youth_id}").text
    assert 'class="tl-cut"' in overview
    assert overview.count('class="tl-item"') == 2  # one consent bar, one disclosure mark
    assert "återkallat" in anna.text()
    anna.get("/worklist")
    assert "Jonas Andersson" not in anna.text()

    # a check after the revocation is refused, and a disclosure then is a recorded attempt
    api.clock.advance(hours=1)
    lars.get("/share")
    r = lars.post("/share/disclose", question)
    assert r.status_code == 403
    assert "Utlämnandet stoppades" in lars.text()
    overview = anna.get(f"/youths/{youth_id}").text
    assert 'class="tl-mark refused' in overview

    # the review shows the recorded disclosure (not the refused attempt), as the API's does
    r = anna.get(f"/review?youth_id={youth_id}")
    assert r.status_code == 200
    assert r.text.count('<tr id="d-') == 1
    assert f'id="d-{items[0]["id"]}"' in r.text
    csv = anna.get(f"/review.csv?youth_id={youth_id}")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("code,severity,message")

    # the register extract and the integrity page with a bundle per disclosure
    r = anna.get(f"/youths/{youth_id}/extract")
    assert r.status_code == 200 and "Kim Andersson" in r.text
    assert 'href="/assets/ledger.css"' in r.text and "Logga ut" in r.text  # in the layout
    r = anna.get(f"/integrity?youth_id={youth_id}")
    assert 'id="signature-status"' in r.text and "✓" in r.text
    positions = re.findall(r'href="/integrity/bundles/(\d+)"', r.text)
    assert len(positions) == 2  # the recorded disclosure and the refused attempt
    bundle = anna.get(f"/integrity/bundles/{positions[0]}")
    assert bundle.headers["content-disposition"].startswith("attachment")
    assert bundle.json()["position"] == int(positions[0])


def test_staff_cannot_reach_or_post_the_consent_forms(people: Api) -> None:
    anna = browser(people, "anna")
    youth_id = register(anna)
    guardian(anna, youth_id, "Maria Andersson")
    (maria,) = guardian_ids(people, youth_id)
    consent_id = record_consent(anna, youth_id, maria)
    sara = browser(people, "sara")  # staff of the coordinator's own agency
    assert sara.get(f"/youths/{youth_id}/consents/new").status_code == 403
    for action in ("extend", "revoke", "annul"):
        assert sara.get(f"/consents/{consent_id}/{action}").status_code == 403
    sara.get(f"/consents/{consent_id}")
    r = sara.post(
        f"/consents/{consent_id}/revocations",
        {
            "kind": "full",
            "revoked_by": f"guardian:{maria}",
            "communicated": "oral",
            "effective_at": "2026-03-02T08:00",
        },
    )
    assert r.status_code == 403
    assert people.get(f"/v1/consents/{consent_id}", "anna").json()["status"] == "active"


def test_a_refused_consent_form_keeps_what_was_typed(people: Api) -> None:
    anna = browser(people, "anna")
    youth_id = register(anna)
    anna.get(f"/youths/{youth_id}/consents/new")
    r = anna.post(
        f"/youths/{youth_id}/consents",
        [
            ("method", "written"),
            ("form_reference", "REF-<7>"),
            ("obtained_at", "2026-03-02T08:30"),
            ("scope.agencies", "soc-orebro"),
            ("scope.categories", "school_attendance"),
        ],
    )
    assert r.status_code == 422
    assert 'id="givers-error"' in r.text  # no giver: the server's message beside the field
    assert 'value="REF-&lt;7&gt;"' in r.text
    assert re.search(r'value="school_attendance" checked', r.text)
    assert people.get(f"/v1/consents?youth_id={youth_id}", "anna").json()["items"] == []


def test_a_forged_post_without_csrf_writes_nothing(people: Api) -> None:
    anna = browser(people, "anna")
    youth_id = register(anna)
    r = anna.client.post(
        f"/youths/{youth_id}/guardians",
        content="name=Eve&custody=joint",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 403
    assert people.get(f"/v1/youths/{youth_id}", "anna").json()["guardians"] == []


def test_staff_cannot_open_the_review_or_the_extract(people: Api) -> None:
    anna = browser(people, "anna")
    youth_id = register(anna)
    lars = browser(people, "lars")
    assert lars.get(f"/review?youth_id={youth_id}").status_code == 403
    assert lars.get(f"/youths/{youth_id}/extract").status_code == 403


def test_extend_partly_revoke_and_annul_through_the_pages(people: Api) -> None:
    anna = browser(people, "anna")
    youth_id = register(anna)
    guardian(anna, youth_id, "Maria Andersson", custody="sole")
    (maria,) = guardian_ids(people, youth_id)
    consent_id = record_consent(anna, youth_id, maria)
    assert 'id="consent-status">gällande' in anna.last.text  # sole custody: one signature
    anna.get(f"/consents/{consent_id}/extend")
    r = anna.post(
        f"/consents/{consent_id}/extensions",
        [
            ("add.categories", "family_situation"),
            ("givers", f"guardian:{maria}"),
            ("method", "written"),
            ("form_reference", "SSPF-2026-002"),
            ("obtained_at", "2026-03-02T08:45"),
        ],
    )
    assert r.status_code == 200, r.text
    scope = people.get(f"/v1/consents/{consent_id}", "anna").json()["scope"]
    assert "family_situation" in scope["categories"]
    anna.get(f"/consents/{consent_id}/revoke")
    r = anna.post(
        f"/consents/{consent_id}/revocations",
        [
            ("kind", "partial"),
            ("remove.categories", "family_situation"),
            ("revoked_by", f"guardian:{maria}"),
            ("communicated", "written"),
            ("effective_at", "2026-03-02T08:50"),
        ],
    )
    assert r.status_code == 200, r.text
    assert 'id="consent-status">delvis återkallat' in r.text
    assert 'class="tl-bar narrowed"' in anna.get(f"/youths/{youth_id}").text
    # separation of duties: who registered it may not annul it; another coordinator may
    anna.get(f"/consents/{consent_id}/annul")
    r = anna.post(f"/consents/{consent_id}/annulments", {"reason": "fel ungdom"})
    assert r.status_code == 403
    people.token("bo", "soc-orebro", "coordinator")
    bo = browser(people, "bo")
    bo.get(f"/consents/{consent_id}/annul")
    r = bo.post(f"/consents/{consent_id}/annulments", {"reason": ""})
    assert r.status_code == 422 and 'id="reason-error"' in r.text
    r = bo.post(f"/consents/{consent_id}/annulments", {"reason": "fel ungdom"})
    assert r.status_code == 200 and 'id="consent-status">upphävt' in r.text


def test_a_partial_revocation_that_removes_nothing_is_refused_beside_the_field(
    people: Api,
) -> None:
    anna = browser(people, "anna")
    youth_id = register(anna)
    guardian(anna, youth_id, "Maria Andersson", custody="sole")
    (maria,) = guardian_ids(people, youth_id)
    consent_id = record_consent(anna, youth_id, maria)
    anna.get(f"/consents/{consent_id}/revoke")
    r = anna.post(
        f"/consents/{consent_id}/revocations",
        [
            ("kind", "partial"),
            ("revoked_by", f"guardian:{maria}"),
            ("communicated", "written"),
            ("notes", "Samtal <i>i dag</i>"),
            ("effective_at", "2026-03-02T08:50"),
        ],
    )
    assert r.status_code == 422
    assert "a partial revocation names what it removes" in r.text
    assert "Samtal &lt;i&gt;i dag&lt;/i&gt;" in r.text  # kept and escaped
    assert people.get(f"/v1/consents/{consent_id}", "anna").json()["status"] == "active"


def test_a_form_posted_twice_records_once(people: Api) -> None:
    """A double click or a reload: the form's own key is the command's Idempotency-Key."""
    anna = browser(people, "anna")
    youth_id = register(anna)
    guardian(anna, youth_id, "Maria Andersson", custody="sole")
    (maria,) = guardian_ids(people, youth_id)
    form_page = anna.get(f"/youths/{youth_id}/consents/new").text
    key = re.search(r'name="form_key" value="([^"]+)"', form_page)
    assert key
    fields = [
        ("form_key", key.group(1)),
        ("givers", f"guardian:{maria}"),
        ("method", "written"),
        ("form_reference", "SSPF-2026-001"),
        ("obtained_at", "2026-03-02T08:30"),
        *SCOPE,
    ]
    first = anna.post(f"/youths/{youth_id}/consents", fields)
    anna.last = type("Shown", (), {"text": form_page})()  # post again from the same page
    second = anna.post(f"/youths/{youth_id}/consents", fields)
    assert first.url == second.url
    assert len(people.get(f"/v1/consents?youth_id={youth_id}", "anna").json()["items"]) == 1


def test_an_auditor_reads_the_overview_review_and_integrity_but_has_no_worklist(
    people: Api,
) -> None:
    anna = browser(people, "anna")
    youth_id = register(anna)
    ida = browser(people, "ida")
    assert str(ida.last.url).endswith("/review")
    assert ida.get(f"/youths/{youth_id}").status_code == 200
    assert "Registrera samtycke" not in ida.last.text  # no coordinator's links
    r = ida.get(f"/review?youth_id={youth_id}")
    assert r.status_code == 200 and "Fynd" in r.text
    assert ida.get(f"/integrity?youth_id={youth_id}").status_code == 200
    assert ida.get("/worklist").status_code == 403
    assert ida.get(f"/youths/{youth_id}/consents/new").status_code == 403


def test_the_consents_page_leads_to_the_persons_receipt(people: Api) -> None:
    """Issue 17: the receipt is "reachable from the consent's page"; a printable page the person
    can keep, from the same use case as GET /v1/consents/{id}/receipt."""
    anna = browser(people, "anna")
    youth_id = register(anna)
    guardian(anna, youth_id, "Maria Andersson", custody="sole")
    (maria,) = guardian_ids(people, youth_id)
    consent_id = record_consent(anna, youth_id, maria)
    assert f'href="/consents/{consent_id}/receipt"' in anna.last.text
    r = anna.get(f"/consents/{consent_id}/receipt")
    assert r.status_code == 200, r.text
    assert "Kvitto på ditt samtycke" in r.text and consent_id in r.text
    assert r.headers["cache-control"] == "no-store"
    lars = browser(people, "lars")
    assert lars.get(f"/consents/{consent_id}/receipt").status_code == 403
