"""An agency's change feed: in ledger order, the events of the consents, cases and disclosures the
agency may know of (ledger/access.py, rule `feed.read`), and the consents' expiries and 18th-birthday
lapses as they take effect. Items carry ids, times, agencies and categories, nothing personal.

Expiries and lapses are facts of time, not events: no command records them. The feed derives them
when it is read, from the log alone, so that every process and every restart gives the same item at
the same place. A consent that expires (or lapses) at moment m is placed just before the first log
position recorded after m (the log's times never run back, so that is where m falls in ledger
order), and decided on what the ledger knew at m: a consent revoked or annulled before m does not
expire, and one recorded only after m shows its state on its own items instead. Its cursor
`P~m~kind~consent_id` is stable; only a clock of another server behind m by its skew could still
record an event before it, which moves the item one position on (with the same `fact_id`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ledger import access
from ledger.actor import Actor
from ledger.consent import ConsentState, Fact, fold
from ledger.errors import Invalid, LedgerError
from ledger.scope import Scope
from ledger.service import Ledger
from ledger.store.tables import AuditRow
from ledger.timeutil import iso, stamp, unstamp
from ledger.usecases.youths import sig_alerts
from ledger.youth import Case, Youth

MAX_LIMIT = 1000
SCAN = 2000  # log rows looked at per read: a reader far behind still gets a cursor that moves on
EVENT_TYPES = {
    "youth.consent_granted": "consent.granted",
    "youth.consent_signed": "consent.signed",
    "youth.consent_extended": "consent.extended",
    "youth.consent_revoked": "consent.revoked",
    "youth.consent_partially_revoked": "consent.partially_revoked",
    "youth.consent_annulled": "consent.annulled",
    "youth.case_opened": "case.opened",
    "youth.case_closed": "case.closed",
    "youth.disclosure_recorded": "disclosure.recorded",
    "youth.disclosure_refused": "disclosure.refused",
}
EXPIRED, LAPSED, ALERT = "expired", "lapsed", "alert"
TIMED_ALERT = "+alert"  # after the kind of the fact of time that raised it: `expired+alert`
_EVENT_CURSOR = re.compile(r"-1|\d{1,18}")
_ALERT_CURSOR = re.compile(r"(\d{1,18})\+([A-Za-z0-9.-]{1,80})")
_TIME_CURSOR = re.compile(
    r"(\d{1,18})~(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)~((?:expired|lapsed)(?:\+alert)?)"
    r"~([A-Za-z0-9.-]{1,80})"
)


@dataclass(frozen=True, order=True)
class Key:
    """An item's place: the event at `position` (rank 1); a fact of time just before it (rank 0),
    those ordered by moment and consent; an alert that event raised on a case (rank 2)."""

    position: int
    rank: int = 1
    moment: str = ""
    kind: str = ""
    ref: str = ""  # the consent of a fact of time; `case.consent` of an alert

    def cursor(self) -> str:
        if self.rank == 1:
            return str(self.position)
        if self.rank == 2:
            return f"{self.position}+{self.ref}"
        return f"{self.position}~{self.moment}~{self.kind}~{self.ref}"


START = Key(-1)


def parse_after(text: str | None, field_name: str = "after") -> Key:
    """A cursor this feed gave (an item's `id`, or `next_after`); absent: the start."""
    if text is None or text == "":
        return START
    if _EVENT_CURSOR.fullmatch(text):
        return Key(int(text))
    alert = _ALERT_CURSOR.fullmatch(text)
    if alert is not None:
        return Key(int(alert[1]), 2, "", ALERT, alert[2])
    m = _TIME_CURSOR.fullmatch(text)
    if m is None:
        raise Invalid.field(field_name, "is not a position or an item id this feed gave")
    return Key(int(m[1]), 0, m[2], m[3], m[4])


@dataclass
class FeedPage:
    items: list[dict[str, Any]]
    next_after: str
    caught_up: bool
    tree_size: int
    youth_ids: list[str] = field(default_factory=list)
    next_due: datetime | None = None  # the next expiry or lapse not yet shown, for followers

    def json(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "next_after": self.next_after,
            "caught_up": self.caught_up,
            "tree_size": self.tree_size,
        }


def read_feed(ledger: Ledger, actor: Actor, *, after: Key = START, limit: int = 100) -> FeedPage:
    """One page of the caller's agency's feed after `after`; the read is logged (per youth shown)
    when it shows anything."""
    access.require_role(actor, "feed.read")
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid.field("limit", f"must be between 1 and {MAX_LIMIT}")
    page = feed_page(ledger, actor, after=after, limit=limit)
    if page.items:
        ledger.log_reads(
            actor, "read_feed", page.youth_ids, {"after": after.cursor(), "items": len(page.items)}
        )
    return page


def feed_page(ledger: Ledger, actor: Actor, *, after: Key, limit: int) -> FeedPage:
    now = ledger.now()
    tables = ledger.database.tables
    size = int(ledger.database.read(tables.tree_size))  # read first: every row before it is seen
    first = after.position - 1  # the event at the cursor again: an alert of it may follow
    # One more than SCAN: the row at the cursor, read again, must not use up a read's look.
    rows: list[AuditRow] = ledger.database.read(
        tables.audit, types=list(EVENT_TYPES), after=first, limit=SCAN + 1
    )
    reader = _Reader(ledger, actor)
    events: list[tuple[Key, dict[str, Any]]] = []
    frontier = first
    for row in rows:
        if len(events) >= limit:
            break
        events += [kv for kv in reader.event_items(row) if kv[0] > after]
        frontier = row.position
    whole = (len(rows) <= SCAN and len(events) < limit) or not rows
    if whole:  # every row up to the end of the log was looked at
        frontier = max(frontier, size - 1, first)
    # Facts of time up to the frontier; at the end of the log, also those just before the next
    # position, which no event has taken yet.
    upper = Key(frontier + 1, 0, "\uffff") if whole else Key(frontier, 3)
    timed, next_due = reader.time_items(now, after, upper, size)
    merged = sorted(events + timed, key=lambda kv: kv[0])
    shown = merged[:limit]
    truncated = len(merged) > limit or (not whole and len(events) >= limit)
    if truncated or not shown:
        last = shown[-1][0] if shown else max(after, Key(frontier))
    else:
        last = max(shown[-1][0], Key(frontier))
    youth_ids = list(dict.fromkeys(item["youth_id"] for _, item in shown))
    return FeedPage(
        items=[item for _, item in shown],
        next_after=last.cursor(),
        caught_up=whole and not truncated,
        tree_size=size,
        youth_ids=youth_ids,
        next_due=next_due,
    )


class _Reader:
    """What one read of the feed needs: the youths it loads, once each."""

    def __init__(self, ledger: Ledger, actor: Actor) -> None:
        self.ledger = ledger
        self.actor = actor
        self.agency_id = actor.agency_id
        self.youths: dict[str, Youth] = {}
        self.recorded: dict[int, str] = {}

    def youth(self, youth_id: str) -> Youth:
        found = self.youths.get(youth_id)
        if found is None:
            found = self.youths[youth_id] = self.ledger.youth(youth_id)
        return found

    # -- events ---------------------------------------------------------------------------
    def event_items(self, row: AuditRow) -> list[tuple[Key, dict[str, Any]]]:
        """The items of one logged event: itself, if the agency may know of it, and the alerts
        it raised on cases the agency is in."""
        if row.youth_id is None:
            return []
        youth = self.youth(row.youth_id)
        kind = EVENT_TYPES[row.type]
        base = {
            "id": str(row.position),
            "position": row.position,
            "type": kind,
            "youth_id": row.youth_id,
            "recorded_at": iso_stamp(row.recorded_at),
            "occurred_at": iso_stamp(row.occurred_at or row.recorded_at),
            "agency_id": row.agency_id,
        }
        key = Key(row.position)
        version = row.originator_version
        if kind.startswith("consent."):
            return self._consent_items(youth, version, base)
        if kind.startswith("case."):
            case = next((c for c in youth.cases.values() if _case_version(c, version)), None)
            if case is None or not access.feed_knows_case(self.agency_id, case):
                return []
            item = {
                **base,
                "case_id": case.case_id,
                "case": {"form": case.form, "agencies": list(case.agencies)},
            }
            out = [(key, item)]
            if kind == "case.opened" and case.form == "SIG":  # SIG_WITHOUT_POLICE_CONSENT
                at = case.opened.recorded_at
                raised = self.case_alerts(youth, case, self.states(youth, version, at, at), at)
                out += [self._alert_item(base, case, ref, a) for ref, a in raised.items()]
            return out
        disclosure = next(
            (d for d in youth.disclosures.values() if d.fact.version == version), None
        )
        if disclosure is None or not access.feed_knows_disclosure(self.agency_id, disclosure):
            return []
        data = disclosure.fact.data
        summary = disclosure.summary()
        summary.pop("id")
        summary.pop("channel", None)
        summary.pop("recorded_at")
        item = {
            **base,
            "disclosure_id": disclosure.disclosure_id,
            "disclosure": {
                **summary,
                "accepted": disclosure.accepted,
                "basis": data["basis"]["kind"],
                "provision": data["basis"].get("provision"),
                "consent_ids": list(data["decision"].get("consent_ids") or []),
            },
        }
        return [(key, item)]

    def _consent_items(
        self, youth: Youth, version: int, base: dict[str, Any]
    ) -> list[tuple[Key, dict[str, Any]]]:
        for consent_id, facts in youth.consents.items():
            for index, fact in enumerate(facts):
                if fact.version != version:
                    continue
                upto = facts[: index + 1]
                out: list[tuple[Key, dict[str, Any]]] = []
                if access.feed_knows_consent(self.agency_id, upto):
                    # The consent once this event has taken effect, as the ledger knew it then.
                    at = max(fact.recorded_at, fact.effective_at)
                    snapshot = self.snapshot(youth, consent_id, upto, at, fact.recorded_at)
                    item = {**base, "consent_id": consent_id, "consent": snapshot}
                    out.append((Key(base["position"]), item))
                out += self._alerts(youth, consent_id, upto, base)
                return out
        return []

    def _alerts(
        self, youth: Youth, consent_id: str, upto: Sequence[Fact], base: dict[str, Any]
    ) -> list[tuple[Key, dict[str, Any]]]:
        """The alerts a consent event raised on the youth's open SIG cases the agency is in (seed
        004: SIG_POLICE_CONSENT_REVOKED when the social services ↔ police basis goes,
        SIG_WITHOUT_POLICE_CONSENT): those the case shows after the event and not before it, at
        the moment the event took effect as the ledger knew it then. Told to every agency of the
        case, named in the consent or not."""
        fact = upto[-1]
        at = max(fact.recorded_at, fact.effective_at)
        out: list[tuple[Key, dict[str, Any]]] = []
        for case in self.sig_cases(youth):
            if case.opened.version > fact.version or (
                case.closed is not None and case.closed.version < fact.version
            ):
                continue
            after = self.case_alerts(
                youth, case, self.states(youth, fact.version, at, fact.recorded_at), at
            )
            before = self.case_alerts(
                youth, case, self.states(youth, fact.version - 1, at, fact.recorded_at), at
            )
            out += [
                self._alert_item(base, case, ref, a)
                for ref, a in after.items()
                if ref not in before
            ]
        return out

    def sig_cases(self, youth: Youth) -> list[Case]:
        return [
            c
            for c in youth.cases.values()
            if c.form == "SIG" and access.feed_knows_case(self.agency_id, c)
        ]

    def states(
        self, youth: Youth, version: int, at: datetime, known_at: datetime
    ) -> list[ConsentState]:
        """Every consent of the youth at `at` from its facts up to `version` known by `known_at`."""
        out = []
        for consent_id, facts in youth.consents.items():
            known = [f for f in facts if f.version <= version]
            state = self.state(youth, consent_id, known, at, known_at) if known else None
            if state is not None:
                out.append(state)
        return out

    def case_alerts(
        self, youth: Youth, case: Case, states: list[ConsentState], at: datetime
    ) -> dict[str, dict[str, Any]]:
        """The case's alerts as `GET /v1/cases` shows them, for these consent states, by a ref
        that stays the same while the alert stands (`case.consent`)."""
        try:
            basis = self.ledger.police_basis(youth, case, at=at, known_at=at, states=states)
        except LedgerError:
            return {}
        return {f"{case.case_id}.{a['consent_id'] or 'none'}": a for a in sig_alerts(case, basis)}

    @staticmethod
    def _alert_item(
        base: dict[str, Any], case: Case, ref: str, alert: dict[str, Any]
    ) -> tuple[Key, dict[str, Any]]:
        key = Key(base["position"], 2, "", ALERT, ref)
        item = {
            **base,
            "id": key.cursor(),
            "type": "case.alert",
            "case_id": case.case_id,
            "consent_id": alert["consent_id"],
            "alert": alert,
        }
        item.pop("consent", None)
        return key, item

    def state(
        self,
        youth: Youth,
        consent_id: str,
        facts: Sequence[Fact],
        at: datetime,
        known_at: datetime,
    ) -> ConsentState | None:
        return fold(
            consent_id,
            facts,
            at=at,
            known_at=known_at,
            birth_date=youth.birth_date,
            guardians=list(youth.guardians.values()),
            policy=self.ledger.policy,
        )

    def snapshot(
        self,
        youth: Youth,
        consent_id: str,
        facts: Sequence[Fact],
        at: datetime,
        known_at: datetime,
        status: str | None = None,
    ) -> dict[str, Any] | None:
        state = fold(
            consent_id,
            facts,
            at=at,
            known_at=known_at,
            birth_date=youth.birth_date,
            guardians=list(youth.guardians.values()),
            policy=self.ledger.policy,
        )
        if state is None:
            return None
        whole = access.feed_shows_whole_consent(self.actor, youth)
        return {
            "status": status or state.status(at),
            "case_id": state.case_id if whole else None,
            "scope": state.scope.to_json() if whole else self.own_part(state.scope),
            "whole_scope": whole,
            "valid_from": iso(state.valid_from),
            "valid_until": iso(state.valid_until) if state.valid_until else None,
            "lapses_at": iso(state.lapses_at) if state.lapses_at else None,
        }

    def own_part(self, scope: Scope) -> dict[str, Any]:
        """What a consent covers from or to the reader's own agency, all it could learn by a
        check as its own agency."""
        own = self.agency_id
        directions = sorted(d for d in scope.all_directions() if own in d)
        shown = scope.to_json()
        shown["agencies"] = sorted({a for d in directions for a in d} | ({own} & scope.agencies))
        shown["directions"] = [{"from": a, "to": b} for a, b in directions]
        return shown

    # -- facts of time --------------------------------------------------------------------
    def time_items(
        self, now: datetime, lower: Key, upper: Key, size: int
    ) -> tuple[list[tuple[Key, dict[str, Any]]], datetime | None]:
        """Expiries and lapses with lower < key <= upper that have taken effect by `now`; and the
        earliest one still to come."""
        floor_position = lower.position if lower.rank == 1 else lower.position - 1
        floor = self.recorded_at(floor_position) if floor_position >= 0 else ""
        found: list[tuple[Key, dict[str, Any]]] = []
        next_due: datetime | None = None
        for youth_id in self.candidate_youths():
            youth = self.youth(youth_id)
            for consent_id, facts in youth.consents.items():
                if not access.feed_knows_consent(self.agency_id, facts):
                    continue
                for kind, moment in self.moments(youth, consent_id, facts, now):
                    if moment > now or (kind == EXPIRED and moment == now):
                        next_due = moment if next_due is None else min(next_due, moment)
                        continue
                    m = stamp(moment)
                    if m < floor:
                        continue  # before the reader's position (the log's times never run back)
                    item = self.time_item(youth, consent_id, facts, kind, moment, size)
                    if item is not None and lower < item[0] <= upper:
                        found.append(item)
            for case in self.sig_cases(youth):
                for kind, moment in self.case_moments(youth, now):
                    if moment > now or (kind == EXPIRED and moment == now):
                        next_due = moment if next_due is None else min(next_due, moment)
                        continue
                    if stamp(moment) < floor:
                        continue
                    for key, alert_item in self.timed_alerts(youth, case, kind, moment, size):
                        if lower < key <= upper:
                            found.append((key, alert_item))
        return found, next_due

    def case_moments(self, youth: Youth, now: datetime) -> set[tuple[str, datetime]]:
        """Every expiry and lapse of the youth's consents, the agency named in them or not."""
        return {
            moment
            for consent_id, facts in youth.consents.items()
            for moment in self.moments(youth, consent_id, facts, now)
        }

    def timed_alerts(
        self, youth: Youth, case: Case, kind: str, moment: datetime, size: int
    ) -> list[tuple[Key, dict[str, Any]]]:
        """The alerts an expiry or lapse at `moment` raised on an open SIG case: those the case
        shows just after it and not just before, as the ledger knew it at `moment`."""
        if case.opened.recorded_at > moment or case.closed_at(moment, moment):
            return []
        tick = timedelta(microseconds=1)
        # A consent is expired just after valid_until, lapsed from lapses_at on.
        before_at, after_at = (
            (moment, moment + tick) if kind == EXPIRED else (moment - tick, moment)
        )
        version = youth.version
        before = self.case_alerts(
            youth, case, self.states(youth, version, before_at, moment), before_at
        )
        after = self.case_alerts(
            youth, case, self.states(youth, version, after_at, moment), after_at
        )
        m = stamp(moment)
        position = self.first_after(m, size, inclusive=kind == LAPSED)
        out = []
        for ref, alert in after.items():
            if ref in before:
                continue
            key = Key(position, 0, m, kind + TIMED_ALERT, ref)
            item = {
                "id": key.cursor(),
                "position": position,
                "type": "case.alert",
                "youth_id": str(youth.id),
                "recorded_at": None,
                "occurred_at": iso(moment),
                "agency_id": None,
                "case_id": case.case_id,
                "consent_id": alert["consent_id"],
                "alert": alert,
            }
            out.append((key, item))
        return out

    def candidate_youths(self) -> list[str]:
        rows: list[AuditRow] = self.ledger.database.read(
            self.ledger.database.tables.audit,
            agency_id=self.agency_id,
            types=["youth.consent_granted", "youth.consent_extended", "youth.case_opened"],
            limit=10_000_000,
        )
        return list(dict.fromkeys(r.youth_id for r in rows if r.youth_id))

    def moments(
        self, youth: Youth, consent_id: str, facts: Sequence[Fact], now: datetime
    ) -> Iterable[tuple[str, datetime]]:
        state = fold(
            consent_id,
            facts,
            at=now,
            known_at=now,
            birth_date=youth.birth_date,
            guardians=list(youth.guardians.values()),
            policy=self.ledger.policy,
        )
        if state is None or state.annulled is not None:
            return
        if state.valid_until is not None:
            yield EXPIRED, state.valid_until
        if state.lapses_at is not None:
            yield LAPSED, state.lapses_at

    def time_item(
        self,
        youth: Youth,
        consent_id: str,
        facts: Sequence[Fact],
        kind: str,
        moment: datetime,
        size: int,
    ) -> tuple[Key, dict[str, Any]] | None:
        known = [f for f in facts if f.recorded_at <= moment]
        if not access.feed_knows_consent(self.agency_id, known):
            return None
        state = fold(
            consent_id,
            known,
            at=moment,
            known_at=moment,
            birth_date=youth.birth_date,
            guardians=list(youth.guardians.values()),
            policy=self.ledger.policy,
        )
        if state is None or state.annulled is not None or state.revoked is not None:
            return None
        if kind == EXPIRED and state.valid_until != moment:
            return None
        if kind == LAPSED and (
            state.lapses_at != moment
            or (state.valid_until is not None and state.valid_until < moment)
        ):
            return None
        m = stamp(moment)
        # A consent is expired just after valid_until, lapsed from lapses_at on: an event
        # recorded at that very instant comes after a lapse, before an expiry.
        key = Key(self.first_after(m, size, inclusive=kind == LAPSED), 0, m, kind, consent_id)
        snapshot = self.snapshot(youth, consent_id, known, moment, moment, status=kind)
        item = {
            "id": key.cursor(),
            "position": key.position,
            "type": f"consent.{kind}",
            "youth_id": str(youth.id),
            "recorded_at": None,
            "occurred_at": iso(moment),
            "agency_id": None,
            "consent_id": consent_id,
            "fact_id": f"{consent_id}/{kind}",
            "consent": snapshot,
        }
        return key, item

    def recorded_at(self, position: int) -> str:
        found = self.recorded.get(position)
        if found is None:
            row = self.ledger.database.read(self.ledger.database.tables.log_row, position)
            found = self.recorded[position] = row.recorded_at if row is not None else "\uffff"
        return found

    def first_after(self, moment: str, size: int, *, inclusive: bool = False) -> int:
        """The first log position recorded after `moment` (or at it, `inclusive`; `size` if none
        is yet): the log's recorded times never run back, so a binary search finds it."""
        lo, hi = 0, size
        while lo < hi:
            mid = (lo + hi) // 2
            at = self.recorded_at(mid)
            if at > moment or (inclusive and at == moment):
                hi = mid
            else:
                lo = mid + 1
        return lo


def _case_version(case: Any, version: int) -> bool:
    return bool(
        case.opened.version == version
        or (case.closed is not None and case.closed.version == version)
    )


def iso_stamp(text: str) -> str:
    """The log's fixed-width stamp as the API's RFC 3339 UTC."""
    return iso(unstamp(text))
