"""Benchmark of the decision check: how fast the ledger answers "may agency X share category Y about
youth Z with agency W?", in process and over HTTP, on a store of N youths with realistic histories.

    .venv/bin/python bench/decisions.py [--youths 10000] [--store sqlite|postgres]
                                        [--questions 20000] [--http-seconds 15]

Phases (see bench/README.md for what each number means):

1. build: N youths through the real use cases (register_youth, add_guardian, open_case,
   grant_consent, sign_consent, extend_consent, revoke_consent, annul_consent, close_case,
   disclose). Only the commit is batched: the saves of `--batch` youths go into one transaction.
2. in process, on a freshly opened ledger: cold reads (every youth reconstructed once), then
   (a) `may_share` alone on loaded aggregates, (b) `ledger.youth(id)` + `may_share`,
   (c) `ledger.check(...)` with its access-log write.
3. over HTTP: the real server (`ledger serve`) on the built store, 4 client threads posting
   /v1/decisions/check (each check writes an access-log event) for `--http-seconds`.

Results are printed and written to bench/results/decisions-<store>.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from ledger.actor import Actor
from ledger.application import Outcome, Request
from ledger.catalogue import load_catalogue
from ledger.identity import luhn_check_digit
from ledger.keys import KeyDirectory
from ledger.policy import DEFAULT_POLICY
from ledger.rules import Question, may_share
from ledger.service import Ledger, open_ledger
from ledger.store.database import ensure_postgres_schema, store_env
from ledger.timeutil import age_on, start_of_day
from ledger.youth import Youth

RESULTS = Path(__file__).resolve().parent / "results"
PG_BASE = os.environ.get("LEDGER_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

ADMIN = Request(Actor("bench-admin", "ledger-admin", frozenset({"admin"})))

# Two municipalities, each with its own social services, police, schools and more. A youth's
# consents name agencies of the youth's own municipality.
MUNICIPALITIES: dict[str, list[tuple[str, str]]] = {
    "orebro": [
        ("soc-orebro", "social_services"),
        ("polis-orebro", "police"),
        ("skola-orebro-1", "school"),
        ("skola-orebro-2", "school"),
        ("fritid-orebro", "leisure"),
        ("bup-orebro", "child_psychiatry"),
        ("vc-orebro", "health_care"),
    ],
    "karlstad": [
        ("soc-karlstad", "social_services"),
        ("polis-karlstad", "police"),
        ("skola-karlstad-1", "school"),
        ("skola-karlstad-2", "school"),
        ("fritid-karlstad", "leisure"),
        ("bup-karlstad", "child_psychiatry"),
    ],
}
AGENCIES = [a for agencies in MUNICIPALITIES.values() for a, _ in agencies]


def coordinator(municipality: str, n: int = 1) -> Request:
    return Request(
        Actor(f"coord-{municipality}-{n}", f"soc-{municipality}", frozenset({"coordinator"}))
    )


def staff(agency: str) -> Request:
    return Request(Actor(f"staff-{agency}", agency, frozenset({"staff"})))


# -- the clock ---------------------------------------------------------------------------------
class BenchClock:
    """The wall clock, or a moment set by the builder (the time a command was registered)."""

    def __init__(self) -> None:
        self.fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self.fixed or datetime.now(UTC)


# -- a ledger whose saves are gathered into one transaction per batch ---------------------------
class BatchingLedger(Ledger):
    """The ledger's own use cases, unchanged, except that inside `batch()` each command's outcome
    is kept instead of saved, and the next commands on the same youth see it; at the end of the
    batch everything is saved at once (one transaction, the same events and index rows)."""

    # eventsourcing names an application's PostgreSQL tables after its class: use the ledger's.
    name = Ledger.name

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._batching = False
        self._pending: dict[UUID, Any] = {}
        self._lookups: dict[str, str] = {}

    @contextmanager
    def batch(self) -> Iterator[None]:
        self._batching = True
        try:
            yield
            if self._pending:
                self.save(*self._pending.values(), lookups=tuple(self._lookups.items()))
        finally:
            self._batching = False
            self._pending.clear()
            self._lookups.clear()

    def execute(self, request: Request, command: Callable[[], Outcome]) -> tuple[int, Any]:
        if not self._batching:
            return super().execute(request, command)
        outcome = command()
        assert not outcome.unlookups, "the builder issues no command that drops a lookup"
        for aggregate in outcome.aggregates:
            self._pending[aggregate.id] = aggregate
        self._lookups.update(outcome.lookups)
        # The answer of a consent command is rendered from the saved positions; not needed here.
        return outcome.status, outcome.body

    def youth(self, youth_id: str | UUID, *, for_update: bool = False) -> Youth:
        if self._pending:
            try:
                uid = youth_id if isinstance(youth_id, UUID) else UUID(youth_id)
            except ValueError:
                uid = None
            pending = self._pending.get(uid) if uid is not None else None
            if isinstance(pending, Youth):
                return pending
        return super().youth(youth_id, for_update=for_update)

    def youth_of(self, kind: str, entity_id: str, *, for_update: bool = False) -> Youth:
        pending = self._lookups.get(f"{kind}:{entity_id}")
        if pending is not None:
            return self.youth(pending, for_update=for_update)
        return super().youth_of(kind, entity_id, for_update=for_update)


def open_batching(url: str, *, clock: Callable[[], datetime], master_key: bytes) -> BatchingLedger:
    """As `ledger.service.open_ledger`, for the batching subclass."""
    env = store_env(url)
    if env["PERSISTENCE_MODULE"] == "eventsourcing.postgres":
        ensure_postgres_schema(env)
    env["CREATE_TABLE"] = "y"
    return BatchingLedger(env, clock=clock, master_key=master_key)


# -- stores ------------------------------------------------------------------------------------
@dataclass
class Store:
    kind: str
    url: str
    schema: str | None = None

    def drop(self) -> None:
        if self.schema is None:
            return
        import psycopg
        from psycopg import sql

        with psycopg.connect(PG_BASE, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self.schema))
            )


def make_store(kind: str, workdir: Path) -> Store:
    if kind == "sqlite":
        return Store(kind, f"sqlite:///{workdir / 'ledger.db'}")
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    return Store(kind, f"{PG_BASE}?schema={schema}", schema)


# -- building the store ------------------------------------------------------------------------
@dataclass
class ConsentPlan:
    """What the builder knows of a consent, to ask realistic questions about it later."""

    agencies: list[str]
    categories: list[str]
    purposes: list[str]


@dataclass
class YouthPlan:
    municipality: str
    youth_id: str = ""
    consents: list[ConsentPlan] = field(default_factory=list)


class Script:
    """One youth's commands, each at the moment it was registered (a little after it happened in
    the world); run in that order with the ledger's clock set to each moment."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng = rng
        self.latest = now - timedelta(minutes=1)
        self.actions: list[tuple[datetime, int, Callable[[], None]]] = []

    def at(
        self, moment: datetime, action: Callable[[], None], *, after: datetime | None = None
    ) -> datetime:
        """Schedule `action`, which happened at `moment`; it is registered hours (now and then
        days) later, and after `after`. Returns when it is registered."""
        rng = self.rng
        lag = rng.uniform(4, 8) * 24 if rng.random() < 0.05 else min(rng.expovariate(1 / 20), 30)
        recorded = moment + timedelta(hours=lag)
        if after is not None:
            recorded = max(recorded, after + timedelta(minutes=1))
        recorded = min(recorded, self.latest)
        self.actions.append((recorded, len(self.actions), action))
        return recorded

    def run(self, clock: BenchClock) -> None:
        for recorded, _, action in sorted(self.actions, key=lambda a: (a[0], a[1])):
            clock.fixed = recorded
            action()
        clock.fixed = None


