"""The Lou example of seed 003 end to end (issue 14, item 8), over HTTP on a SQLite file and on
PostgreSQL: the school refers Lou (14) to SSPF after the police's earlier report of concern; the
coordinator Anja tells Lou and the guardians what SSPF is and obtains their consent on a form
("Samtyckesblanketten är utformad så att det tydligt framgår vad samtycket omfattar"), adapted to
Lou's intellectual disability, with Lou asked for their view ("Lou tillfrågas om sina intressen och
sin inställning"); a first SSPF meeting of the agencies' managers; the network meeting where "Vid
mötet tillämpas det samtycke till informationsutbyte som skrivits på igen och alla närvarande
berättar om sin bild av Lou"; a follow-up meeting. The review and the register extract (Lou's and
the guardians') then read as a JO investigator would want them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Clock
from tests.e2e.conftest import Api, api_on_store, personal_number

AGENCIES = [
    ("soc-lou", "Socialtjänsten i Lous kommun", "social_services", "212000-0001"),
    ("polis-lou", "Polisen, lokalpolisområdet", "police", "202100-0076"),
    ("skola-lou", "Lous skola", "school", "212000-0001"),
    ("fritid-lou", "Fritidsgården", "leisure", "212000-0001"),
]
FOUR = [a for a, *_ in AGENCIES]
FORM_TEXT = (
    "Samtycke till informationsutbyte inom SSPF (skola, socialtjänst, polis, fritid).\n"
    "Uppgifter om skolnärvaro och skolresultat, socialtjänstens utredning, polisiära händelser, "
    "missbruk, fritidsaktiviteter och åtgärdsplanen får lämnas mellan de fyra aktörerna vid "
    "nätverksmöten och uppföljning av åtgärdsplanen, för att planera stöd och förebygga brott.\n"
    "Samtycket kan när som helst återkallas, helt eller delvis."
)


@pytest.fixture(params=["sqlite", "postgres"])
def lou_api(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Iterator[Api]:
    with api_on_store(request.param, tmp_path, clock) as api:
        for agency_id, name, kind, org in AGENCIES:
            body = {
                "id": agency_id,
                "name": name,
                "kind": kind,
                "org_number": org,
                "dpo_contact": f"dataskyddsombud@{agency_id}.example",
            }
            assert api.post("/v1/agencies", body).status_code == 201
        api.token("anja", "soc-lou", "coordinator")
        api.token("rektor", "skola-lou", "staff")
        api.token("polisen", "polis-lou", "staff")
        api.token("handlaggare", "soc-lou", "staff")
        api.token("fritidsledare", "fritid-lou", "staff")
        api.token("jo", "soc-lou", "auditor")
        yield api


def ok(r: Any, status: int = 201) -> dict[str, Any]:
    assert r.status_code == status, r.text
    return dict(r.json())


def at_meeting(api: Api, who: str, meeting: str, youth: str, **over: Any) -> str:
    body: dict[str, Any] = {
        "youth_id": youth,
        "purpose": "support_planning",
        "situation": "network_meeting",
        "retrospective": True,
        "meeting_id": meeting,
    }
    body.update(over)
    return str(ok(api.post("/v1/disclosures", body, who))["id"])


def test_lou_from_referral_to_follow_up_reads_as_a_jo_investigator_wants(lou_api: Api) -> None:
    api = lou_api
    clock = api.clock
    lou = ok(
        api.post(
            "/v1/youths",
            {"personal_number": personal_number("20120110", "234"), "name": "Lou Berg"},
            "anja",
        )
    )["id"]
    mother = ok(
        api.post(f"/v1/youths/{lou}/guardians", {"name": "Sara Berg", "custody": "joint"}, "anja")
    )["guardian_id"]
    father = ok(
        api.post(f"/v1/youths/{lou}/guardians", {"name": "Ali Berg", "custody": "joint"}, "anja")
    )["guardian_id"]

    # "Tidigare har polisen gjort en orosanmälan avseende Lou till socialtjänsten"
    report = ok(
        api.post(
            "/v1/disclosures",
            {
                "from_agency": "polis-lou",
                "to_agencies": ["soc-lou"],
                "youth_id": lou,
                "categories": ["police_incidents"],
                "purpose": "support_planning",
                "channel": "written",
                "basis": {"kind": "statutory", "provision": "report-of-concern"},
            },
            "polisen",
        )
    )["id"]
    clock.advance(days=14)

    # The school refers Lou to SSPF; Anja opens the case and registers the consent form.
    case_id = ok(
        api.post("/v1/cases", {"youth_id": lou, "form": "SSPF", "agencies": FOUR}, "anja")
    )["id"]
    form = ok(
        api.post(
            "/v1/consent-forms",
            {"name": "SSPF samtycke", "version": "2026-1", "text": FORM_TEXT},
            "anja",
        )
    )
    clock.advance(days=2)

    # "kontaktar därefter Lou och hens vårdnadshavare för att dels berätta vad SSPF är, dels
    # inhämta samtycke"; Lou has an intellectual disability, so the information is adapted.
    granted = ok(
        api.post(
            "/v1/consents",
            {
                "youth_id": lou,
                "case_id": case_id,
                "givers": [
                    {"party": "guardian", "guardian_id": mother},
                    {"party": "guardian", "guardian_id": father},
                    {"party": "youth"},
                ],
                "method": "written",
                "form_id": form["id"],
                "form_reference": "SSPF-2026-014",
                "copy_given": True,
                "scope": {
                    "agencies": FOUR,
                    "categories": [
                        "school_attendance",
                        "school_performance_support",
                        "social_services_assessment",
                        "police_incidents",
                        "substance_use",
                        "leisure_activities",
                        "action_plan",
                    ],
                    "purposes": ["support_planning", "crime_prevention"],
                    "situations": ["network_meeting", "action_plan_follow_up"],
                },
                "information_given": {
                    "purpose": True,
                    "recipients": True,
                    "right_to_revoke": True,
                    "how": "both",
                    "notes": "Anja gick igenom blanketten med bildstöd hemma hos familjen.",
                },
                "adaptations": {"communication_support": True, "easy_read": True},
                "child_view": "Lou vill ha hjälp med skolan och vill vara med på mötena.",
                "obtained_at": clock.now.isoformat(),
            },
            "anja",
        )
    )
    consent = granted["id"]
    assert granted["status"] == "active" and granted["warnings"] == []
    clock.advance(days=3)

    # "hålls ett första SSPF-möte med chefer för Lous skola, socialtjänst, polis och den lokala
    # fritidsgården"
    managers = ok(
        api.post(
            f"/v1/cases/{case_id}/meetings",
            {
                "held_at": clock.now.isoformat(),
                "channel": "in_person",
                "agencies": FOUR,
                "consent_ids": [consent],
                "notes": "Beslut att gå vidare till nästa steg i SSPF.",
            },
            "anja",
        )
    )["id"]
    clock.advance(days=7)
    held = clock.now.isoformat()
    clock.advance(hours=3)

    # The network meeting: Lou and the parents are there; everyone tells their picture of Lou.
    network = ok(
        api.post(
            f"/v1/cases/{case_id}/meetings",
            {
                "held_at": held,
                "channel": "in_person",
                "agencies": FOUR,
                "youth_present": True,
                "guardians_present": [mother, father],
                "others_present": ["Mentorn på skolan", "Fritidsledaren"],
                "consent_ids": [consent],
                "notes": "Åtgärdsplan togs fram; Lou tillfrågades om sina intressen.",
            },
            "anja",
        )
    )["id"]
    told = {
        at_meeting(
            api,
            "rektor",
            network,
            lou,
            from_agency="skola-lou",
            to_agencies=["soc-lou", "polis-lou", "fritid-lou"],
            categories=["school_attendance"],
        ): "skola-lou",
        at_meeting(
            api,
            "polisen",
            network,
            lou,
            from_agency="polis-lou",
            to_agencies=["soc-lou", "skola-lou", "fritid-lou"],
            categories=["police_incidents"],
            purpose="crime_prevention",
        ): "polis-lou",
        at_meeting(
            api,
            "handlaggare",
            network,
            lou,
            from_agency="soc-lou",
            to_agencies=["skola-lou", "polis-lou", "fritid-lou"],
            categories=["substance_use"],
        ): "soc-lou",
        at_meeting(
            api,
            "fritidsledare",
            network,
            lou,
            from_agency="fritid-lou",
            to_agencies=["soc-lou", "skola-lou", "polis-lou"],
            categories=["leisure_activities"],
        ): "fritid-lou",
    }
    clock.advance(days=30)

    # A follow-up meeting; social services tells the school how the treatment goes, which Lou
    # does not want the parents to know: a secrecy decision towards the guardians.
    follow_up = ok(
        api.post(
            f"/v1/cases/{case_id}/meetings",
            {
                "held_at": clock.now.isoformat(),
                "channel": "video",
                "agencies": ["soc-lou", "skola-lou"],
                "youth_present": True,
                "consent_ids": [consent],
            },
            "anja",
        )
    )["id"]
    treatment = at_meeting(
        api,
        "handlaggare",
        follow_up,
        lou,
        from_agency="soc-lou",
        to_agencies=["skola-lou"],
        categories=["substance_use"],
        situation="action_plan_follow_up",
    )
    ok(
        api.post(
            f"/v1/youths/{lou}/secrecy-decisions",
            {
                "item_kind": "disclosure",
                "item_id": treatment,
                "audience": "guardians",
                "provision": "osl-12-3-2",
                "decided_by": "anja",
                "decided_at": clock.now.isoformat(),
                "notes": "Lou riskerar betydande men om föräldrarna får veta.",
            },
            "anja",
        )
    )

    # -- the review, as the investigator reads it ------------------------------------------
    review = ok(api.post("/v1/reviews", {"youth_id": lou}, "jo"), 200)
    assert review["findings"] == []  # every disclosure rested on a consent or a provision
    assert {d["id"] for d in review["disclosures"]} == {report, treatment, *told}
    meetings = {m["id"]: m for m in review["meetings"]}
    assert list(meetings) == [managers, network, follow_up]
    assert meetings[managers]["received"] == []
    received = meetings[network]["received"]
    assert {r["disclosure_id"]: r["from_agency"] for r in received} == told
    assert meetings[network]["youth_present"] is True
    assert meetings[network]["guardians_present"] == [mother, father]
    assert all(m["consent_ids"] == [consent] and m["findings"] == [] for m in meetings.values())
    assert review["forms"][form["id"]]["text"] == FORM_TEXT
    page = api.post("/v1/reviews", {"youth_id": lou}, "jo", headers={"Accept": "text/html"}).text
    assert "Nätverksmöten" in page and network in page and "skola-lou → " in page
    assert "Samtyckesblanketter" in page and form["sha256"] in page
    read = ok(api.get(f"/v1/consents/{consent}", "jo"), 200)
    assert read["form_sha256"] == form["sha256"]
    assert read["information_given"]["right_to_revoke"] is True
    assert read["adaptations"]["easy_read"] is True
    assert read["child_asked"] is True and read["child_view"].startswith("Lou vill")

    # -- Lou's register extract ------------------------------------------------------------
    mine = ok(api.get(f"/v1/youths/{lou}/register-extract", "anja"), 200)
    assert [c["given_as_sv"] for c in mine["consents"]] == ["Ditt och vårdnadshavarnas samtycke"]
    shown = {d["id"]: d for d in mine["disclosures"]}
    assert shown[report]["from_agency"] is None and shown[report]["reporter_withheld"] is True
    assert treatment in shown  # withheld from the guardians only
    assert [m["id"] for m in mine["meetings"]] == [managers, network, follow_up]
    controllers = {c["agency_id"]: c for c in mine["gdpr"]["controllers"]}
    assert set(controllers) == set(FOUR)
    assert controllers["polis-lou"]["org_number"] == "202100-0076"
    assert "IMY" in mine["gdpr"]["rights"]["complaint_sv"]
    assert mine["gdpr"]["retention"]["disposal_date"] is None  # the case is open
    assert mine["consents"][0]["information_given"]["recipients"] is True
    html = api.get(
        f"/v1/youths/{lou}/register-extract", "anja", headers={"Accept": "text/html"}
    ).text
    assert "Ditt och vårdnadshavarnas samtycke" in html
    assert "Uppgift om vem som anmälde lämnas inte ut (sekretess)" in html
    assert "Nätverksmöten" in html and "du var med" in html
    assert "Lou vill ha hjälp med skolan" in html and "lättläst material" in html

    # -- the guardians' register extract ---------------------------------------------------
    theirs = ok(api.get(f"/v1/youths/{lou}/register-extract?audience=guardians", "anja"), 200)
    assert [c["given_as_sv"] for c in theirs["consents"]] == [
        "Den unges och vårdnadshavarnas samtycke"
    ]
    assert treatment not in {d["id"] for d in theirs["disclosures"]}
    assert theirs["withheld"]["items"] == 1 and "överklaga" in theirs["withheld"]["notice_sv"]
    assert treatment not in theirs["meetings"][2]["disclosure_ids"]
    html = api.get(
        f"/v1/youths/{lou}/register-extract?audience=guardians",
        "anja",
        headers={"Accept": "text/html"},
    ).text
    assert "Den unges och vårdnadshavarnas samtycke" in html and "överklaga" in html
    assert "uppgifter som har delats om ditt barn" in html
    assert "Ditt samtycke" not in html
