"""What an agency's change feed tells it (ledger/access.py, rule `feed.read`): consents that name
it, decided on the facts up to each event; cases it is in; disclosures it made or received; and a
consent whole only where the reader may read the youth's record."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ledger import access
from ledger.consent import Fact
from ledger.youth import Youth
from tests.unit.test_access import actor, with_case, youth_registered_by

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def fact(kind: str, agency: str = "soc-orebro", **data: Any) -> Fact:
    return Fact(kind, 1, NOW, NOW, "anna", agency, data)


GRANT = fact("granted", scope={"agencies": ["soc-orebro", "skola-x"]})
EXTENSION = fact("extended", add={"agencies": ["polis-orebro"]})
REVOCATION = fact("partially_revoked", remove={"agencies": ["skola-x"]})


def test_a_consent_is_news_to_the_agencies_its_scope_named_up_to_the_event() -> None:
    assert access.feed_knows_consent("skola-x", [GRANT])
    assert not access.feed_knows_consent("polis-orebro", [GRANT])
    assert access.feed_knows_consent("polis-orebro", [GRANT, EXTENSION])
    # Taken out of the scope, the school still hears that it was.
    assert access.feed_knows_consent("skola-x", [GRANT, REVOCATION])


def test_the_agency_that_recorded_a_consent_hears_of_it_though_the_scope_leaves_it_out() -> None:
    grant = fact("granted", "soc-malmo", scope={"agencies": ["skola-x", "polis-orebro"]})
    assert access.feed_knows_consent("soc-malmo", [grant])
    assert not access.feed_knows_consent("fritid-x", [grant])


def test_a_case_is_news_to_its_agencies() -> None:
    youth = with_case(youth_registered_by("soc-orebro"), "soc-orebro", "skola-x")
    (case,) = youth.cases.values()
    assert access.feed_knows_case("skola-x", case)
    assert not access.feed_knows_case("polis-orebro", case)


def disclosed(youth: Youth) -> Any:
    youth.record_disclosure(
        disclosure_id="d1",
        accepted=True,
        body={"from_agency": "skola-x", "to_agencies": ["soc-orebro"], "categories": []},
        actor=actor("skola-x", "staff"),
        now=NOW,
    )
    return youth.disclosures["d1"]


def test_a_disclosure_is_seen_by_its_agencies_and_the_youths_reviewers() -> None:
    youth = youth_registered_by("soc-orebro")
    d = disclosed(youth)
    assert access.feed_knows_disclosure("skola-x", d)
    assert access.feed_knows_disclosure("soc-orebro", d)
    assert not access.feed_knows_disclosure("polis-orebro", d)
    assert access.may_see_disclosure(actor("skola-x", "staff"), youth, d)
    assert access.may_see_disclosure(actor("polis-orebro", "auditor"), youth, d)
    assert not access.may_see_disclosure(actor("polis-orebro", "staff"), youth, d)
    assert not access.may_see_disclosure(actor("skola-x", "admin"), youth, d)


def test_a_consent_is_shown_whole_only_where_the_reader_may_read_the_youths_record() -> None:
    youth = with_case(youth_registered_by("soc-orebro"), "soc-orebro", "skola-x")
    assert access.feed_shows_whole_consent(actor("skola-x", "staff"), youth)
    assert access.feed_shows_whole_consent(actor("polis-orebro", "auditor"), youth)
    assert not access.feed_shows_whole_consent(actor("polis-orebro", "staff"), youth)
