"""Ledger time on the stores several servers share (SQLite file, PostgreSQL): recorded time follows
log order whatever clock a writer read, and a decision's known_at is never earlier than a fact it
rests on. Two ledgers on one store stand for two servers, the second one's clock behind the first
(issue 10; API.md "Additions of version 1.1", ledger time)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ledger.service import Ledger
from ledger.store.integrity_sql import IntegritySql
from ledger.timeutil import iso, unstamp
from projections.audit import trail_page
from tests.conftest import Clock, StoreUnderTest
from tests.integration.test_integrity import service_for, tree_size
from tests.integration.test_scenarios import (
    COORD,
    STAFF,
    active_consent,
    disclosure,
    register_agencies,
    register_family,
    revoke,
)

SHARED_STORES = pytest.mark.parametrize("store", ["sqlite", "postgres"], indirect=True)
SKEW = timedelta(seconds=2)


class Behind:
    """The clock of a second server, SKEW behind the first one's."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def __call__(self) -> Any:
        return self.clock() - SKEW


def log_times(ledger: Ledger) -> list[str]:
    rows = IntegritySql(ledger.database).entries(0, tree_size(ledger))
    return [row.recorded_at for row in rows]


def assert_never_runs_back(ledger: Ledger) -> None:
    times = log_times(ledger)
    assert times == sorted(times), "recorded time runs back along the log"


@SHARED_STORES
def test_a_disclosure_by_a_server_whose_clock_is_behind_is_refused_after_a_revocation(
    store: StoreUnderTest, clock: Clock
) -> None:
    first = store.open()
    register_agencies(first)
    family = register_family(first)
    consent_id = active_consent(first, family)
    clock.advance(minutes=5)
    assert revoke(first, family, consent_id)[0] == 201
    revoked_at = first.read_consent(COORD, consent_id)["history"][-1]["recorded_at"]

    second = store.open(clock=Behind(clock))
    status, refused = second.disclose(STAFF, disclosure(family))

    # The second server's clock reads two seconds before the revocation was recorded; its
    # decision is still made as of everything it loaded, so the revocation counts.
    assert status == 403
    assert {r["code"] for r in refused["decision"]["reasons"]} == {"CONSENT_REVOKED"}
    assert refused["decision"]["known_at"] >= revoked_at
    assert_never_runs_back(first)


@SHARED_STORES
def test_an_event_written_with_an_earlier_clock_takes_the_time_of_its_place_in_the_log(
    store: StoreUnderTest, clock: Clock
) -> None:
    first = store.open()
    register_agencies(first)
    ahead = register_family(first, name="Först")
    second = store.open(clock=Behind(clock))
    behind = register_family(second, name="Sedan")

    times = log_times(first)
    assert times == sorted(times)
    # What the stored event carries is what the log's leaf commits to: every reader sees the
    # youth registered at the time of its place, not at the clock its server read.
    registered = first.read_youth(COORD, behind.youth_id)["registered_at"]
    positions = first.positions(first.youth(behind.youth_id).id)
    assert unstamp(times[positions[1]]) == first.youth(behind.youth_id).created_on
    assert registered == iso(unstamp(times[positions[1]]))
    assert registered >= first.read_youth(COORD, ahead.youth_id)["registered_at"]
    report = service_for(first, clock).verify()
    assert report.ok, report.problem


@SHARED_STORES
def test_an_answer_rendered_after_the_save_shows_the_time_the_log_holds(
    store: StoreUnderTest, clock: Clock
) -> None:
    first = store.open()
    register_agencies(first)
    family = register_family(first)
    consent_id = active_consent(first, family)
    second = store.open(clock=Behind(clock))
    status, answer = revoke(second, family, consent_id)

    assert status == 201
    assert answer["status"] == "revoked"  # as of the revocation's own recorded time
    assert answer["history"][-1]["recorded_at"] == iso(unstamp(log_times(first)[-1]))
    assert_never_runs_back(first)


@SHARED_STORES
def test_a_logged_check_names_the_version_and_the_moment_it_was_answered_on(
    store: StoreUnderTest, clock: Clock
) -> None:
    first = store.open()
    register_agencies(first)
    family = register_family(first)
    active_consent(first, family)
    youth = first.youth(family.youth_id)
    second = store.open(clock=Behind(clock))
    question = {
        "from_agency": "skola-x",
        "to_agency": "soc-orebro",
        "youth_id": family.youth_id,
        "category": "school_attendance",
        "purpose": "crime_prevention",
        "situation": "network_meeting",
    }
    answer = second.check(STAFF, question)

    assert answer["allowed"] is True
    assert answer["known_at"] >= iso(youth.modified_on)
    trail = trail_page(second, actor_id=STAFF.actor.actor_id)["items"]
    (logged,) = [entry for entry in trail if entry["type"] == "access.decision_check"]
    assert logged["details"]["youth_version"] == youth.version
    assert logged["details"]["known_at"] == answer["known_at"]
