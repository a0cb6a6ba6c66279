"""The compliance review (JO-style) over a youth, an agency and/or a period: every accepted
disclosure with its basis judged as the ledger knew it when the disclosure was recorded and as it
is known now, and the findings of API.md with a severity each."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from ledger.application import Request
from ledger.consent import EXTENDED, Fact
from ledger.errors import Forbidden, Invalid
from ledger.service import Ledger
from ledger.timeutil import iso
from ledger.youth import Disclosure, Youth
from projections.audit import may_view_youth, require_youth_view
from projections.findings import SEVERITIES, Finding
from projections.youth_review import YouthReview


def run_review(
    ledger: Ledger,
    request: Request,
    *,
    youth_id: str | None = None,
    agency_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    """Auditors review anything; a coordinator the youths of their agency's cases, or their own
    agency's disclosures."""
    if since is not None and until is not None and until <= since:
        raise Invalid.field("until", "must be after since")
    youths = _youths_in_scope(ledger, request, youth_id, agency_id)
    report = review(ledger, youths, agency_id=agency_id, since=since, until=until)
    report["scope"] = {
        "youth_id": youth_id,
        "agency_id": agency_id,
        "since": iso(since) if since else None,
        "until": iso(until) if until else None,
    }
    details: dict[str, object] = {
        "agency_id": agency_id,
        "since": iso(since) if since else None,
        "until": iso(until) if until else None,
        "youths": len(youths),
        "disclosures": report["summary"]["disclosures"],
        "findings": report["summary"]["findings"],
    }
    # A read of every youth whose disclosures the report shows (of the one asked about, even
    # when it shows none), as a listing of disclosures logs it.
    shown = (
        [youth_id]
        if youth_id
        else list(dict.fromkeys(d["youth_id"] for d in report["disclosures"]))
    )
    ledger.log_reads(request.actor, "run_review", shown, details)
    return report


def _youths_in_scope(
    ledger: Ledger, request: Request, youth_id: str | None, agency_id: str | None
) -> list[Youth]:
    actor = request.actor
    if youth_id is not None:
        youth = ledger.youth(youth_id)
        require_youth_view(actor, youth)
        return [youth]
    if not actor.has("auditor"):
        if not actor.has("coordinator"):
            raise Forbidden("a review needs the role auditor, or coordinator for their own cases")
        if agency_id is None:
            # A coordinator's review without a youth: the cases their agency takes part in.
            rows = _audit(ledger, types=["youth.case_opened"], agency_id=actor.agency_id)
            found = [ledger.youth(y) for y in _unique(r.youth_id for r in rows)]
            return [y for y in found if may_view_youth(actor, y)]
        if agency_id != actor.agency_id:
            raise Forbidden("a coordinator may review only their own agency's disclosures")
    # The youths of the disclosures in scope, and of the consents that name the agency: a review
    # lists every deficiently documented consent in scope, used or not.
    types = ["youth.disclosure_recorded", "youth.consent_granted", "youth.consent_extended"]
    rows = _audit(ledger, types=types, agency_id=agency_id)
    return [ledger.youth(y) for y in _unique(r.youth_id for r in rows)]


def _audit(ledger: Ledger, *, types: list[str], agency_id: str | None) -> list[Any]:
    rows: list[Any] = ledger.database.read(
        ledger.database.tables.audit, types=types, agency_id=agency_id, limit=10_000_000
    )
    return rows


def _unique(ids: Iterable[str | None]) -> list[str]:
    return [i for i in dict.fromkeys(ids) if i]


