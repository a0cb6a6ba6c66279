"""The timeline's geometry (api/web/timeline.py) from the API's own views: bars over validity,
pending then holding, narrowed after a partial revocation, cut at a revocation, an annulment
or the 18th birthday; marks by basis and outcome; every item says what it is."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from api.web.timeline import build

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
YOUTH = {"birth_date": "2009-01-20", "registered_at": "2026-06-01T08:00:00+00:00"}


def consent(status: str, history: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    return {
        "id": "c1",
        "status": status,
        "valid_from": "2026-07-01T08:00:00+00:00",
        "valid_until": None,
        "lapses_at": None,
        "annulled": status == "annulled",
        "scope": {"categories": ["school_attendance"]},
        "history": history,
        **kw,
    }


def event(kind: str, at: str) -> dict[str, Any]:
    return {"type": kind, "occurred_at": at, "recorded_at": at}


def disclosure(status: str, basis: str, retrospective: bool = False) -> dict[str, Any]:
    return {
        "occurred_at": "2026-10-01T08:00:00+00:00",
        "from_agency": "skola-x",
        "to_agencies": ["soc-orebro"],
        "categories": ["school_attendance"],
        "status": status,
        "basis": {"kind": basis},
        "retrospective": retrospective,
    }


def shapes(item: Any) -> list[str]:
    return [s["class"] for s in item.shapes]


def test_a_revoked_consent_is_cut_where_it_was_revoked() -> None:
    c = consent(
        "revoked",
        [
            event("granted", "2026-07-01T08:00:00+00:00"),
            event("revoked", "2026-09-01T08:00:00+00:00"),
        ],
    )
    tl = build(YOUTH, [c], [], NOW, "sv")
    (item,) = tl.items
    assert "tl-cut" in shapes(item)
    bar = next(s for s in item.shapes if s["class"] == "tl-bar ")
    cut = next(s for s in item.shapes if s["class"] == "tl-cut")
    assert abs(bar["x"] + bar["w"] - cut["x1"]) < 0.5  # the bar ends at the cut
    assert "återkallat" in item.desc and item.href == "/consents/c1"


def test_a_pending_consent_is_yellow_until_the_last_signature() -> None:
    c = consent(
        "active",
        [
            event("granted", "2026-07-01T08:00:00+00:00"),
            event("signed", "2026-08-01T08:00:00+00:00"),
        ],
    )
    (item,) = build(YOUTH, [c], [], NOW, "sv").items
    assert shapes(item)[:2] == ["tl-bar pending", "tl-bar "]
    still = consent("pending", [event("granted", "2026-07-01T08:00:00+00:00")])
    (item,) = build(YOUTH, [still], [], NOW, "sv").items
    assert shapes(item) == ["tl-bar pending"]


def test_a_partial_revocation_narrows_the_bar() -> None:
    c = consent(
        "partially_revoked",
        [
            event("granted", "2026-07-01T08:00:00+00:00"),
            event("partially_revoked", "2026-09-01T08:00:00+00:00"),
        ],
    )
    (item,) = build(YOUTH, [c], [], NOW, "en").items
    narrowed = next(s for s in item.shapes if "narrowed" in s["class"])
    full = next(s for s in item.shapes if s["class"] == "tl-bar ")
    assert narrowed["h"] < full["h"] and "tl-cut" not in shapes(item)
    assert "partially revoked 2026-09-01" in item.desc


def test_an_annulled_consent_never_held_and_a_lapsed_one_is_cut_at_18() -> None:
    annulled = consent(
        "annulled",
        [
            event("granted", "2026-07-01T08:00:00+00:00"),
            event("annulled", "2026-08-01T08:00:00+00:00"),
        ],
    )
    (item,) = build(YOUTH, [annulled], [], NOW, "sv").items
    assert not any(c in ("tl-bar ", "tl-bar pending") for c in shapes(item))
    lapsing = consent(
        "active",
        [event("granted", "2026-07-01T08:00:00+00:00")],
        lapses_at="2027-01-19T23:00:00+00:00",
    )
    tl = build(YOUTH, [lapsing], [], NOW, "sv")
    cut = next(s for s in tl.items[0].shapes if s["class"] == "tl-cut")
    eighteen = next(line for line in tl.lines if line["class"] == "tl-18")
    assert abs(cut["x1"] - eighteen["x"]) < 1  # cut at the birthday line
    assert "2027-01-20" in eighteen["label"]


def test_marks_tell_basis_outcome_and_afterwards_apart() -> None:
    tl = build(
        YOUTH,
        [],
        [
            disclosure("recorded", "consent"),
            disclosure("recorded", "statutory"),
            disclosure("refused", "consent"),
            disclosure("recorded", "consent", retrospective=True),
        ],
        NOW,
        "sv",
    )
    kinds = [(s["el"], s["class"]) for item in tl.items for s in item.shapes]
    assert kinds == [
        ("circle", "tl-mark consent"),
        ("polygon", "tl-mark statutory"),
        ("rect", "tl-mark refused"),
        ("circle", "tl-mark consent retro"),
    ]
    descs = [item.desc for item in tl.items]
    assert "Utfall: stoppat" in descs[2] and "dokumenterat i efterhand" in descs[3]
    assert all(item.href is None for item in tl.items)  # marks are focusable groups