class Builder:
    """Writes youths' histories through the use cases: registration, 1–2 guardians, maybe a case
    (now and then closed), 1–3 consents of various scopes, with pending and later signatures,
    extensions, partial and full revocations, expiries, annulments, and a few disclosures."""

    def __init__(
        self, ledger: BatchingLedger, clock: BenchClock, rng: random.Random, now: datetime
    ) -> None:
        self.ledger = ledger
        self.clock = clock
        self.rng = rng
        self.now = now
        self.commands: Counter[str] = Counter()
        self.numbers: set[str] = set()
        catalogue = ledger.catalogue
        self.categories = [c.id for c in catalogue.categories]
        self.purposes = [p.id for p in catalogue.purposes]
        self.situations = [s.id for s in catalogue.situations]

    def run(self, name: str, call: Callable[[], tuple[int, Any]]) -> Any:
        status, body = call()
        self.commands[f"{name} {status}"] += 1
        return body

    def personal_number(self, birth: date) -> str:
        digits = birth.strftime("%Y%m%d")
        while True:
            serial = f"{self.rng.randrange(1000):03d}"
            number = f"{digits}-{serial}{luhn_check_digit(digits[2:] + serial)}"
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def youth(self) -> YouthPlan:
        rng, now = self.rng, self.now
        plan = YouthPlan(rng.choice(list(MUNICIPALITIES)))
        coord = coordinator(plan.municipality)
        local = [a for a, _ in MUNICIPALITIES[plan.municipality]]
        birth = (now - timedelta(days=rng.randrange(10 * 365, 20 * 365 - 30))).date()
        count = rng.choice((1, 1, 2, 2, 3))
        grants = sorted(now - timedelta(days=rng.uniform(2, 900)) for _ in range(count))
        registered = grants[0] - timedelta(days=rng.uniform(1, 60))
        guardians: list[str] = []  # their ids, known once the script has registered them
        custodies = ["sole"] if rng.random() < 0.2 else ["joint"] * rng.choice((1, 2, 2, 2))
        case: dict[str, str] = {}
        script = Script(rng, now)

        def register() -> None:
            body = self.run(
                "register_youth",
                lambda: self.ledger.register_youth(
                    coord, personal_number=self.personal_number(birth), name="Bench Youth"
                ),
            )
            plan.youth_id = body["id"]
            for i, custody in enumerate(custodies):
                added = self.run(
                    "add_guardian",
                    lambda i=i, custody=custody: self.ledger.add_guardian(
                        coord,
                        plan.youth_id,
                        name=f"Guardian {i + 1}",
                        personal_number=None,
                        custody=custody,
                        effective_at=start_of_day(birth),
                    ),
                )
                guardians.append(added["guardian_id"])
            if rng.random() < 0.4:
                form = rng.choice(("SIG", "SSPF"))
                agencies = [local[0], local[1], *rng.sample(local[2:], 2)]
                opened = self.run(
                    "open_case",
                    lambda: self.ledger.open_case(
                        coord,
                        youth_id=plan.youth_id,
                        form=form,
                        agencies=agencies,
                        coordinator_actor_id=None,
                    ),
                )
                case["id"] = opened["id"]

        registered_at = script.at(registered, register)
        for granted in grants:
            self.consent(
                plan, script, registered_at, granted, birth, guardians, len(custodies), case
            )
        if rng.random() < 0.05:
            closed = now - timedelta(days=rng.uniform(1, 60))

            def close() -> None:
                if "id" in case:
                    self.run(
                        "close_case",
                        lambda: self.ledger.close_case(
                            coord, case["id"], reason="intervention ended", effective_at=closed
                        ),
                    )

            script.at(closed, close, after=registered_at)
        script.run(self.clock)
        return plan

    def consent(
        self,
        plan: YouthPlan,
        script: Script,
        registered_at: datetime,
        granted: datetime,
        birth: date,
        guardians: list[str],
        custodian_count: int,
        case: dict[str, str],
    ) -> None:
        rng, now = self.rng, self.now
        coord = coordinator(plan.municipality)
        local = [a for a, _ in MUNICIPALITIES[plan.municipality]]
        stage = DEFAULT_POLICY.stage(age_on(birth, granted))
        assessment = None
        # Who must give it depends on the age when obtained (OSL 12 kap.): the guardians (every
        # one under joint custody) for the young, the youth and the guardians (or the youth alone
        # after a maturity assessment) at 15–17, the youth alone from 18. A party is "youth" or
        # the index of a guardian, whose id is known only when the script runs.
        custodians: list[str | int] = list(range(custodian_count))
        parties: list[str | int]
        if stage == "adult":
            parties = ["youth"]
        elif stage == "older_minor" and rng.random() < 0.3:
            parties = ["youth"]
            assessment = {
                "assessed_by": "coord",
                "assessed_at": granted.date().isoformat(),
                "rationale": "mature enough to consent alone",
                "outcome": "mature",
            }
        elif stage == "older_minor":
            parties = ["youth", *custodians]
        else:
            parties = custodians
        pending: list[str | int] = []
        if len(parties) > 1 and rng.random() < 0.3:
            cut = rng.randrange(1, len(parties))
            parties, pending = parties[:cut], parties[cut:]

        def givers(chosen: list[str | int]) -> list[dict[str, str]]:
            return [
                {"party": "youth"}
                if p == "youth"
                else {"party": "guardian", "guardian_id": guardians[int(p)]}
                for p in chosen
            ]

        agencies = rng.sample(local, rng.choice((2, 3, 3, 4)))
        directions = None
        if rng.random() < 0.25:
            pairs = [(a, b) for a in agencies for b in agencies if a != b]
            directions = [
                {"from": a, "to": b}
                for a, b in rng.sample(pairs, min(len(pairs), rng.randint(1, 3)))
            ]
        categories = rng.sample(self.categories, rng.randint(1, 5))
        # A consent must name its purposes and situations (issue 12).
        purposes = rng.sample(self.purposes, rng.randint(1, 2))
        situations = rng.sample(self.situations, rng.randint(1, 2))
        valid_from = granted + timedelta(days=rng.uniform(1, 400)) if rng.random() < 0.03 else None
        valid_until = None
        if rng.random() < 0.3:
            valid_until = (valid_from or granted) + timedelta(days=rng.uniform(90, 720))
        written = rng.random() < 0.85
        command = {
            "givers": None,  # set when the script runs
            "maturity_assessment": assessment,
            "method": "written" if written else "oral",
            "form_reference": "SSPF-2025-017" if written else None,
            "notes": None if written else "by phone, the youth's mother present",
            "informed_of_revocation": rng.random() < 0.95,
            "copy_given": rng.random() < 0.8,
            "scope": {
                "agencies": agencies,
                "directions": directions,
                "categories": categories,
                "purposes": purposes,
                "situations": situations,
            },
            "obtained_at": granted,
            "valid_from": valid_from,
            "valid_until": valid_until,
        }
        use_case = rng.random() < 0.5
        plan.consents.append(ConsentPlan(agencies, categories, purposes))
        consent: dict[str, str] = {}

        def grant() -> None:
            cmd = {
                **command,
                "youth_id": plan.youth_id,
                "case_id": case.get("id") if use_case else None,
                "givers": givers(parties),
            }
            body = self.run("grant_consent", lambda: self.ledger.grant_consent(coord, cmd))
            consent["id"] = body["id"]

        granted_at = script.at(granted, grant, after=registered_at)
        span = (now - timedelta(hours=1) - granted).total_seconds()

        def later(low: float, high: float) -> datetime:
            return granted + timedelta(seconds=span * rng.uniform(low, high))

        previous = [granted_at]

        def then(moment: datetime, name: str, call: Callable[[], tuple[int, Any]]) -> None:
            # Each follow-up is registered after the one before, whatever the lags.
            previous[0] = script.at(moment, lambda: self.run(name, call), after=previous[0])

        # Follow-ups, in an order the ledger accepts: signatures, then an extension, then a
        # partial revocation, then a full one, then (rarely) an annulment by another coordinator.
        # A disclosure may come at any time after the grant.
        for party in pending:
            if rng.random() < 0.6:
                moment = later(0.0, 0.15)
                then(
                    moment,
                    "sign_consent",
                    lambda party=party, moment=moment: self.ledger.sign_consent(
                        coord,
                        consent["id"],
                        {
                            "giver": givers([party])[0],
                            "method": "written",
                            "form_reference": "SSPF-2025-017",
                            "obtained_at": moment,
                        },
                    ),
                )
        if rng.random() < 0.05:
            extension = {
                "add": {"categories": [c for c in self.categories if c not in categories][:1]},
                "method": "written",
                "form_reference": "SSPF-2025-018",
                "obtained_at": later(0.15, 0.3),
            }
            then(
                extension["obtained_at"],
                "extend_consent",
                lambda: self.ledger.extend_consent(
                    coord,
                    consent["id"],
                    # Widening needs every required giver's affirmation at its own date.
                    {**extension, "givers": givers(["youth", *custodians])},
                ),
            )
        roll = rng.random()
        if roll < 0.15:
            if len(categories) > 1:
                remove: dict[str, list[str]] = {"categories": [rng.choice(categories)]}
            elif len(agencies) > 2:
                remove = {"agencies": [rng.choice(agencies)]}
            else:
                remove = {"purposes": ["crime_prevention"]}
            self.revoke(then, coord, consent, later(0.3, 0.6), givers, parties, remove)
        if 0.1 < roll < 0.22:
            self.revoke(then, coord, consent, later(0.6, 0.95), givers, parties, None)
        if rng.random() < 0.01:
            then(
                later(0.95, 1.0),
                "annul_consent",
                lambda: self.ledger.annul_consent(
                    coordinator(plan.municipality, 2), consent["id"], reason="wrong youth"
                ),
            )
        if rng.random() < 0.2:
            moment = later(0.05, 1.0)
            sender, receiver = rng.sample(agencies, 2)
            retrospective = rng.random() < 0.3
            disclosure = {
                "from_agency": sender,
                "to_agencies": [receiver],
                "categories": [rng.choice(categories)],
                "purpose": (purposes or self.purposes)[0],
                "situation": None,
                # A live disclosure happens now; a documented past one at its own moment.
                "occurred_at": moment if retrospective else None,
                "retrospective": retrospective,
                "basis": {"kind": "consent"},
                "channel": rng.choice(("oral", "written", "meeting")),
                "recipient_person": "Case officer",
            }
            script.at(
                moment,
                lambda: self.run(
                    "disclose",
                    lambda: self.ledger.disclose(
                        staff(sender), {**disclosure, "youth_id": plan.youth_id}
                    ),
                ),
                after=granted_at,
            )

    def revoke(
        self,
        then: Callable[[datetime, str, Callable[[], tuple[int, Any]]], None],
        coord: Request,
        consent: dict[str, str],
        moment: datetime,
        givers: Callable[[list[str | int]], list[dict[str, str]]],
        parties: list[str | int],
        remove: dict[str, list[str]] | None,
    ) -> None:
        by = self.rng.choice(parties)
        revocation = {
            "kind": "partial" if remove else "full",
            "remove": remove,
            "communicated": self.rng.choice(("written", "oral")),
            "notes": "the youth called",
            "effective_at": moment,
        }
        then(
            moment,
            f"revoke_consent ({revocation['kind']})",
            lambda: self.ledger.revoke_consent(
                coord, consent["id"], {**revocation, "revoked_by": givers([by])[0]}
            ),
        )


