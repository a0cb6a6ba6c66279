"""POST /v1/reviews says exactly what went wrong: a partial revocation is beyond the scope and not
"after revocation", a pending consent says that it was pending and why, a late registration names
the one revocation that mattered, and every finding is a sentence, English in JSON and Swedish in
the HTML report."""

from __future__ import annotations

import csv
import html
import io
from typing import Any

import pytest

from tests.e2e.conftest import Api
from tests.e2e.test_audit_api import consent, disclose, later, past, review, revoke

NARROWINGS = [
    pytest.param({"categories": ["school_attendance"]}, "OUTSIDE_SCOPE_CATEGORY", id="category"),
    pytest.param({"agencies": ["soc-orebro"]}, "OUTSIDE_SCOPE_RECIPIENT", id="recipient"),
    pytest.param(
        {"directions": [{"from": "skola-x", "to": "soc-orebro"}]},
        "OUTSIDE_SCOPE_DIRECTION",
        id="direction",
    ),
]


def late_narrowing(api: Api, remove: dict[str, Any]) -> tuple[str, str, str]:
    """Monday the youth narrows the consent by phone, Tuesday the school discloses (allowed by
    what the ledger knew), Wednesday the narrowing is registered."""
    youth = api.youth("20060101")
    given = consent(api, youth)
    monday = later(api, hours=2)
    later(api, days=1)
    disclosure = disclose(api, youth)
    later(api, days=1)
    revoke(api, given, monday, kind="partial", remove=remove)
    return youth, given, disclosure


@pytest.mark.parametrize(("remove", "code"), NARROWINGS)
def test_sharing_after_a_known_partial_revocation_is_outside_scope(
    api: Api, remove: dict[str, Any], code: str
) -> None:
    """API.md 1.1: "`AFTER_REVOCATION` is for a full revocation only; a partial one that took
    away what was disclosed is `OUTSIDE_SCOPE_CATEGORY` / `_RECIPIENT` / `_DIRECTION`"."""
    api.agencies()
    youth = api.youth("20060101")
    given = consent(api, youth)
    revoke(api, given, later(api, hours=1), kind="partial", remove=remove)
    disclosure = past(api, youth, later(api, hours=1))
    report = review(api, youth_id=youth)
    assert [(f["code"], f["disclosure_id"], f["consent_id"]) for f in report["findings"]] == [
        (code, disclosure, given)
    ]
    assert "had been revoked" not in report["findings"][0]["message"]
    assert report["summary"]["by_code"] == {code: 1}


@pytest.mark.parametrize(("remove", "code"), NARROWINGS)
def test_a_partial_revocation_registered_late_is_outside_scope_and_registered_late(
    api: Api, remove: dict[str, Any], code: str
) -> None:
    """API.md 1.1 (OUTSIDE_SCOPE_* for a partial revocation) and API.md's finding
    `REVOCATION_REGISTERED_LATE`; DOMAIN.md: "Reality and the record diverge"."""
    api.agencies()
    youth, given, disclosure = late_narrowing(api, remove)
    report = review(api, youth_id=youth)
    assert report["summary"]["by_code"] == {code: 1, "REVOCATION_REGISTERED_LATE": 1}
    assert {(f["disclosure_id"], f["consent_id"]) for f in report["findings"]} == {
        (disclosure, given)
    }
    (entry,) = report["disclosures"]
    assert entry["as_recorded"]["allowed"] is True and entry["as_known_now"]["allowed"] is False
    assert sorted(entry["findings"]) == sorted([code, "REVOCATION_REGISTERED_LATE"])


def test_a_disclosure_on_a_pending_consent_is_consent_pending_and_says_why(api: Api) -> None:
    """API.md 1.1: "A disclosure on a pending consent gets `CONSENT_PENDING` as well as the
    finding that says why"; DOMAIN.md: under joint custody "one signature leaves the consent
    pending"."""
    api.agencies()
    youth = api.youth("20140101")  # 12
    mother = api.guardian(youth, "Maria")
    api.guardian(youth, "Johan")
    given = consent(api, youth, [{"party": "guardian", "guardian_id": mother}])
    disclosure = past(api, youth, later(api, hours=1))
    report = review(api, youth_id=youth)
    assert sorted((f["code"], f["disclosure_id"], f["consent_id"]) for f in report["findings"]) == [
        ("CONSENT_PENDING", disclosure, given),
        ("MISSING_GUARDIAN", disclosure, given),
    ]
    assert report["summary"]["by_severity"]["violation"] == 2


def test_registered_late_names_only_the_revocation_that_took_away_the_recipient(
    api: Api,
) -> None:
    """The issue: "`REVOCATION_REGISTERED_LATE` names the revocation that took away what the
    disclosure relied on, and only that one"."""
    api.agencies()
    youth = api.youth("20060101")
    given = consent(api, youth)
    monday = later(api, hours=2)
    later(api, days=1)
    disclose(api, youth)
    later(api, days=1)
    revoke(api, given, monday, kind="partial", remove={"categories": ["family_situation"]})
    later(api, hours=1)
    revoke(api, given, monday, kind="partial", remove={"agencies": ["soc-orebro"]})
    report = review(api, youth_id=youth)
    assert report["summary"]["by_code"] == {
        "OUTSIDE_SCOPE_RECIPIENT": 1,
        "REVOCATION_REGISTERED_LATE": 1,
    }
    late = next(f for f in report["findings"] if f["code"] == "REVOCATION_REGISTERED_LATE")
    assert "soc-orebro" in late["message"] and "family" not in late["message"].lower()


def test_findings_are_english_sentences_in_json_and_swedish_ones_in_the_html_report(
    api: Api,
) -> None:
    """The issue: "Each finding's message is a plain sentence a reviewer can quote, in English in
    JSON and in Swedish in the HTML report"; API.md: `Accept: text/html` gives the report."""
    api.agencies()
    youth, _, _ = late_narrowing(api, {"agencies": ["soc-orebro"]})
    findings = review(api, youth_id=youth)["findings"]
    for f in findings:
        assert f["message"][0].isupper() and f["message"].endswith(".")
        assert f["message_sv"][0].isupper() and f["message_sv"].endswith(".")
    page = api.post("/v1/reviews", {"youth_id": youth}, "ida", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-language"] == "sv"
    text = html.unescape(page.text)
    for f in findings:
        assert f["message_sv"] in text
        assert f["message"] not in text
    english = api.post(
        "/v1/reviews",
        {"youth_id": youth},
        "ida",
        headers={"Accept": "text/html", "Accept-Language": "en"},
    )
    assert all(f["message"] in html.unescape(english.text) for f in findings)
    exported = api.post("/v1/reviews", {"youth_id": youth}, "ida", headers={"Accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert sorted(r["message"] for r in rows) == sorted(f["message"] for f in findings)