# -- the projection --------------------------------------------------------------------------
def review(
    ledger: Ledger,
    youths: Sequence[Youth],
    *,
    agency_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    now = ledger.now()
    entries: list[dict[str, Any]] = []
    findings: list[Finding] = []
    for youth in youths:
        chosen = [
            d
            for d in youth.disclosures.values()
            if d.accepted and _in_scope(d, agency_id, since, until)
        ]
        documented = consents_in_scope(youth, agency_id, since, until)
        if not chosen and not documented:
            continue
        positions = ledger.positions(youth.id)
        judge = YouthReview(ledger, youth, now)
        for d in chosen:
            entry, found = judge.disclosure(d)
            entry["position"] = positions.get(d.fact.version)
            entries.append(entry)
            findings += found
        findings += judge.consent_findings(documented)
        findings += judge.consents_without_purpose(documented)
    entries.sort(key=lambda e: (e["position"] is None, e["position"] or 0))
    unique = list({f.key(): f for f in findings}.values())
    concerning = _by_disclosure(unique)
    for entry in entries:
        entry["findings"] = sorted({f.code for f in concerning.get(entry["id"], [])})
    return {
        "generated_at": iso(now),
        "disclosures": entries,
        "findings": [f.to_json() for f in unique],
        "summary": summarise(entries, unique),
    }


def consents_in_scope(
    youth: Youth, agency_id: str | None, since: datetime | None, until: datetime | None
) -> list[str]:
    """The youth's consents a review covers: those naming the agency (or registered by it), that
    were obtained before the period ends and had not expired before it began."""
    out = []
    for cid, facts in youth.consents.items():
        grant = facts[0]
        named = {*grant.scope.agencies, *(a for f in facts for a in _added_agencies(f))}
        if agency_id is not None and agency_id not in named and grant.agency_id != agency_id:
            continue
        valid_until = grant.data.get("valid_until")
        if until is not None and grant.effective_at >= until:
            continue
        if since is not None and valid_until is not None and valid_until < since:
            continue
        out.append(cid)
    return out


def _added_agencies(fact: Fact) -> list[str]:
    return list((fact.data.get("add") or {}).get("agencies") or []) if fact.kind == EXTENDED else []


def _in_scope(
    d: Disclosure, agency_id: str | None, since: datetime | None, until: datetime | None
) -> bool:
    data = d.fact.data
    if agency_id is not None and agency_id not in (data["from_agency"], *data["to_agencies"]):
        return False
    at = d.fact.effective_at
    return (since is None or at >= since) and (until is None or at < until)


def _by_disclosure(findings: Sequence[Finding]) -> dict[str, list[Finding]]:
    """Each disclosure's findings: those about it, and those about a consent it rested on."""
    out: dict[str, list[Finding]] = {}
    for f in findings:
        for disclosure_id in dict.fromkeys([f.disclosure_id, *f.disclosure_ids]):
            if disclosure_id is not None:
                out.setdefault(disclosure_id, []).append(f)
    return out


def summarise(entries: Sequence[Mapping[str, Any]], findings: Sequence[Finding]) -> dict[str, Any]:
    by_code = Counter(f.code for f in findings)
    by_severity = Counter(f.severity for f in findings)
    concerning = _by_disclosure(findings)
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    bases: dict[str, dict[str, int]] = {}
    for e in entries:
        n = len(concerning.get(e["id"], []))
        for to in e["to_agencies"]:
            pair = pairs.setdefault(
                (e["from_agency"], to),
                {
                    "pair": f"{e['from_agency']}→{to}",
                    "from_agency": e["from_agency"],
                    "to_agency": to,
                    "disclosures": 0,
                    "findings": 0,
                },
            )
            pair["disclosures"] += 1
            pair["findings"] += n
        basis = bases.setdefault(e["basis_label"], {"disclosures": 0, "findings": 0})
        basis["disclosures"] += 1
        basis["findings"] += n
    return {
        "disclosures": len(entries),
        "findings": len(findings),
        "by_code": dict(sorted(by_code.items())),
        "by_severity": {s: by_severity.get(s, 0) for s in SEVERITIES},
        "by_agency_pair": [pairs[k] for k in sorted(pairs)],
        "by_basis": dict(sorted(bases.items())),
    }