def build(
    ledger: BatchingLedger, clock: BenchClock, youths: int, batch: int, rng: random.Random
) -> tuple[list[YouthPlan], Counter[str], float, int]:
    """Register the agencies, then write `youths` histories, `batch` youths per transaction."""
    start = time.perf_counter()
    for municipality, agencies in MUNICIPALITIES.items():
        for agency_id, kind in agencies:
            ledger.register_agency(
                ADMIN, agency_id=agency_id, name=agency_id, kind=kind, municipality=municipality
            )
    builder = Builder(ledger, clock, rng, datetime.now(UTC))
    plans: list[YouthPlan] = []
    step = max(youths // 10, batch)
    while len(plans) < youths:
        with ledger.batch():
            for _ in range(min(batch, youths - len(plans))):
                plans.append(builder.youth())
        if len(plans) % step < batch or len(plans) == youths:
            rate = len(plans) / (time.perf_counter() - start)
            print(f"  built {len(plans)}/{youths} youths ({rate:.0f} youths/s)", file=sys.stderr)
    seconds = time.perf_counter() - start
    events = int(ledger.database.read(ledger.database.tables.tree_size))
    return plans, builder.commands, seconds, events


# -- questions ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Ask:
    """One question as a staff member would ask it. `at`/`known_at` None means now."""

    youth_id: str
    from_agency: str
    to_agency: str
    category: str
    purpose: str | None
    situation: str | None
    at: datetime | None
    known_at: datetime | None

    def question(self, now: datetime) -> Question:
        return Question(
            self.from_agency,
            self.to_agency,
            self.category,
            self.at or now,
            self.known_at or now,
            self.purpose,
            self.situation,
        )

    def command(self) -> dict[str, Any]:
        return {
            "youth_id": self.youth_id,
            "from_agency": self.from_agency,
            "to_agency": self.to_agency,
            "category": self.category,
            "purpose": self.purpose,
            "situation": self.situation,
            "at": self.at,
            "known_at": self.known_at,
        }

    def body(self) -> dict[str, Any]:
        body = {k: v for k, v in self.command().items() if v is not None}
        for key in ("at", "known_at"):
            if key in body:
                body[key] = body[key].isoformat()
        return body


def questions(plans: list[YouthPlan], count: int, rng: random.Random, catalogue: Any) -> list[Ask]:
    """Mostly about what some consent of the youth names (so that many are allowed), the rest
    about any two agencies of the youth's municipality; 1 in 5 about a past moment."""
    categories = [c.id for c in catalogue.categories]
    purposes = [p.id for p in catalogue.purposes]
    situations = [s.id for s in catalogue.situations]
    now = datetime.now(UTC)
    out = []
    for _ in range(count):
        plan = rng.choice(plans)
        local = [a for a, _ in MUNICIPALITIES[plan.municipality]]
        if rng.random() < 0.7:
            consent = rng.choice(plan.consents)
            sender, receiver = rng.sample(consent.agencies, 2)
            category = rng.choice(consent.categories if rng.random() < 0.8 else categories)
            purpose_pool = consent.purposes or purposes
        else:
            sender, receiver = rng.sample(local, 2)
            category = rng.choice(categories)
            purpose_pool = purposes
        at = known_at = None
        if rng.random() < 0.2:
            at = now - timedelta(days=rng.uniform(1, 900))
            if rng.random() < 0.4:
                known_at = min(at + timedelta(days=rng.uniform(0, 30)), now)
        out.append(
            Ask(
                plan.youth_id,
                sender,
                receiver,
                category,
                rng.choice(purpose_pool) if rng.random() < 0.5 else None,
                rng.choice(situations) if rng.random() < 0.2 else None,
                at,
                known_at,
            )
        )
    return out


# -- measuring ---------------------------------------------------------------------------------
def summary(samples_ns: list[int], seconds: float | None = None) -> dict[str, Any]:
    """Latency percentiles (nearest rank) in microseconds, and the rate if `seconds` is given."""
    s = sorted(samples_ns)
    n = len(s)

    def rank(p: float) -> float:
        return round(s[min(n - 1, max(0, math.ceil(p * n) - 1))] / 1000, 1)

    out: dict[str, Any] = {
        "n": n,
        "p50_us": rank(0.50),
        "p99_us": rank(0.99),
        "p999_us": rank(0.999),
        "mean_us": round(sum(s) / n / 1000, 1),
        "max_us": round(s[-1] / 1000, 1),
    }
    if seconds is not None:
        out["per_second"] = round(n / seconds, 1)
    return out


def measure_in_process(
    url: str, master_key: bytes, plans: list[YouthPlan], asks: list[Ask], logged: int
) -> dict[str, Any]:
    ledger = open_ledger(url, clock=lambda: datetime.now(UTC), master_key=master_key)
    try:
        policy = ledger.policy
        # Cold: each youth read once on a freshly opened ledger (reconstructed from its events).
        ids = [p.youth_id for p in plans]
        random.Random(1).shuffle(ids)
        loaded: dict[str, Youth] = {}
        samples = []
        start = time.perf_counter()
        for youth_id in ids:
            t0 = time.perf_counter_ns()
            loaded[youth_id] = ledger.youth(youth_id)
            samples.append(time.perf_counter_ns() - t0)
        cold = summary(samples, time.perf_counter() - start)
        print("  cold reads done", file=sys.stderr)

        now = datetime.now(UTC)
        prepared = [(loaded[a.youth_id], a.question(now)) for a in asks]
        samples = []
        allowed = 0
        start = time.perf_counter()
        for youth, question in prepared:
            t0 = time.perf_counter_ns()
            decision = may_share(youth, question, policy)
            samples.append(time.perf_counter_ns() - t0)
            allowed += decision.allowed
        pure = summary(samples, time.perf_counter() - start)
        pure["allowed_share"] = round(allowed / len(prepared), 3)
        print("  (a) may_share done", file=sys.stderr)

        pairs = [(a.youth_id, a.question(now)) for a in asks]
        samples = []
        start = time.perf_counter()
        for youth_id, question in pairs:
            t0 = time.perf_counter_ns()
            may_share(ledger.youth(youth_id), question, policy)
            samples.append(time.perf_counter_ns() - t0)
        read_path = summary(samples, time.perf_counter() - start)
        print("  (b) youth + may_share done", file=sys.stderr)

        commands = [(staff(a.from_agency), a.command()) for a in asks[:logged]]
        size_before = int(ledger.database.read(ledger.database.tables.tree_size))
        samples = []
        start = time.perf_counter()
        for request, command in commands:
            t0 = time.perf_counter_ns()
            ledger.check(request, command)
            samples.append(time.perf_counter_ns() - t0)
        checked = summary(samples, time.perf_counter() - start)
        size_after = int(ledger.database.read(ledger.database.tables.tree_size))
        checked["access_events_written"] = size_after - size_before
        print("  (c) check done", file=sys.stderr)
    finally:
        ledger.close()
    return {
        "cold_read": cold,
        "may_share": pure,
        "youth_and_may_share": read_path,
        "check": checked,
    }


# -- over HTTP ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(url: str, key_dir: Path, workdir: Path, admin_token: str) -> Iterator[str]:
    """`ledger serve` on 127.0.0.1 over the built store, stopped (SIGINT, then kill) at the end."""
    port = free_port()
    script = Path(sys.executable).with_name("ledger")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "api.cli"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env.update(LEDGER_DATABASE_URL=url, LEDGER_ADMIN_TOKEN=admin_token, LEDGER_KEY_DIR=str(key_dir))
    log_path = workdir / "server.log"
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        # cwd: the work directory, so that no `.env` of the repository is read.
        proc = subprocess.Popen(
            [*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    tail = log_path.read_text("utf-8", "replace")[-2000:]
                    raise RuntimeError(f"the server exited ({proc.returncode}):\n{tail}")
                try:
                    if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not become ready within 60 s")
                time.sleep(0.2)
            yield base
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)


def measure_http(
    url: str,
    key_dir: Path,
    workdir: Path,
    asks: list[Ask],
    seconds: float,
    warmup: float,
    threads: int,
) -> dict[str, Any]:
    admin_token = secrets.token_urlsafe(32)
    with server(url, key_dir, workdir, admin_token) as base:
        tokens = {}
        with httpx.Client(base_url=base, timeout=30) as client:
            for agency in AGENCIES:
                r = client.post(
                    "/v1/tokens",
                    json={"agency_id": agency, "actor_id": f"http-{agency}", "roles": ["staff"]},
                    headers={"Authorization": f"Bearer {admin_token}"},
                )
                r.raise_for_status()
                tokens[agency] = r.json()["token"]
            size_before = int(client.get("/readyz").json()["tree_size"])
        bodies = [(a.body(), {"Authorization": f"Bearer {tokens[a.from_agency]}"}) for a in asks]
        begin = time.perf_counter() + warmup
        end = begin + seconds
        latencies: list[list[int]] = [[] for _ in range(threads)]
        statuses: list[Counter[int]] = [Counter() for _ in range(threads)]

        def drive(index: int) -> None:
            mine = bodies[index::threads]
            with httpx.Client(base_url=base, timeout=30) as client:
                i = 0
                while (started := time.perf_counter()) < end:
                    body, headers = mine[i % len(mine)]
                    i += 1
                    t0 = time.perf_counter_ns()
                    r = client.post("/v1/decisions/check", json=body, headers=headers)
                    elapsed = time.perf_counter_ns() - t0
                    if started >= begin:
                        statuses[index][r.status_code] += 1
                        if r.status_code == 200:
                            latencies[index].append(elapsed)

        workers = [threading.Thread(target=drive, args=(i,)) for i in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        with httpx.Client(base_url=base, timeout=30) as client:
            size_after = int(client.get("/readyz").json()["tree_size"])
    result = summary([x for lat in latencies for x in lat], seconds)
    result["checks_per_second"] = result.pop("per_second")
    result["statuses"] = {str(k): v for k, v in sum(statuses, Counter()).items()}
    result["threads"] = threads
    result["seconds"] = seconds
    result["warmup_seconds"] = warmup
    result["access_events_written"] = size_after - size_before
    return result


# -- the run -----------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--youths", type=int, default=10_000)
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--questions", type=int, default=20_000, help="for (a) and (b)")
    parser.add_argument(
        "--logged-questions", type=int, default=None, help="for (c); default: --questions"
    )
    parser.add_argument("--http-seconds", type=float, default=15.0)
    parser.add_argument("--http-warmup", type=float, default=2.0)
    parser.add_argument("--http-threads", type=int, default=4)
    parser.add_argument("--batch", type=int, default=100, help="youths per build transaction")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    logged = args.questions if args.logged_questions is None else args.logged_questions
    rng = random.Random(args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="bench-decisions-"))
    store = make_store(args.store, workdir)
    key_dir = workdir / "keys"
    # The server reads the same key directory: the master key must be the one the store was
    # built with, or it could not open the sealed personal data.
    master_key = KeyDirectory(key_dir).master_key({})
    results: dict[str, Any] = {
        "benchmark": "decisions",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            # Other work on the machine skews every figure: the 1-minute load average at start.
            "load_average_at_start": round(os.getloadavg()[0], 2),
        },
        "store": args.store,
        "youths": args.youths,
        "batch": args.batch,
        "seed": args.seed,
    }
    try:
        print(f"building {args.youths} youths on {args.store} ...", file=sys.stderr)
        clock = BenchClock()
        builder = open_batching(store.url, clock=clock, master_key=master_key)
        try:
            plans, commands, seconds, events = build(builder, clock, args.youths, args.batch, rng)
        finally:
            builder.close()
        results["build"] = {
            "seconds": round(seconds, 1),
            "youths_per_second": round(args.youths / seconds, 1),
            "events": events,
            "events_per_second": round(events / seconds, 1),
            "commands": dict(sorted(commands.items())),
        }
        if store.kind == "sqlite":
            size = sum(p.stat().st_size for p in workdir.glob("ledger.db*"))
            results["build"]["sqlite_bytes"] = size
        asks = questions(plans, args.questions, rng, load_catalogue())
        print("checking in process ...", file=sys.stderr)
        results["in_process"] = measure_in_process(store.url, master_key, plans, asks, logged)
        if args.http_seconds > 0:
            print(f"checking over HTTP for {args.http_seconds:g} s ...", file=sys.stderr)
            results["http"] = measure_http(
                store.url,
                key_dir,
                workdir,
                asks,
                args.http_seconds,
                args.http_warmup,
                args.http_threads,
            )
    finally:
        store.drop()
        shutil.rmtree(workdir, ignore_errors=True)
    results["machine"]["load_average_at_end"] = round(os.getloadavg()[0], 2)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"decisions-{args.store}.json"
    out.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    print_table(results)
    print(f"\nwritten to {out}")
    return 0


def print_table(r: dict[str, Any]) -> None:
    b = r["build"]
    m = r["machine"]
    print(
        f"\ndecisions benchmark — store {r['store']}, {r['youths']} youths, "
        f"{m['cpus']} CPUs, {r['date']}, load average {m['load_average_at_start']} → "
        f"{m['load_average_at_end']}"
    )
    print(
        f"build: {b['seconds']} s ({b['youths_per_second']} youths/s, {b['events']} events, "
        f"{b['events_per_second']} events/s)"
    )
    rows = [("cold read: ledger.youth(id), first time", r["in_process"]["cold_read"])]
    rows += [
        ("(a) may_share on a loaded youth", r["in_process"]["may_share"]),
        ("(b) ledger.youth(id) + may_share", r["in_process"]["youth_and_may_share"]),
        ("(c) ledger.check(...) with access log", r["in_process"]["check"]),
    ]
    if "http" in r:
        h = dict(r["http"])
        h["per_second"] = h["checks_per_second"]
        rows.append((f"HTTP POST /v1/decisions/check, {h['threads']} clients", h))
    head = f"{'':42} {'n':>7} {'p50 µs':>9} {'p99 µs':>9} {'p99.9 µs':>9} {'max µs':>9} {'/s':>9}"
    print(head)
    print("-" * len(head))
    for name, s in rows:
        print(
            f"{name:42} {s['n']:>7} {s['p50_us']:>9} {s['p99_us']:>9} {s['p999_us']:>9} "
            f"{s['max_us']:>9} {s.get('per_second', ''):>9}"
        )


if __name__ == "__main__":
    sys.exit(main())
