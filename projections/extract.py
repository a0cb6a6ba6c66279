"""The register extract for one youth (GDPR art. 15): what was shared about them, with whom, when
and on which basis; their consents and revocations. Refused attempts are listed apart: nothing was
disclosed by them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ledger.application import Request
from ledger.consent import PARTIALLY_REVOKED, REVOKED, ConsentState, Fact, assessment_outcome
from ledger.errors import Invalid
from ledger.intervention import intervention_view
from ledger.personal import reveal
from ledger.rules import consents_as_of
from ledger.service import Ledger
from ledger.timeutil import iso
from ledger.usecases.consents import informed_json
from ledger.usecases.youths import formatted_number
from ledger.youth import Disclosure, Youth
from projections.audit import require_youth_view
from projections.extract_audience import AUDIENCES, for_audience

SECRECY_REVIEW_PROVISIONS = frozenset({"report-of-concern"})


def register_extract(
    ledger: Ledger,
    request: Request,
    youth_id: str,
    *,
    form: str = "json",
    audience: str = "youth",
) -> dict[str, Any]:
    """The extract, as auditors and the coordinators of the youth's cases may produce it, said to
    its reader: the youth (default), the guardians, or the official preparing it
    (projections/extract_audience.py)."""
    youth = ledger.youth(youth_id)
    require_youth_view(request.actor, youth)
    details: dict[str, object] = {"format": form, "audience": audience}
    if audience not in AUDIENCES:
        raise Invalid.field("audience", f"must be one of {', '.join(AUDIENCES)}")
    ledger.log_access(request.actor, "read_register_extract", str(youth.id), details)
    return for_audience(ledger, youth, extract_json(ledger, youth), audience, ledger.now())


def extract_json(ledger: Ledger, youth: Youth) -> dict[str, Any]:
    now = ledger.now()
    states = {
        s.consent_id: s for s in consents_as_of(youth, at=now, known_at=now, policy=ledger.policy)
    }
    accepted = [d for d in youth.disclosures.values() if d.accepted]
    refused = [d for d in youth.disclosures.values() if not d.accepted]
    accepted.sort(key=lambda d: d.fact.effective_at)
    refused.sort(key=lambda d: d.fact.effective_at)
    agencies: set[str] = set()
    for d in youth.disclosures.values():
        agencies.update([d.data["from_agency"], *d.data["to_agencies"]])
    for state in states.values():
        agencies.update(state.granted.data["scope"]["agencies"])
    for meeting in youth.meetings.values():
        agencies.update(meeting.agencies)
    agencies.update(f.agency_id for f in youth.registration_attempts)
    return {
        "youth": {
            "id": str(youth.id),
            "name": reveal(youth.name),
            "personal_number": formatted_number(youth.personal_number),
            "birth_date": youth.birth_date.isoformat(),
            "erased": youth.erased is not None,
        },
        "generated_at": iso(now),
        "guardians": [
            {
                "guardian_id": g.guardian_id,
                "name": reveal(youth.guardian_names.get(g.guardian_id)),
                "custody": g.custody,
                "from": iso(g.added.effective_at),
                "until": iso(g.ended.effective_at) if g.ended else None,
            }
            for g in youth.guardians.values()
        ],
        "disclosures": [_disclosure(d, states) for d in accepted],
        "consents": [_consent(youth, s, now) for s in states.values()],
        "revocations": [
            _revocation(youth, cid, f)
            for cid, facts in youth.consents.items()
            for f in facts
            if f.kind in (REVOKED, PARTIALLY_REVOKED)
        ],
        # The network meetings about the youth (issue 14): when, how, who was there, what was
        # disclosed at each (the disclosures above carry the meeting's id).
        "meetings": [
            {
                "id": m.meeting_id,
                "case_id": m.case_id,
                "held_at": iso(m.held_at),
                "channel": m.fact.data.get("channel"),
                "agencies": list(m.agencies),
                "youth_present": bool(m.fact.data.get("youth_present")),
                "guardians_present": [
                    _giver(youth, {"party": "guardian", "guardian_id": g})
                    for g in m.guardians_present
                ],
                "disclosure_ids": [
                    d.disclosure_id for d in accepted if d.data.get("meeting_id") == m.meeting_id
                ],
            }
            for m in sorted(youth.meetings.values(), key=lambda m: m.held_at)
        ],
        # The consent to each case's intervention, apart from consents to share (issue 14).
        "interventions": [
            {"case_id": c.case_id, "form": c.form, **intervention_view(held, now, now)}
            for c in youth.cases.values()
            if (held := youth.interventions.get(c.case_id, ()))
        ],
        "refused_attempts": [_attempt(d) for d in refused],
        # Each agency that learned the youth is registered here by trying to register them.
        "registration_attempts": [
            {"agency_id": f.agency_id, "at": iso(f.recorded_at)}
            for f in youth.registration_attempts
        ],
        "agencies": {a: _agency(ledger, a) for a in sorted(agencies)},
        "categories": {
            c.id: {"label_sv": c.label_sv, "label_en": c.label_en}
            for c in ledger.catalogue.categories
        },
        "purposes": {
            p.id: {"label_sv": p.label_sv, "label_en": p.label_en}
            for p in ledger.catalogue.purposes
        },
        "situations": {
            s.id: {"label_sv": s.label_sv, "label_en": s.label_en}
            for s in ledger.catalogue.situations
        },
        "provisions": {
            p.id: {"label_sv": p.label_sv, "label_en": p.label_en}
            for p in ledger.catalogue.provisions
        },
    }


def _disclosure(d: Disclosure, states: Mapping[str, ConsentState]) -> dict[str, Any]:
    data = d.data
    decision = data["decision"]
    basis: dict[str, Any] = {"kind": data["basis"]["kind"], "held": bool(decision["allowed"])}
    if basis["kind"] == "statutory":
        basis["provision"] = data["basis"].get("provision")
    else:
        relied = decision["consent_ids"] if decision["allowed"] else []
        basis["consents"] = [
            {
                "id": cid,
                "form_reference": states[cid].granted.data.get("form_reference")
                if cid in states
                else None,
                "method": states[cid].granted.data.get("method") if cid in states else None,
                "obtained_at": iso(states[cid].granted.effective_at) if cid in states else None,
            }
            for cid in relied
        ]
    return {
        **d.summary(),
        "basis": basis,
        # Secrecy may hide who filed a report of concern even from the youth (DOMAIN.md): the
        # official handing the extract out checks it first.
        "secrecy_review": basis.get("provision") in SECRECY_REVIEW_PROVISIONS,
    }


def _giver(youth: Youth, raw: Mapping[str, Any]) -> dict[str, Any]:
    if raw.get("party") == "guardian":
        gid = raw.get("guardian_id")
        name = reveal(youth.guardian_names.get(gid)) if gid else None
        return {"party": "guardian", "guardian_id": gid, "name": name}
    return {"party": "youth"}


def _consent(youth: Youth, state: ConsentState, now: datetime) -> dict[str, Any]:
    grant = state.granted.data
    givers = sorted(state.givers, key=lambda g: (g.party != "youth", g.guardian_id or ""))
    return {
        "id": state.consent_id,
        "status": state.status(now),
        "givers": [_giver(youth, g.to_json()) for g in givers],
        "scope": state.scope.to_json(),
        "method": grant.get("method"),
        "form_reference": grant.get("form_reference"),
        "interpreter_used": bool(grant.get("interpreter_used")),
        "informed_of_revocation": bool(grant.get("informed_of_revocation")),
        "copy_given": bool(grant.get("copy_given")),
        **informed_json(grant),  # null: not recorded
        "maturity_assessment": state.maturity_assessment is not None,
        # how it came out, who assessed and when (issue 12, item 3); the rationale stays out
        "maturity_assessment_outcome": assessment_outcome(state.maturity_assessment),
        "maturity_assessed_by": (state.maturity_assessment or {}).get("assessed_by"),
        "maturity_assessed_at": _when((state.maturity_assessment or {}).get("assessed_at")),
        "obtained_at": iso(state.granted.effective_at),
        "valid_from": iso(state.valid_from),
        "valid_until": iso(state.valid_until) if state.valid_until else None,
        "registered_at": iso(state.granted.recorded_at),
        "registered_by_agency": state.granted.agency_id,
        "annulled": state.annulled is not None,
    }


def _revocation(youth: Youth, consent_id: str, fact: Fact) -> dict[str, Any]:
    data = fact.data
    return {
        "consent_id": consent_id,
        "kind": "full" if fact.kind == REVOKED else "partial",
        "remove": dict(data.get("remove") or {}),
        "revoked_by": _giver(youth, data.get("revoked_by") or {}),
        "communicated": data.get("communicated"),
        "effective_at": iso(fact.effective_at),
        "recorded_at": iso(fact.recorded_at),
    }


def _attempt(d: Disclosure) -> dict[str, Any]:
    data = d.data
    return {
        "id": d.disclosure_id,
        "from_agency": data["from_agency"],
        "to_agencies": list(data["to_agencies"]),
        "categories": list(data["categories"]),
        "occurred_at": iso(d.fact.effective_at),
        "recorded_at": iso(d.fact.recorded_at),
    }


def _agency(ledger: Ledger, agency_id: str) -> dict[str, Any]:
    try:
        agency = ledger.agency(agency_id)
    except Invalid:
        return {"name": agency_id, "kind": None}
    return {"name": agency.name, "kind": agency.kind}


def _when(value: Any) -> str | None:
    return iso(value) if isinstance(value, datetime) else None
