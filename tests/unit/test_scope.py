"""What a consent covers, and how a partial revocation narrows it and an extension widens it.

Agencies: `soc` social services, `pol` police, `sko` school, `fri` leisure. A direction is written
`soc>pol`. Every row starts from a granted scope, applies changes in order (`+` an extension, `-` a
partial revocation) and says what the result covers and what it does not.
"""

from __future__ import annotations

from typing import Any

import pytest

from ledger.scope import Scope

BASE: dict[str, Any] = {
    "agencies": ["soc", "pol", "sko"],
    "categories": ["school_attendance", "police_incidents"],
    "purposes": ["crime_prevention"],
}


def pairs(*arrows: str) -> list[dict[str, str]]:
    return [{"from": a.split(">")[0], "to": a.split(">")[1]} for a in arrows]


def scope(**override: Any) -> dict[str, Any]:
    return {**BASE, **override}


def apply(raw: dict[str, Any], changes: list[tuple[str, dict[str, Any]]]) -> Scope:
    s = Scope.from_json(raw)
    for sign, part in changes:
        s = s.widened(part) if sign == "+" else s.narrowed(part)
    return s


def covers(s: Scope, claim: str) -> bool:
    """`soc>pol`, `category:x`, `purpose:x`, `situation:x`."""
    if ">" in claim:
        a, b = claim.split(">")
        return s.covers_direction(a, b)
    kind, item = claim.split(":")
    if kind == "category":
        return item in s.categories
    if kind == "purpose":
        return s.covers_purpose(item)
    return s.covers_situation(item)


# granted scope, changes, covered, not covered
# fmt: off
TABLE = [
    pytest.param(
        scope(), [], ["soc>pol", "pol>soc", "sko>soc", "soc>sko", "pol>sko", "sko>pol"],
        ["soc>fri", "fri>soc"],
        id="without directions every ordered pair of distinct agencies is covered",
    ),
    pytest.param(
        scope(directions=pairs("sko>soc")), [], ["sko>soc"], ["soc>sko", "pol>soc", "sko>pol"],
        id="explicit directions cover only themselves",
    ),
    pytest.param(
        scope(), [], ["purpose:crime_prevention"], ["purpose:support_planning"],
        id="named purposes restrict",
    ),
    pytest.param(
        # Seeds 000/002/003: the consent says "varför uppgifter behöver delas … i vilka
        # situationer"; one stored without them covers none (issue 12, item 2).
        scope(purposes=[]), [], [], ["purpose:crime_prevention", "purpose:support_planning"],
        id="no purposes named: no purpose",
    ),
    pytest.param(
        scope(), [], [], ["situation:network_meeting", "situation:coordination"],
        id="no situations named: no situation",
    ),
    pytest.param(
        scope(situations=["network_meeting"]), [], ["situation:network_meeting"],
        ["situation:coordination"], id="named situations restrict",
    ),
    # narrowing: a partial revocation
    pytest.param(
        scope(), [("-", {"agencies": ["pol"]})], ["soc>sko", "sko>soc"],
        ["soc>pol", "pol>soc", "pol>sko"], id="removing an agency removes every pair with it",
    ),
    pytest.param(
        scope(), [("-", {"directions": pairs("soc>pol")})],
        ["pol>soc", "soc>sko", "sko>pol"], ["soc>pol"],
        id="removing one direction keeps the reverse and the other pairs",
    ),
    pytest.param(
        scope(directions=pairs("sko>soc", "soc>pol")), [("-", {"agencies": ["pol"]})],
        ["sko>soc"], ["soc>pol"], id="removing an agency drops its explicit directions",
    ),
    pytest.param(
        scope(), [("-", {"categories": ["police_incidents"]})], ["category:school_attendance"],
        ["category:police_incidents"], id="removing a category",
    ),
    pytest.param(
        scope(purposes=["crime_prevention", "support_planning"]),
        [("-", {"purposes": ["crime_prevention"]})], ["purpose:support_planning"],
        ["purpose:crime_prevention"], id="removing a named purpose",
    ),
    pytest.param(
        scope(purposes=[]), [("-", {"purposes": ["crime_prevention"]})],
        [], ["purpose:support_planning", "purpose:crime_prevention"],
        id="removing a purpose from a consent naming none still covers none",
    ),
    pytest.param(
        scope(), [("-", {"situations": ["network_meeting"]})], [],
        ["situation:network_meeting", "situation:coordination"],
        id="removing a situation from a consent naming none still covers none",
    ),
    pytest.param(
        scope(), [("-", {"purposes": ["crime_prevention"]})], [], ["purpose:crime_prevention"],
        id="removing the only named purpose covers no purpose, not every purpose",
    ),
    # widening: an affirmed extension
    pytest.param(
        scope(), [("+", {"agencies": ["fri"]})], ["soc>fri", "fri>pol", "soc>pol"], [],
        id="adding an agency without directions adds every pair with it",
    ),
    pytest.param(
        scope(directions=pairs("sko>soc")), [("+", {"agencies": ["fri"]})], ["sko>soc"],
        ["sko>fri", "fri>soc"], id="adding an agency to explicit directions adds no direction",
    ),
    pytest.param(
        scope(directions=pairs("sko>soc")),
        [("+", {"agencies": ["fri"], "directions": pairs("fri>soc")})], ["sko>soc", "fri>soc"],
        ["soc>fri"], id="adding an agency with its direction",
    ),
    pytest.param(
        scope(), [("+", {"categories": ["family_situation"]})],
        ["category:family_situation", "category:school_attendance"], [],
        id="adding a category",
    ),
    pytest.param(
        scope(), [("+", {"purposes": ["support_planning"]})],
        ["purpose:crime_prevention", "purpose:support_planning"], ["purpose:exit_support"],
        id="adding a purpose to named purposes",
    ),
    pytest.param(
        scope(situations=["network_meeting"]), [("+", {"situations": ["coordination"]})],
        ["situation:network_meeting", "situation:coordination"],
        ["situation:action_plan_follow_up"], id="adding a situation",
    ),
    # narrowing and widening in turn
    pytest.param(
        scope(), [("-", {"agencies": ["pol"]}), ("+", {"agencies": ["pol"]})],
        ["soc>pol", "pol>sko"], [], id="an agency removed and added back is covered again",
    ),
    pytest.param(
        scope(), [("-", {"directions": pairs("soc>pol")}), ("+", {"agencies": ["fri"]})],
        ["pol>soc", "soc>sko"], ["soc>pol", "soc>fri", "fri>soc"],
        id="after a direction is removed, a new agency needs its own directions",
    ),
    pytest.param(
        scope(), [("-", {"directions": pairs("soc>pol")}), ("+", {"directions": pairs("soc>pol")})],
        ["soc>pol", "pol>soc"], [], id="a removed direction added back",
    ),
    pytest.param(
        scope(purposes=[]),
        [("-", {"purposes": ["crime_prevention"]}), ("+", {"purposes": ["crime_prevention"]})],
        ["purpose:crime_prevention"], ["purpose:support_planning"],
        id="an affirmed extension names the first purpose of a consent that named none",
    ),
    pytest.param(
        scope(), [("-", {"categories": ["school_attendance", "police_incidents"]})], [],
        ["category:school_attendance", "category:police_incidents"],
        id="every category removed: no category is covered",
    ),
]
# fmt: on


