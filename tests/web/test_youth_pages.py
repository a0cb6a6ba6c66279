"""Find, register, guardians and the overview with its timeline, through the pages."""

from __future__ import annotations

import re

from tests.e2e.conftest import Api, personal_number
from tests.web.conftest import Browser, browser

PNR = personal_number("20120315")


def register(b: Browser, name: str = "Kim Andersson", pnr: str = PNR) -> str:
    b.get("/youths")
    r = b.post("/youths", {"personal_number": pnr, "name": name})
    assert r.status_code == 200, r.text
    found = re.search(r"/youths/([0-9a-f-]{36})$", str(r.url))
    assert found, r.url
    return found.group(1)


def guardian(b: Browser, youth_id: str, name: str, custody: str = "joint") -> None:
    b.get(f"/youths/{youth_id}/guardians/new")
    r = b.post(f"/youths/{youth_id}/guardians", {"name": name, "custody": custody})
    assert r.status_code == 200, r.text


def test_register_find_and_add_guardians(people: Api) -> None:
    anna = browser(people, "anna")
    youth_id = register(anna)
    guardian(anna, youth_id, "Maria Andersson")
    guardian(anna, youth_id, "Jonas Andersson")
    page = anna.text()
    assert "Kim Andersson" in page and "Maria Andersson" in page and "Jonas Andersson" in page
    assert "gemensam" in page
    anna.get("/youths")
    r = anna.post("/youths/find", {"personal_number": PNR})
    assert str(r.url).endswith(f"/youths/{youth_id}")
    assert PNR not in str(r.url)
    # the same youth as the API sees it: one use case behind both
    api_view = people.get(f"/v1/youths/{youth_id}", "anna").json()
    assert [g["name"] for g in api_view["guardians"]] == ["Maria Andersson", "Jonas Andersson"]


def test_a_bad_number_is_shown_beside_the_field_and_the_name_is_kept(people: Api) -> None:
    anna = browser(people, "anna")
    anna.get("/youths")
    r = anna.post("/youths", {"personal_number": "20120315-0000", "name": "Kim <b>A</b>"})
    assert r.status_code == 422
    assert 'id="personal_number-error"' in r.text
    assert 'value="Kim &lt;b&gt;A&lt;/b&gt;"' in r.text  # kept, and escaped
    assert people.get(f"/v1/youths?personal_number={PNR}", "anna").json()["items"] == []


def test_a_second_registration_links_to_the_youth(people: Api) -> None:
    anna = browser(people, "anna")
    youth_id = register(anna)
    anna.get("/youths")
    r = anna.post("/youths", {"personal_number": PNR, "name": "Kim"})
    assert r.status_code == 409
    assert f'href="/youths/{youth_id}"' in r.text


def test_another_agency_learns_only_id_and_birth_date(people: Api) -> None:
    anna = browser(people, "anna")
    register(anna)
    olle = browser(people, "olle")  # coordinator at the school, no part in the youth
    olle.get("/youths")
    r = olle.post("/youths/find", {"personal_number": PNR})
    assert r.status_code == 200
    assert "2012-03-15" in olle.text() and "Kim Andersson" not in olle.text()


def test_staff_cannot_reach_a_coordinators_form(people: Api) -> None:
    anna = browser(people, "anna")
    youth_id = register(anna)
    lars = browser(people, "lars")
    r = lars.get(f"/youths/{youth_id}/guardians/new")
    assert r.status_code == 403
    lars.get("/youths")
    r = lars.post("/youths", {"personal_number": personal_number("20110101"), "name": "X"})
    assert r.status_code == 403
    r = lars.post(f"/youths/{youth_id}/guardians", {"name": "X", "custody": "joint"})
    assert r.status_code == 403
    assert len(people.get(f"/v1/youths/{youth_id}", "anna").json()["guardians"]) == 0


def test_the_overview_escapes_what_users_typed(people: Api) -> None:
    anna = browser(people, "anna")
    youth_id = register(anna, name='<script>alert("x")</script>')
    r = anna.get(f"/youths/{youth_id}")
    assert "<script>alert" not in r.text
    assert "&lt;script&gt;alert" in r.text


def test_a_look_up_is_a_post_and_a_bad_number_is_shown_beside_the_field(people: Api) -> None:
    anna = browser(people, "anna")
    page = anna.get("/youths").text
    assert 'action="/youths/find"' in page and 'method="post" action="/youths/find"' in page
    r = anna.post("/youths/find", {"personal_number": "12345"})
    assert r.status_code == 422 and 'id="find-pnr-error"' in r.text
    assert 'aria-describedby="find-pnr-help find-pnr-error"' in r.text
    r = anna.post("/youths/find", {"personal_number": PNR})
    assert "Ingen ungdom med det personnumret" in anna.text()
    assert f'value="{PNR}"' in r.text  # offered to the registration form


def test_a_case_opened_through_the_page_shows_on_the_overview(people: Api) -> None:
    anna = browser(people, "anna")
    youth_id = register(anna)
    anna.get(f"/youths/{youth_id}/cases/new")
    r = anna.post(
        f"/youths/{youth_id}/cases",
        [("form", "SIG"), ("agencies", "soc-orebro"), ("agencies", "polis-orebro")],
    )
    assert r.status_code == 200, r.text
    assert "Polis-Orebro" in anna.text() and "pågående" in anna.text()
    cases = people.get(f"/v1/youths/{youth_id}", "anna").json()["cases"]
    assert [c["form"] for c in cases] == ["SIG"]
    anna.get(f"/youths/{youth_id}/cases/new")
    r = anna.post(f"/youths/{youth_id}/cases", [("form", "SSPF"), ("agencies", "skola-x")])
    assert r.status_code == 422 and "must include your own agency" in r.text
