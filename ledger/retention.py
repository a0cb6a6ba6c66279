"""Retention: how long a youth's records are kept before they are disposed of (gallring), per agency
kind, as data (`data/retention.json`, or the deployment's own file: LEDGER_RETENTION_FILE), each
rule with its source; the youth's disposal date; and the one rule on erasing earlier.

The disposal date: the rules' `years` after the closing of the youth's last case (after the
youth's last entry when there is no case), by the longest rule among the kinds of the agencies of
the youth's cases and of the agency that registered the youth. While a case is open there is none.
DOMAIN.md: "A revocation or an erasure request does not by itself allow deleting the consent or
disclosure log", so erasing before the disposal date needs a reason and a second actor's approval
(issue 14)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from ledger.timeutil import birthday, local_date


@dataclass(frozen=True)
class RetentionRule:
    kind: str  # an agency kind, or "default"
    years: int
    source: str


@dataclass(frozen=True)
class RetentionRules:
    default: RetentionRule
    kinds: Mapping[str, RetentionRule]

    def rule(self, kind: str) -> RetentionRule:
        return self.kinds.get(kind, self.default)


@dataclass(frozen=True)
class Disposal:
    date: dt.date | None  # None: a case is still open
    rule: RetentionRule
    since: dt.date | None  # the closing (or last entry) the years run from

    def due(self, today: dt.date) -> bool:
        return self.date is not None and self.date <= today

    def to_json(self) -> dict[str, Any]:
        return {
            "disposal_date": self.date.isoformat() if self.date else None,
            "years": self.rule.years,
            "after": self.since.isoformat() if self.since else None,
            "rule_kind": self.rule.kind,
            "source": self.rule.source,
            "rule_sv": f"Uppgifterna sparas i {self.rule.years} år efter att ärendet avslutades"
            + ("." if self.date else "; ärendet pågår fortfarande."),
            "rule_en": f"The data is kept for {self.rule.years} years after the case was closed"
            + ("." if self.date else "; the case is still open."),
        }


def parse_retention(raw: Mapping[str, Any]) -> RetentionRules:
    default = raw["default"]
    return RetentionRules(
        default=RetentionRule("default", int(default["years"]), str(default["source"])),
        kinds={
            kind: RetentionRule(kind, int(r["years"]), str(r["source"]))
            for kind, r in (raw.get("kinds") or {}).items()
        },
    )


def load_retention(path: Path | None = None) -> RetentionRules:
    if path is None:
        text = resources.files("ledger").joinpath("data/retention.json").read_text("utf-8")
    else:
        text = path.read_text("utf-8")
    return parse_retention(json.loads(text))


DEFAULT_RETENTION = load_retention()


def disposal(
    *,
    cases: list[tuple[tuple[str, ...], datetime | None]],  # (agencies, closed at) of each case
    registered_by: str,
    last_entry: datetime,
    kind_of: Callable[[str], str | None],
    rules: RetentionRules,
) -> Disposal:
    agencies = {registered_by, *(a for agencies, _ in cases for a in agencies)}
    kinds = {k for k in map(kind_of, agencies) if k is not None}
    # the longest; on a tie a rule of its own kind rather than the default
    rule = max(
        (rules.rule(k) for k in sorted(kinds)),
        key=lambda r: (r.years, r.kind != "default"),
        default=rules.default,
    )
    if any(closed is None for _, closed in cases):
        return Disposal(None, rule, None)
    ends = [closed for _, closed in cases if closed is not None]
    since = local_date(max([*ends, last_entry]) if ends else last_entry)
    return Disposal(birthday(since, rule.years), rule, since)


def early_erasure_refused(
    due: Disposal, now: datetime, *, reason: str, approved_by: str | None, operator: str
) -> str | None:
    """Why an erasure before the disposal date is refused, or None when it may go ahead."""
    if due.due(local_date(now)):
        return None
    when = due.date.isoformat() if due.date else "the cases close"
    if not reason.strip():
        return f"the records are kept until {when}: an earlier erasure needs a reason"
    if not approved_by or not approved_by.strip():
        return f"the records are kept until {when}: an earlier erasure needs a second actor's approval (--approved-by)"
    if approved_by.strip() == operator:
        return "the approval must come from a second actor, not from the one who erases"
    return None