@pytest.mark.parametrize(("granted", "changes", "covered", "not_covered"), TABLE)
def test_what_a_scope_covers_after_its_changes(
    granted: dict[str, Any],
    changes: list[tuple[str, dict[str, Any]]],
    covered: list[str],
    not_covered: list[str],
) -> None:
    s = apply(granted, changes)
    assert [c for c in covered if not covers(s, c)] == []
    assert [c for c in not_covered if covers(s, c)] == []


# granted scope, changes, expected JSON of the scope
JSON_TABLE = [
    pytest.param(
        scope(),
        [],
        {
            "agencies": ["pol", "sko", "soc"],
            "directions": None,
            "categories": ["police_incidents", "school_attendance"],
            "purposes": ["crime_prevention"],
            "situations": None,
        },
        id="a granted scope reads back sorted, with absent directions and situations as null",
    ),
    pytest.param(
        scope(agencies=["soc", "pol"]),
        [("-", {"directions": pairs("soc>pol")})],
        {
            "agencies": ["pol", "soc"],
            "directions": [{"from": "pol", "to": "soc"}],
            "categories": ["police_incidents", "school_attendance"],
            "purposes": ["crime_prevention"],
            "situations": None,
        },
        id="removing a direction makes the remaining directions explicit",
    ),
    pytest.param(
        scope(purposes=[]),
        [("-", {"purposes": ["crime_prevention"], "situations": ["network_meeting"]})],
        {
            "agencies": ["pol", "sko", "soc"],
            "directions": None,
            "categories": ["police_incidents", "school_attendance"],
            "purposes": {"except": ["crime_prevention"]},
            "situations": {"except": ["network_meeting"]},
        },
        id="what was removed from 'any' reads back as an exception",
    ),
]


@pytest.mark.parametrize(("granted", "changes", "expected"), JSON_TABLE)
def test_a_scope_reads_back_as_json(
    granted: dict[str, Any], changes: list[tuple[str, dict[str, Any]]], expected: dict[str, Any]
) -> None:
    assert apply(granted, changes).to_json() == expected


def test_a_scope_round_trips_through_its_json() -> None:
    raw = scope(directions=pairs("sko>soc", "soc>pol"), situations=["network_meeting"])
    s = Scope.from_json(raw)
    assert Scope.from_json(s.to_json()) == s


def test_narrowing_and_widening_leave_the_original_unchanged() -> None:
    s = Scope.from_json(scope())
    s.narrowed({"agencies": ["pol"], "categories": ["school_attendance"]})
    s.widened({"agencies": ["fri"], "purposes": ["support_planning"]})
    assert s == Scope.from_json(scope())


@pytest.mark.parametrize(
    ("raw", "first", "second", "involved"),
    [
        pytest.param(scope(), "soc", "pol", True, id="both ways without directions"),
        pytest.param(
            scope(directions=pairs("pol>soc")), "soc", "pol", True, id="one way is involvement"
        ),
        pytest.param(
            scope(directions=pairs("sko>soc")), "soc", "pol", False, id="no direction between them"
        ),
        pytest.param(scope(), "soc", "fri", False, id="an agency outside the scope"),
    ],
)
def test_a_pair_is_involved_when_either_direction_is_covered(
    raw: dict[str, Any], first: str, second: str, involved: bool
) -> None:
    assert Scope.from_json(raw).involves_pair(first, second) is involved


def test_an_agency_is_not_a_direction_to_itself() -> None:
    s = Scope.from_json(scope())
    assert ("soc", "soc") not in s.all_directions()
    assert s.covers_direction("soc", "soc") is False
