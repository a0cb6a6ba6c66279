"""An independent reference for the decision: "may agency X share category Y about this youth
with agency W, at `at`, as the ledger knew it at `known_at`?"

Written from the specification (DOMAIN.md, API.md "Consents" and "Decisions and
disclosures"), not from the code: it imports nothing from ledger.consent, ledger.rules or
ledger.scope, and reads the youth's raw stored domain events (`ledger.events.get(youth_uuid)`),
dispatching on the event class names. The property tests compare `Ledger.check` with it.

The rules, as this module reads them (default policy):

- Every event has a recorded time (its `timestamp`, the ledger clock). With `known_at` only
  events recorded at or before it exist.
- Who must give a consent is judged on the youth's age (Europe/Stockholm) at the grant's
  `obtained_at`, and on the guardians who were guardians at that moment (added with effect at or
  before it and not ended with effect at or before it, as known at `known_at`):
  18+: the youth alone (a guardian's signature counts for nothing). 15–17: the youth; alone
  only with a maturity assessment, otherwise also every custodial guardian. Under 15: every
  custodial guardian. Custodial guardians: the sole-custody ones if any, else all joint ones.
  A guardian's signature counts only if that guardian is among those guardians; with none
  registered, a guardian is missing.
- Givers: those on the grant, plus those of signatures and of extensions (an extension is an
  affirmation by the givers) whose obtained_at ≤ at. A maturity assessment counts if on the
  grant or on a signature whose obtained_at ≤ at.
- A consent resting on guardians (every minor's consent except one given alone by a 15–17-year-old
  with a maturity assessment) lapses at the 18th birthday, Stockholm midnight.
- Scope starts from the grant and is changed by extensions (add) and partial revocations
  (remove) whose obtained_at / effective_at ≤ at, in that time order (ledger order on ties).
  Directions: absent = every ordered pair of distinct agencies; removing a direction from the
  implicit set leaves every other pair among the agencies of that moment. Purposes and
  situations (version 1.1, issue 12): a consent covers only those it names; one that names none
  covers none, until an extension names some. A question that states no purpose (situation) is
  PURPOSE_NOT_STATED (SITUATION_NOT_STATED) when the consent covers some, PURPOSE_NOT_COVERED
  (SITUATION_NOT_COVERED) when it covers none.
- A maturity assessment counts only with the outcome `mature`; the latest one given (on the
  grant, or on a signature obtained by `at`) is the one in effect.
- A question about a category that usually concerns others (family_situation) that does not say
  whether it does is THIRD_PARTY_NOT_STATED, whatever the consents cover (issue 12, item 6).
- RECIPIENT_NOT_COVERED when `to` is not an agency of the scope; otherwise
  DIRECTION_NOT_COVERED when `from` is not, when `from` is `to` (an agency is no direction to
  itself), or when the pair is not among explicit directions.
  (The two are read as exclusive: a recipient outside the scope is not also a direction
  finding.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
ADULT_AGE = 18
OWN_CONSENT_AGE = 15
CONCERNS_OTHERS = {"family_situation"}

CONSENT_EVENTS = {
    "ConsentGranted": "granted",
    "ConsentSigned": "signed",
    "ConsentExtended": "extended",
    "ConsentRevoked": "revoked",
    "ConsentPartiallyRevoked": "partially_revoked",
    "ConsentAnnulled": "annulled",
}


# -- time -------------------------------------------------------------------------------------
def birthday_instant(birth: date, years: int) -> datetime:
    """Stockholm midnight starting the day the person is `years` old (29 Feb → 1 Mar)."""
    year = birth.year + years
    try:
        day = date(year, birth.month, birth.day)
    except ValueError:
        day = date(year, 3, 1)
    return datetime.combine(day, time(0), tzinfo=STOCKHOLM)


def age_at(birth: date, instant: datetime) -> int:
    years = instant.astimezone(STOCKHOLM).year - birth.year
    while years > 0 and birthday_instant(birth, years) > instant:
        years -= 1
    return years


# -- the raw history --------------------------------------------------------------------------
@dataclass
class Happening:
    """One stored event: what happened (`when`) and when the ledger learned it (`recorded`)."""

    kind: str
    order: int
    recorded: datetime
    when: datetime
    body: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class GuardianRecord:
    custody: str
    added: Happening
    ended: Happening | None = None


@dataclass
class History:
    birth_date: date | None = None
    guardians: dict[str, GuardianRecord] = field(default_factory=dict)
    case_closed: dict[str, Happening] = field(default_factory=dict)
    consents: dict[str, list[Happening]] = field(default_factory=dict)


def read_history(events: Iterable[Any]) -> History:
    h = History()
    for order, event in enumerate(events):
        name = type(event).__name__
        recorded = event.timestamp
        if name == "Registered":
            h.birth_date = event.birth_date
        elif name == "GuardianAdded":
            added = Happening("guardian_added", order, recorded, event.effective_at)
            h.guardians[event.guardian_id] = GuardianRecord(event.custody, added)
        elif name == "GuardianEnded":
            h.guardians[event.guardian_id].ended = Happening(
                "guardian_ended", order, recorded, event.effective_at
            )
        elif name == "CaseClosed":
            h.case_closed[event.case_id] = Happening(
                "case_closed", order, recorded, event.effective_at
            )
        elif name in CONSENT_EVENTS:
            body = event.body
            when = body.get("obtained_at") or body.get("effective_at") or recorded
            h.consents.setdefault(event.consent_id, []).append(
                Happening(CONSENT_EVENTS[name], order, recorded, when, body)
            )
    return h


# -- scope ------------------------------------------------------------------------------------
@dataclass
class Open:
    """A list of purposes or situations: `named` (None = none named) less `excluded`."""

    named: set[str] | None
    excluded: set[str] = field(default_factory=set)

    def covers(self, item: str) -> bool:
        return item not in self.excluded and self.named is not None and item in self.named

    def covered(self) -> set[str]:
        return (self.named or set()) - self.excluded

    def add(self, items: Iterable[str]) -> None:
        items = set(items)
        if self.named is not None:
            self.named |= items
        elif items:
            self.named = set(items)
        self.excluded -= items

    def remove(self, items: Iterable[str]) -> None:
        items = set(items)
        if self.named is not None:
            self.named -= items
        else:
            self.excluded |= items


@dataclass
class RefScope:
    agencies: set[str]
    directions: set[tuple[str, str]] | None
    categories: set[str]
    purposes: Open
    situations: Open

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> RefScope:
        directions = raw.get("directions")
        return cls(
            agencies=set(raw["agencies"]),
            directions=None if directions is None else {(d["from"], d["to"]) for d in directions},
            categories=set(raw["categories"]),
            purposes=Open(set(raw["purposes"]) if raw.get("purposes") else None),
            situations=Open(set(raw["situations"]) if raw.get("situations") else None),
        )

    def every_pair(self) -> set[tuple[str, str]]:
        return {(a, b) for a in self.agencies for b in self.agencies if a != b}

    def add(self, add: Mapping[str, Any]) -> None:
        self.agencies |= set(add.get("agencies") or ())
        if self.directions is not None:
            self.directions |= {(d["from"], d["to"]) for d in add.get("directions") or ()}
        self.categories |= set(add.get("categories") or ())
        self.purposes.add(add.get("purposes") or ())
        self.situations.add(add.get("situations") or ())

    def remove(self, remove: Mapping[str, Any]) -> None:
        pairs = {(d["from"], d["to"]) for d in remove.get("directions") or ()}
        if pairs:
            self.directions = (
                self.every_pair() if self.directions is None else self.directions
            ) - pairs
        gone = set(remove.get("agencies") or ())
        self.agencies -= gone
        if self.directions is not None:
            self.directions = {
                (a, b) for a, b in self.directions if a not in gone and b not in gone
            }
        self.categories -= set(remove.get("categories") or ())
        self.purposes.remove(remove.get("purposes") or ())
        self.situations.remove(remove.get("situations") or ())


# -- one consent ------------------------------------------------------------------------------
@dataclass
class ConsentView:
    consent_id: str
    reasons: set[str]
    stage: str  # adult | older_minor | young_minor
    current_guardians: set[str]
    guardian_signers: set[str]


def _guardian_then(g: GuardianRecord, moment: datetime, known_at: datetime) -> bool:
    if g.added.recorded > known_at or g.added.when > moment:
        return False
    e = g.ended
    return e is None or e.recorded > known_at or e.when > moment


def _view(
    h: History,
    consent_id: str,
    facts: list[Happening],
    *,
    from_agency: str,
    to_agency: str,
    category: str,
    purpose: str | None,
    situation: str | None,
    at: datetime,
    known_at: datetime,
) -> ConsentView:
    assert h.birth_date is not None
    grant, later = facts[0], facts[1:]
    body = grant.body
    reasons: set[str] = set()

    givers = {(g["party"], g.get("guardian_id")) for g in body["givers"]}
    assessment = body.get("maturity_assessment")
    for f in later:
        if f.kind == "signed" and f.when <= at:
            givers.add((f.body["giver"]["party"], f.body["giver"].get("guardian_id")))
            assessment = f.body.get("maturity_assessment") or assessment
        if f.kind == "extended" and f.when <= at:
            givers |= {(g["party"], g.get("guardian_id")) for g in f.body["givers"]}

    obtained = grant.when
    age = age_at(h.birth_date, obtained)
    stage = (
        "adult" if age >= ADULT_AGE else "older_minor" if age >= OWN_CONSENT_AGE else "young_minor"
    )
    current = {gid: g for gid, g in h.guardians.items() if _guardian_then(g, obtained, known_at)}
    sole = {gid for gid, g in current.items() if g.custody == "sole"}
    custodians = sole or set(current)
    guardian_signers = {gid for party, gid in givers if party == "guardian"}
    youth_signed = ("youth", None) in givers
    guardians_complete = bool(custodians) and custodians <= guardian_signers
    assessed = assessment is not None and assessment.get("outcome") == "mature"
    if stage == "adult" or (stage == "older_minor" and assessed):
        complete, rests_on_guardians = youth_signed, False
    elif stage == "older_minor":
        complete, rests_on_guardians = youth_signed and guardians_complete, True
    else:
        complete, rests_on_guardians = guardians_complete, True

    if any(f.kind == "annulled" for f in later):
        reasons.add("CONSENT_ANNULLED")
    if at < body["valid_from"]:
        reasons.add("CONSENT_NOT_YET_VALID")
    if body.get("valid_until") is not None and at > body["valid_until"]:
        reasons.add("CONSENT_EXPIRED")
    if any(f.kind == "revoked" and f.when <= at for f in later):
        reasons.add("CONSENT_REVOKED")
    if not complete:
        reasons.add("CONSENT_PENDING")
    if rests_on_guardians and at >= birthday_instant(h.birth_date, ADULT_AGE):
        reasons.add("GUARDIAN_CONSENT_LAPSED_AT_18")
    closed = h.case_closed.get(body.get("case_id") or "")
    if closed is not None and closed.recorded <= known_at and closed.when <= at:
        reasons.add("CASE_CLOSED")

    scope = RefScope.of(body["scope"])
    changes = [f for f in later if f.kind in ("extended", "partially_revoked") and f.when <= at]
    for f in sorted(changes, key=lambda f: (f.when, f.order)):
        if f.kind == "extended":
            scope.add(f.body["add"])
        else:
            scope.remove(f.body["remove"])
    if to_agency not in scope.agencies:
        reasons.add("RECIPIENT_NOT_COVERED")
    elif (
        from_agency not in scope.agencies
        or from_agency == to_agency
        or (scope.directions is not None and (from_agency, to_agency) not in scope.directions)
    ):
        reasons.add("DIRECTION_NOT_COVERED")
    if category not in scope.categories:
        reasons.add("CATEGORY_NOT_COVERED")
    for what, asked, listed in (
        ("PURPOSE", purpose, scope.purposes),
        ("SITUATION", situation, scope.situations),
    ):
        if not listed.covered() or (asked is not None and not listed.covers(asked)):
            reasons.add(f"{what}_NOT_COVERED")
        elif asked is None:
            reasons.add(f"{what}_NOT_STATED")
    return ConsentView(consent_id, reasons, stage, set(current), guardian_signers)


# -- the decision -----------------------------------------------------------------------------
@dataclass
class Verdict:
    allowed: bool
    codes: list[str]
    consent_ids: list[str]
    views: list[ConsentView]

    def as_tuple(self) -> tuple[bool, list[str], list[str]]:
        return self.allowed, self.codes, self.consent_ids


def decide(
    events: Iterable[Any],
    *,
    from_agency: str,
    to_agency: str,
    category: str,
    at: datetime,
    known_at: datetime,
    purpose: str | None = None,
    situation: str | None = None,
) -> Verdict:
    """The reference answer from the youth's stored events."""
    h = read_history(events)
    views = []
    for consent_id, facts in h.consents.items():
        known = [f for f in facts if f.recorded <= known_at]
        if not known or known[0].kind != "granted":
            continue
        views.append(
            _view(
                h,
                consent_id,
                known,
                from_agency=from_agency,
                to_agency=to_agency,
                category=category,
                purpose=purpose,
                situation=situation,
                at=at,
                known_at=known_at,
            )
        )
    if not views:
        return Verdict(False, ["NO_CONSENT"], [], views)
    # Issue 12, item 6: the default catalogue marks family_situation as usually concerning
    # others; a consent-based question about it that does not say whether it does is refused.
    unstated = {"THIRD_PARTY_NOT_STATED"} if category in CONCERNS_OTHERS else set()
    covering = sorted(v.consent_id for v in views if not v.reasons)
    if covering and unstated:
        return Verdict(False, sorted(unstated), covering, views)
    if covering:
        return Verdict(True, ["CONSENT_COVERS"], covering, views)
    codes = sorted(unstated.union(*(v.reasons for v in views)))
    return Verdict(False, codes, sorted(v.consent_id for v in views), views)
