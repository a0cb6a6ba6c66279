"""The decision's fast path (`Ledger.check`) agrees with the independent reference fold of
tests/reference.py on random histories.

A history is a random sequence of coordinator commands through the use cases (guardians added and
ended, cases opened and closed, consents granted, signed, extended, partly or fully revoked and
annulled), each recorded at a non-decreasing ledger time, each taking effect at a random moment
at or before its recording. Commands the ledger refuses (Invalid, Conflict, Forbidden, ...) are
skipped. Then, for random questions at random `at` / `known_at` (biased to the moments where
things change: every recorded and effective time, the birthdays, ± 1 second), the allowed flag, the
set of reason codes and the consent ids must be the same.

Profiles: `decisions-default` (200 examples, for `make test`); HYPOTHESIS_PROFILE=thorough selects
`thorough` (3000 examples).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import permutations
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from ledger.errors import LedgerError
from ledger.identity import luhn_check_digit
from ledger.rules import SIG_POLICE_CONSENT_LOST
from ledger.service import Ledger, open_ledger
from tests import reference
from tests.conftest import ADMIN, MASTER_KEY, Clock, as_actor

_COMMON: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}
settings.register_profile("decisions-default", max_examples=200, **_COMMON)
settings.register_profile("thorough", max_examples=3000, **_COMMON)
PROFILE = settings.get_profile(
    "thorough" if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else "decisions-default"
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
AGENCIES = {"soc-a": "social_services", "pol-a": "police", "sko-a": "school", "fri-a": "leisure"}
NAMES = sorted(AGENCIES)
PAIRS = list(permutations(NAMES, 2))
CATEGORIES = ["school_attendance", "police_incidents", "family_situation"]
PURPOSES = ["crime_prevention", "support_planning"]
SITUATIONS = ["network_meeting", "coordination"]
# 12 throughout; turns 15 on 2026-02-20; 16 throughout; turns 18 on 2026-02-10; 19 throughout.
BIRTH_DATES = [
    date(2013, 6, 1),
    date(2011, 2, 20),
    date(2009, 9, 1),
    date(2008, 2, 10),
    date(2007, 1, 20),
]

COORDINATOR = as_actor("co1", "soc-a", "coordinator")
OTHER_COORDINATOR = as_actor("co2", "soc-a", "coordinator")
AUDITOR = as_actor("aud", "soc-a", "auditor")


def personal_number(born: date) -> str:
    short = born.strftime("%y%m%d") + "123"
    return f"{born:%Y%m%d}-123{luhn_check_digit(short)}"


# -- strategies ---------------------------------------------------------------------------------
hours = st.integers(min_value=0, max_value=4 * 24)  # the gap before the next recording
back = st.integers(min_value=0, max_value=40 * 24)  # how long before its recording a thing happened
index = st.integers(min_value=0, max_value=7)


def subset(items: list[Any], min_size: int = 0) -> st.SearchStrategy[list[Any]]:
    return st.lists(st.sampled_from(items), min_size=min_size, max_size=len(items), unique=True)


def directions_for(agencies: list[str]) -> st.SearchStrategy[list[dict[str, str]] | None]:
    pairs = [p for p in PAIRS if p[0] in agencies and p[1] in agencies]
    return st.none() | subset(pairs, 1).map(lambda ps: [{"from": a, "to": b} for a, b in ps])


@st.composite
def scopes(draw: st.DrawFn) -> dict[str, Any]:
    agencies = draw(subset(NAMES, 2))
    scope: dict[str, Any] = {
        "agencies": agencies,
        "categories": draw(subset(CATEGORIES, 1)),
        # a consent names at least one purpose and one situation (version 1.1, issue 12)
        "purposes": draw(subset(PURPOSES, 1)),
        "situations": draw(subset(SITUATIONS, 1)),
    }
    directions = draw(directions_for(agencies))
    if directions is not None:
        scope["directions"] = directions
    return scope


@st.composite
def scope_parts(draw: st.DrawFn) -> dict[str, Any]:
    """What an extension adds or a partial revocation removes (possibly nothing: refused)."""
    part: dict[str, Any] = {}
    for name, items in (
        ("agencies", NAMES),
        ("categories", CATEGORIES),
        ("purposes", [*PURPOSES, "exit_support"]),
        ("situations", SITUATIONS),
    ):
        if draw(st.booleans()):
            part[name] = draw(subset(items, 1))
    if draw(st.integers(0, 3)) == 0:
        part["directions"] = [{"from": a, "to": b} for a, b in draw(subset(PAIRS, 1))]
    return part


def rarely(values: st.SearchStrategy[int]) -> st.SearchStrategy[int | None]:
    """None three times in four."""
    return st.sampled_from([False, False, False, True]).flatmap(
        lambda some: values if some else st.none()
    )


givers = st.one_of(
    st.just("everyone"),
    st.just("guardians"),
    st.just((True, [])),  # the youth alone
    st.tuples(st.booleans(), st.lists(index, max_size=3)),
)

grant_ops = st.tuples(
    st.just("grant"),
    hours,
    back,
    givers,
    st.booleans(),  # maturity assessment
    scopes(),
    rarely(st.integers(0, 20 * 24)),  # valid_from, hours after obtained_at
    rarely(st.integers(1, 60 * 24)),  # valid_until, hours after valid_from
    st.none() | index,  # case
)

operations = st.one_of(
    grant_ops,
    st.tuples(st.just("guardian"), hours, back, st.sampled_from(["joint", "joint", "sole"])),
    st.tuples(st.just("end_guardian"), hours, back, index),
    st.tuples(st.just("open_case"), hours, subset(NAMES, 1)),
    st.tuples(st.just("close_case"), hours, back, index),
    st.tuples(st.just("close_case"), hours, back, index),
    st.tuples(st.just("sign"), hours, back, index, st.none() | index, st.booleans()),
    st.tuples(st.just("sign"), hours, back, index, st.none(), st.just(True)),  # the youth, assessed
    st.tuples(st.just("extend"), hours, back, index, scope_parts(), givers),
    st.tuples(st.just("revoke"), hours, back, index),
    st.tuples(st.just("partial"), hours, back, index, scope_parts()),
    st.tuples(st.just("annul"), hours, index, st.booleans()),
)


# -- building a history through the use cases ---------------------------------------------------
@dataclass
class World:
    ledger: Ledger
    clock: Clock
    youth_id: str
    guardians: list[str] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)
    consents: list[str] = field(default_factory=list)
    scopes: list[dict[str, Any]] = field(default_factory=list)
    recorded: list[datetime] = field(default_factory=list)
    effective: list[datetime] = field(default_factory=list)
    skipped: int = 0

    def pick(self, items: list[str], i: int) -> str | None:
        return items[i % len(items)] if items else None

    def giver_list(self, spec: Any) -> list[dict[str, Any]]:
        if spec in ("everyone", "guardians"):
            youth = [{"party": "youth"}] if spec == "everyone" else []
            return youth + [{"party": "guardian", "guardian_id": g} for g in self.guardians]
        youth, picks = spec
        out: list[dict[str, Any]] = [{"party": "youth"}] if youth else []
        ids = dict.fromkeys(g for i in picks if (g := self.pick(self.guardians, i)))
        return out + [{"party": "guardian", "guardian_id": g} for g in ids]

    def run(self, op: tuple[Any, ...]) -> None:
        kind, gap = op[0], op[1]
        now = self.clock.advance(hours=gap)
        self.recorded.append(now)
        try:
            self.apply(kind, now, op[2:])
        except LedgerError:
            self.skipped += 1

    def when(self, now: datetime, hours_back: int) -> datetime:
        moment = now - timedelta(hours=hours_back)
        self.effective.append(moment)
        return moment

    def apply(self, kind: str, now: datetime, args: tuple[Any, ...]) -> None:
        app, co = self.ledger, COORDINATOR
        if kind == "guardian":
            _, g = app.add_guardian(
                co,
                self.youth_id,
                name="Vårdnadshavare",
                personal_number=None,
                custody=args[1],
                effective_at=self.when(now, args[0]),
            )
            self.guardians.append(g["guardian_id"])
        elif kind == "end_guardian":
            gid = self.pick(self.guardians, args[1])
            if gid is not None:
                app.end_guardian(
                    co,
                    self.youth_id,
                    gid,
                    reason="vårdnad ändrad",
                    effective_at=self.when(now, args[0]),
                )
        elif kind == "open_case":
            _, case = app.open_case(
                co, youth_id=self.youth_id, form="SSPF", agencies=args[0], coordinator_actor_id=None
            )
            self.cases.append(case["id"])
        elif kind == "close_case":
            cid = self.pick(self.cases, args[1])
            if cid is not None:
                app.close_case(co, cid, reason="avslutat", effective_at=self.when(now, args[0]))
        elif kind == "grant":
            self.grant(now, *args)
        else:
            self.change(kind, now, args)

    def grant(
        self,
        now: datetime,
        hours_back: int,
        giver_spec: Any,
        assessed: bool,
        scope: dict[str, Any],
        valid_from_after: int | None,
        valid_for: int | None,
        case_index: int | None,
    ) -> None:
        obtained = self.when(now, hours_back)
        valid_from = (
            None if valid_from_after is None else obtained + timedelta(hours=valid_from_after)
        )
        start = valid_from or obtained
        valid_until = None if valid_for is None else start + timedelta(hours=valid_for)
        self.effective.extend(t for t in (valid_from, valid_until) if t is not None)
        cmd: dict[str, Any] = {
            "youth_id": self.youth_id,
            "case_id": None if case_index is None else self.pick(self.cases, case_index),
            "givers": self.giver_list(giver_spec),
            "method": "written",
            "form_reference": "F-1",
            "informed_of_revocation": True,
            "scope": scope,
            "obtained_at": obtained,
            "valid_from": valid_from,
            "valid_until": valid_until,
        }
        if assessed:
            cmd["maturity_assessment"] = assessment(obtained)
        _, answer = self.ledger.grant_consent(COORDINATOR, cmd)
        self.consents.append(answer["id"])
        self.scopes.append(scope)

    def change(self, kind: str, now: datetime, args: tuple[Any, ...]) -> None:
        app, co = self.ledger, COORDINATOR
        if kind == "annul":
            cid = self.pick(self.consents, args[0])
            if cid is not None:
                actor = OTHER_COORDINATOR if args[1] else COORDINATOR
                app.annul_consent(actor, cid, reason="fel ungdom")
            return
        cid = self.pick(self.consents, args[1])
        if cid is None:
            return
        moment = self.when(now, args[0])
        if kind == "sign":
            gid = None if args[2] is None else self.pick(self.guardians, args[2])
            giver = {"party": "guardian", "guardian_id": gid} if gid else {"party": "youth"}
            cmd: dict[str, Any] = {
                "giver": giver,
                "method": "written",
                "form_reference": "F-2",
                "obtained_at": moment,
            }
            if args[3]:
                cmd["maturity_assessment"] = assessment(moment)
            app.sign_consent(co, cid, cmd)
        elif kind == "extend":
            app.extend_consent(
                co,
                cid,
                {
                    "add": args[2],
                    "givers": self.giver_list(args[3]),
                    "method": "written",
                    "form_reference": "F-3",
                    "obtained_at": moment,
                },
            )
        else:
            revoke: dict[str, Any] = {
                "kind": "full" if kind == "revoke" else "partial",
                "revoked_by": {"party": "youth"},
                "communicated": "oral",
                "notes": "per telefon",
                "effective_at": moment,
            }
            if kind == "partial":
                revoke["remove"] = args[2]
            app.revoke_consent(co, cid, revoke)


def assessment(moment: datetime) -> dict[str, Any]:
    return {
        "assessed_by": "co1",
        "assessed_at": moment,
        "rationale": "mogen att själv samtycka",
        "outcome": "mature",
    }


def build_world(
    born: date, initial_guardians: list[str], with_case: bool, ops: list[tuple[Any, ...]]
) -> World:
    clock = Clock(T0)
    app = open_ledger("sqlite:///:memory:", clock=clock, master_key=MASTER_KEY)
    for agency, kind in AGENCIES.items():
        app.register_agency(ADMIN, agency_id=agency, name=agency, kind=kind, municipality=None)
    _, youth = app.register_youth(COORDINATOR, personal_number=personal_number(born), name=None)
    world = World(app, clock, youth["id"])
    for custody in initial_guardians:
        try:
            _, g = app.add_guardian(
                COORDINATOR,
                world.youth_id,
                name="Vårdnadshavare",
                personal_number=None,
                custody=custody,
                effective_at=T0 - timedelta(days=120),
            )
        except LedgerError:  # a sole guardian beside another is refused (issue 12)
            continue
        world.guardians.append(g["guardian_id"])
    if with_case:
        _, case = app.open_case(
            COORDINATOR,
            youth_id=world.youth_id,
            form="SIG",
            agencies=NAMES,
            coordinator_actor_id=None,
        )
        world.cases.append(case["id"])
    world.recorded.append(T0)
    for op in ops:
        world.run(op)
    return world


def around(moments: list[datetime]) -> list[datetime]:
    second = timedelta(seconds=1)
    return sorted({m + d for m in moments for d in (-second, timedelta(0), second)})


def interesting_moments(world: World) -> list[datetime]:
    return around([*world.recorded, *world.effective])


def birthdays(born: date) -> list[datetime]:
    return around([reference.birthday_instant(born, 15), reference.birthday_instant(born, 18)])


def ask_both(world: World, question: dict[str, Any]) -> tuple[Any, reference.Verdict]:
    answer = world.ledger.check(AUDITOR, {"youth_id": world.youth_id, **question})
    # The reference folds what the consents cover; the SIG notice, which tells and does not
    # refuse, is the case's matter and is specified in tests/unit/test_law.py.
    got = (
        answer["allowed"],
        sorted({r["code"] for r in answer["reasons"]} - {SIG_POLICE_CONSENT_LOST}),
        sorted(answer["consent_ids"]),
    )
    events = list(world.ledger.events.get(UUID(world.youth_id)))
    expected = reference.decide(
        events,
        from_agency=question["from_agency"],
        to_agency=question["to_agency"],
        category=question["category"],
        purpose=question.get("purpose"),
        situation=question.get("situation"),
        at=question["at"],
        known_at=min(question["known_at"], world.clock.now),
    )
    return got, expected


questions = st.fixed_dictionaries(
    {
        "pair": st.sampled_from(PAIRS) | st.sampled_from(NAMES).map(lambda a: (a, a)),
        "category": st.sampled_from([*CATEGORIES, "substance_use"]),
        "purpose": st.none() | st.sampled_from([*PURPOSES, "exit_support"]),
        "situation": st.none() | st.sampled_from([*SITUATIONS, "action_plan_follow_up"]),
    }
)


@st.composite
def aimed_at(draw: st.DrawFn, scopes: list[dict[str, Any]]) -> dict[str, Any]:
    """A question inside one granted scope (as granted; later changes may have moved it)."""
    scope = draw(st.sampled_from(scopes))
    agencies = scope["agencies"]
    pair = draw(st.sampled_from([p for p in PAIRS if p[0] in agencies and p[1] in agencies]))
    return {
        "pair": pair,
        "category": draw(st.sampled_from(scope["categories"])),
        "purpose": draw(st.none() | st.sampled_from(scope["purposes"] or PURPOSES)),
        "situation": draw(st.none() | st.sampled_from(scope.get("situations") or SITUATIONS)),
    }


def check_history(
    data: st.DataObject,
    born: date,
    initial_guardians: list[str],
    with_case: bool,
    ops: list[tuple[Any, ...]],
) -> None:
    world = build_world(born, initial_guardians, with_case, ops)
    event(f"consents: {len(world.consents)}")
    event(f"skipped commands: {min(world.skipped, 5)}")
    try:
        moments = interesting_moments(world)
        known_moments = sorted({*moments, world.clock.now})
        for _ in range(6):
            q = data.draw(questions, label="question")
            if world.scopes and data.draw(st.booleans(), label="aimed"):
                q = data.draw(aimed_at(world.scopes), label="aimed question")
            at = data.draw(
                st.just(world.clock.now)
                | st.sampled_from(moments)
                | st.sampled_from(birthdays(born)),
                label="at",
            )
            known_at = data.draw(
                st.just(world.clock.now) | st.sampled_from(known_moments), label="known_at"
            )
            question = {
                "from_agency": q["pair"][0],
                "to_agency": q["pair"][1],
                "category": q["category"],
                "at": at,
                "known_at": known_at,
            }
            for key in ("purpose", "situation"):
                if q[key] is not None:
                    question[key] = q[key]
            got, expected = ask_both(world, question)
            note(f"question {question}")
            event("allowed" if got[0] else "denied")
            for code in got[1]:
                event(code)
            assert got == expected.as_tuple(), (question, [vars(v) for v in expected.views])
    finally:
        world.ledger.close()


@settings(PROFILE)
@given(
    data=st.data(),
    born=st.sampled_from(BIRTH_DATES),
    initial_guardians=st.lists(st.sampled_from(["joint", "joint", "sole"]), max_size=2),
    with_case=st.booleans(),
    first=grant_ops,
    ops=st.lists(operations, min_size=2, max_size=14),
)
def test_the_fast_check_agrees_with_the_reference_fold_on_random_histories(
    data: st.DataObject,
    born: date,
    initial_guardians: list[str],
    with_case: bool,
    first: tuple[Any, ...],
    ops: list[tuple[Any, ...]],
) -> None:
    check_history(data, born, initial_guardians, with_case, [first, *ops])
