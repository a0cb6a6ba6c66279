"""Check before sharing: a refused question comes back with the server's message beside the
field it names (the use case's field names mapped to the form's) and nothing recorded."""

from __future__ import annotations

from tests.e2e.conftest import Api, personal_number
from tests.web.conftest import browser


def test_an_unknown_youth_and_category_are_shown_beside_their_fields(people: Api) -> None:
    lars = browser(people, "lars")
    r = lars.post(
        "/share/check",
        {
            "youth": personal_number("20100101", "999"),
            "to_agency": "soc-orebro",
            "category": "school_attendance",
        },
    )
    assert r.status_code == 422
    assert 'id="youth-error"' in r.text and "no youth with this personal number" in r.text
    youth = people.youth()
    r = lars.post("/share/check", {"youth": youth, "to_agency": "soc-orebro", "category": "bogus"})
    assert r.status_code == 422
    assert 'id="category-error"' in r.text and "unknown category bogus" in r.text
    r = lars.post(
        "/share/disclose",
        {
            "youth": youth,
            "to_agency": "soc-orebro",
            "category": "school_attendance",
            "purpose": "crime_prevention",
            "at": "not a time",
        },
    )
    assert r.status_code == 422 and 'id="at-error"' in r.text
    assert (
        people.get(f"/v1/disclosures?youth_id={youth}&include_refused=true", "anna").json()["items"]
        == []
    )


def test_a_retrospective_record_needs_when_it_happened(people: Api) -> None:
    lars = browser(people, "lars")
    youth = people.youth()
    r = lars.post(
        "/share/disclose",
        {
            "retrospective": "on",
            "youth": youth,
            "to_agency": "soc-orebro",
            "category": "school_attendance",
            "purpose": "crime_prevention",
        },
    )
    assert r.status_code == 422
    assert "is required for a disclosure that already happened" in r.text
    assert f'value="{youth}"' in r.text  # kept, in the retrospective form
