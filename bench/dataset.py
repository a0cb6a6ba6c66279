"""A seeded, deterministic data set of a national deployment, written through the ledger's own use
cases (`ledger.service.Ledger`): municipalities each with an agency of every kind, youths with 0–2
guardians, consents naming purposes and situations (written and oral), signatures given later,
extensions, partial and full revocations, expiries, 18th birthdays, disclosures at meetings, one
youth with `--heavy-disclosures` disclosures, and a busy agency for the agency-month review.

    .venv/bin/python bench/dataset.py --events 50000 [--store sqlite|postgres] [--seed 16]

The same seed gives the same commands in the same order at the same (fixed) moments, so the same
events; only the random ids the ledger draws (uuid4) and the data keys differ. Generation stops at
the first batch boundary at or beyond `--events` events in the Merkle log. Used by bench/run.py.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from decisions import ADMIN, BatchingLedger, BenchClock, Script, open_batching

from ledger.actor import Actor
from ledger.application import Request
from ledger.identity import luhn_check_digit
from ledger.keys import KeyDirectory
from ledger.policy import DEFAULT_POLICY
from ledger.timeutil import age_on, start_of_day

# The moment "now" of the data set: fixed, so that the same seed gives the same history.
ANCHOR = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

# Every kind of agency in the catalogue; schools twice. The first two are the coordinators'
# agency and the police, as in SIG/SSPF.
KINDS: list[tuple[str, str]] = [
    ("soc", "social_services"),
    ("polis", "police"),
    ("skola-1", "school"),
    ("skola-2", "school"),
    ("fritid", "leisure"),
    ("bup", "child_psychiatry"),
    ("vc", "health_care"),
    ("af", "employment"),
    ("krim", "probation"),
    ("forening", "civil_society"),
    ("ovrig", "other"),
]
NAMES = [
    "orebro", "karlstad", "uppsala", "vasteras", "linkoping", "norrkoping", "jonkoping", "umea",
    "lund", "boras", "sundsvall", "gavle", "eskilstuna", "sodertalje", "vaxjo", "halmstad",
    "kalmar", "lulea", "trollhattan", "ostersund", "falun", "skovde", "kristianstad", "visby",
]  # fmt: skip


def municipality_names(count: int) -> list[str]:
    return [NAMES[i] if i < len(NAMES) else f"kommun-{i:03d}" for i in range(count)]


def agencies_of(municipality: str) -> list[tuple[str, str]]:
    return [(f"{prefix}-{municipality}", kind) for prefix, kind in KINDS]


def coordinator(municipality: str, n: int = 1) -> Request:
    return Request(
        Actor(f"coord-{municipality}-{n}", f"soc-{municipality}", frozenset({"coordinator"}))
    )


def staff(agency: str) -> Request:
    return Request(Actor(f"staff-{agency}", agency, frozenset({"staff"})))


@dataclass
class ConsentPlan:
    agencies: list[str]
    categories: list[str]
    purposes: list[str]
    situations: list[str]


@dataclass
class YouthPlan:
    municipality: str
    youth_id: str = ""
    consents: list[ConsentPlan] = field(default_factory=list)
    disclosures: int = 0


@dataclass
class Dataset:
    """What the generator wrote, for the measurements that follow."""

    store_url: str
    master_key: bytes
    municipalities: list[str]
    plans: list[YouthPlan]
    heavy_youth: str
    busy_agency: str
    busy_month: tuple[datetime, datetime]
    commands: Counter[str]
    events: int
    seconds: float

    @property
    def agencies(self) -> list[str]:
        return [a for m in self.municipalities for a, _ in agencies_of(m)]


class Generator:
    def __init__(self, ledger: BatchingLedger, clock: BenchClock, rng: random.Random) -> None:
        self.ledger = ledger
        self.clock = clock
        self.rng = rng
        self.now = ANCHOR
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

    # -- one youth --------------------------------------------------------------------------
    def youth(
        self, municipality: str, *, disclosures: int | None = None, busy: str | None = None
    ) -> YouthPlan:
        """A youth of 13–19 years, registered up to 2.5 years ago. `disclosures` forces that many
        disclosures at meetings (the heavy youth); `busy` names an agency that takes part in every
        consent (the busy agency of the agency-month review)."""
        rng, now = self.rng, self.now
        plan = YouthPlan(municipality)
        coord = coordinator(municipality)
        local = [a for a, _ in agencies_of(municipality)]
        birth = (now - timedelta(days=rng.randrange(13 * 365, 20 * 365 - 30))).date()
        count = rng.choice((1, 1, 1, 2, 2, 3))
        grants = sorted(now - timedelta(days=rng.uniform(2, 900)) for _ in range(count))
        registered = grants[0] - timedelta(days=rng.uniform(1, 60))
        age_at_registration = age_on(birth, registered)
        # 0–2 guardians: none for some youths of 16 and over (placed, unaccompanied, or adult),
        # sole custody for a fifth of the rest.
        roll = rng.random()
        if age_at_registration >= 16 and roll < 0.25:
            custodies: list[str] = []
        elif roll < 0.45:
            custodies = ["sole"]
        else:
            custodies = ["joint", "joint"]
        guardians: list[str] = []
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

        registered_at = script.at(registered, register)
        for n, granted in enumerate(grants):
            # The heavy youth's disclosures all fall under its first consent.
            many = None if disclosures is None else (disclosures if n == 0 else 0)
            self.consent(
                plan, script, registered_at, granted, birth, guardians, len(custodies), local,
                many=many, busy=busy,
            )  # fmt: skip
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
        local: list[str],
        *,
        many: int | None,
        busy: str | None,
    ) -> None:
        rng, now = self.rng, self.now
        coord = coordinator(plan.municipality)
        stage = DEFAULT_POLICY.stage(age_on(birth, granted))
        assessment = None
        custodians: list[str | int] = list(range(custodian_count))
        parties: list[str | int]
        if stage == "adult":
            parties = ["youth"]
        elif stage == "older_minor" and (custodian_count == 0 or rng.random() < 0.3):
            parties = ["youth"]
            assessment = {
                "assessed_by": "coord",
                "assessed_at": granted.date().isoformat(),
                "rationale": "mature enough to consent alone",
                "outcome": "mature",
            }
        elif stage == "older_minor":
            parties = ["youth", *custodians]
        elif custodian_count == 0:
            return  # a young child without a guardian: no one can consent
        else:
            parties = custodians
        pending: list[str | int] = []
        if len(parties) > 1 and rng.random() < 0.25:
            cut = rng.randrange(1, len(parties))
            parties, pending = parties[:cut], parties[cut:]

        def givers(chosen: list[str | int]) -> list[dict[str, str]]:
            return [
                {"party": "youth"}
                if p == "youth"
                else {"party": "guardian", "guardian_id": guardians[int(p)]}
                for p in chosen
            ]

        # The coordinators' agency and two to four others of the municipality.
        others = rng.sample(local[1:], rng.choice((1, 2, 2, 3, 3, 4)))
        agencies = [local[0], *others]
        if busy is not None and busy not in agencies:
            agencies.append(busy)
        directions = None
        if rng.random() < 0.2:
            pairs = [(a, b) for a in agencies for b in agencies if a != b]
            directions = [
                {"from": a, "to": b}
                for a, b in rng.sample(pairs, min(len(pairs), rng.randint(2, 4)))
            ]
        categories = rng.sample(self.categories, rng.randint(2, 6))
        purposes = rng.sample(self.purposes, rng.randint(1, 2))
        situations = rng.sample(self.situations, rng.randint(1, 3))
        valid_from = granted + timedelta(days=rng.uniform(1, 200)) if rng.random() < 0.03 else None
        valid_until = None
        if rng.random() < 0.35:  # some of these have expired by now
            valid_until = (valid_from or granted) + timedelta(days=rng.uniform(90, 720))
        written = rng.random() < 0.8
        command = {
            "maturity_assessment": assessment,
            "method": "written" if written else "oral",
            "form_reference": "SSPF-2025-017" if written else None,
            "notes": None if written else "by phone, the youth's mother present",
            "interpreter_used": rng.random() < 0.08,
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
        plan.consents.append(ConsentPlan(agencies, categories, purposes, situations))
        consent: dict[str, str] = {}

        def grant() -> None:
            cmd = {**command, "youth_id": plan.youth_id, "givers": givers(parties)}
            consent["id"] = self.run(
                "grant_consent", lambda: self.ledger.grant_consent(coord, cmd)
            )["id"]

        granted_at = script.at(granted, grant, after=registered_at)
        span = (now - timedelta(hours=1) - granted).total_seconds()

        def later(low: float, high: float) -> datetime:
            return granted + timedelta(seconds=span * rng.uniform(low, high))

        previous = [granted_at]

        def then(moment: datetime, name: str, call: Callable[[], tuple[int, Any]]) -> None:
            previous[0] = script.at(moment, lambda: self.run(name, call), after=previous[0])

        for party in pending:
            if rng.random() < 0.7:
                moment = later(0.0, 0.1)
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
        if rng.random() < 0.08 and stage != "young_minor":
            missing = [c for c in self.categories if c not in categories]
            extended = later(0.1, 0.3)
            # Widening needs every required giver's affirmation, at its own date.
            affirm = ["youth"] if age_on(birth, extended) >= 18 else parties + pending
            extension = {
                "add": {"categories": missing[:1]},
                "method": "written",
                "form_reference": "SSPF-2025-018",
                "obtained_at": extended,
            }
            then(
                extended,
                "extend_consent",
                lambda: self.ledger.extend_consent(
                    coord, consent["id"], {**extension, "givers": givers(affirm)}
                ),
            )
        roll = rng.random()
        if roll < 0.15:
            if len(categories) > 2:
                remove: dict[str, list[str]] = {"categories": [rng.choice(categories[1:])]}
            elif len(agencies) > 2:
                remove = {"agencies": [agencies[-1]]}
            else:
                remove = {"situations": [situations[0]]} if len(situations) > 1 else {}
            if remove:
                self.revoke(then, coord, consent, later(0.3, 0.6), givers, parties, remove)
        if 0.12 < roll < 0.22:
            self.revoke(then, coord, consent, later(0.6, 0.95), givers, parties, None)
        if rng.random() < 0.01:
            then(
                later(0.95, 1.0),
                "annul_consent",
                lambda: self.ledger.annul_consent(
                    coordinator(plan.municipality, 2), consent["id"], reason="wrong youth"
                ),
            )
        # Disclosures at meetings: most as the consent allows, some outside it (refused).
        meetings = many if many is not None else rng.choice((0, 0, 1, 1, 2, 3))
        for _ in range(meetings):
            moment = later(0.02, 1.0)
            sender, receiver = rng.sample(agencies, 2)
            if busy is not None and rng.random() < 0.5:
                sender = busy
                receiver = rng.choice([a for a in agencies if a != busy])
            within = rng.random() < 0.85
            retrospective = rng.random() < 0.4
            disclosure = {
                "from_agency": sender,
                "to_agencies": [receiver],
                "categories": [rng.choice(categories if within else self.categories)],
                "purpose": rng.choice(purposes if within else self.purposes),
                "situation": rng.choice(situations if within else self.situations),
                "occurred_at": moment if retrospective else None,
                "retrospective": retrospective,
                "basis": {"kind": "consent"},
                "channel": rng.choice(("meeting", "meeting", "oral", "written")),
                "recipient_person": "Case officer",
            }
            plan.disclosures += 1
            script.at(
                moment,
                lambda disclosure=disclosure, sender=sender: self.run(
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


def generate(
    url: str,
    master_key: bytes,
    *,
    events: int,
    municipalities: int,
    heavy_disclosures: int = 1000,
    batch: int = 100,
    seed: int = 16,
    progress: bool = True,
) -> Dataset:
    """Write the data set into the (empty) store at `url`; returns what was written."""
    rng = random.Random(seed)
    clock = BenchClock()
    ledger = open_batching(url, clock=clock, master_key=master_key)
    start = time.perf_counter()
    try:
        names = municipality_names(municipalities)
        clock.fixed = ANCHOR - timedelta(days=1000)
        for m in names:
            for agency_id, kind in agencies_of(m):
                ledger.register_agency(
                    ADMIN, agency_id=agency_id, name=agency_id, kind=kind, municipality=m
                )
        gen = Generator(ledger, clock, rng)
        busy_agency = f"polis-{names[0]}"
        plans: list[YouthPlan] = []
        with ledger.batch():
            heavy = gen.youth(names[0], disclosures=heavy_disclosures)
        plans.append(heavy)
        size = 0
        reported = 0
        while size < events:
            with ledger.batch():
                for _ in range(batch):
                    m = rng.choice(names)
                    busy = busy_agency if m == names[0] and rng.random() < 0.5 else None
                    plans.append(gen.youth(m, busy=busy))
            size = int(ledger.database.read(ledger.database.tables.tree_size))
            if progress and size - reported >= max(events // 10, 1):
                reported = size
                rate = size / (time.perf_counter() - start)
                print(f"  {size}/{events} events ({rate:.0f}/s)", file=sys.stderr)
        seconds = time.perf_counter() - start
    finally:
        clock.fixed = None
        ledger.close()
    # The agency-month: the month before the anchor's month.
    first = ANCHOR.replace(day=1, hour=0, minute=0)
    month = ((first - timedelta(days=1)).replace(day=1), first)
    return Dataset(
        url, master_key, names, plans, heavy.youth_id, busy_agency, month, gen.commands,
        size, seconds,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--municipalities", type=int, default=8)
    parser.add_argument("--heavy-disclosures", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (default: temporary)")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="bench-dataset-"))
    db = args.db or workdir / "ledger.db"
    master_key = KeyDirectory(workdir / "keys").master_key({})
    ds = generate(
        f"sqlite:///{db}",
        master_key,
        events=args.events,
        municipalities=args.municipalities,
        heavy_disclosures=args.heavy_disclosures,
        seed=args.seed,
    )
    print(
        f"{ds.events} events, {len(ds.plans)} youths, {len(ds.agencies)} agencies in "
        f"{ds.seconds:.1f} s ({ds.events / ds.seconds:.0f} events/s) -> {db}"
    )
    for name, n in sorted(ds.commands.items()):
        print(f"  {name:32} {n:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
