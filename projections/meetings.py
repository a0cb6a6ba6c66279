"""The meetings of a review: per network meeting who was there, the consents it relied on, and who
received what at it; a meeting held before any consent of its case was in effect is a finding.

The rule and its source (MEETING_BEFORE_CONSENT): seed 003 (Lou) has the coordinator "inhämta
samtycke till informationsutbyte mellan aktörerna" before the first SSPF meeting, and "Vid mötet
tillämpas det samtycke till informationsutbyte som skrivits på"; seed 002: "Inhämta samtycke för
informationsutbyte mellan alla relevanta aktörer … för den planerade SIG-insatsen". A network
meeting exists to share information about the youth, so one held while no consent of its case
was in effect had nothing to share on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ledger.meeting import Meeting
from ledger.rules import consents_as_of
from ledger.service import Ledger
from ledger.timeutil import iso
from ledger.youth import Youth
from projections.findings import Finding, say

MEETING_BEFORE_CONSENT = "MEETING_BEFORE_CONSENT"
IN_EFFECT = ("active", "partially_revoked")


def in_scope(
    meeting: Meeting, agency_id: str | None, since: datetime | None, until: datetime | None
) -> bool:
    if agency_id is not None and agency_id not in meeting.agencies:
        return False
    at = meeting.held_at
    return (since is None or at >= since) and (until is None or at < until)


def consent_in_effect(ledger: Ledger, youth: Youth, meeting: Meeting, now: datetime) -> bool:
    """Whether a consent that can serve the meeting's case was in effect when it was held, as the
    ledger knows it now: one recorded for the case, for no particular case, or named by the
    meeting as relied on."""
    at = meeting.held_at
    states = consents_as_of(youth, at=at, known_at=now, policy=ledger.policy)
    return any(
        s.granted.effective_at <= at
        and s.valid_from <= at
        and s.status(at) in IN_EFFECT
        and (s.case_id in (None, meeting.case_id) or s.consent_id in meeting.consent_ids)
        for s in states
    )


def review_meetings(
    ledger: Ledger,
    youth: Youth,
    now: datetime,
    *,
    agency_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[dict[str, Any]], list[Finding]]:
    entries: list[dict[str, Any]] = []
    findings: list[Finding] = []
    youth_id = str(youth.id)
    for meeting in sorted(youth.meetings.values(), key=lambda m: m.held_at):
        if not in_scope(meeting, agency_id, since, until):
            continue
        data = meeting.fact.data
        found: list[Finding] = []
        if not consent_in_effect(ledger, youth, meeting, now):
            said = say(
                MEETING_BEFORE_CONSENT,
                meeting=meeting.meeting_id,
                case=meeting.case_id,
                at=meeting.held_at,
            )
            found.append(
                Finding.of(MEETING_BEFORE_CONSENT, said, youth_id, meeting_id=meeting.meeting_id)
            )
        received = [
            {
                "disclosure_id": d.disclosure_id,
                "from_agency": d.fact.data["from_agency"],
                "to_agencies": list(d.fact.data["to_agencies"]),
                "categories": list(d.fact.data["categories"]),
                "accepted": d.accepted,
            }
            for d in youth.disclosures.values()
            if d.fact.data.get("meeting_id") == meeting.meeting_id
        ]
        entries.append(
            {
                "id": meeting.meeting_id,
                "case_id": meeting.case_id,
                "youth_id": youth_id,
                "held_at": iso(meeting.held_at),
                "recorded_at": iso(meeting.fact.recorded_at),
                "channel": data.get("channel"),
                "agencies": list(meeting.agencies),
                "youth_present": bool(data.get("youth_present")),
                "guardians_present": list(meeting.guardians_present),
                "others_present": len(data.get("others_present") or []),
                "consent_ids": list(meeting.consent_ids),
                "received": received,
                "findings": sorted({f.code for f in found}),
            }
        )
        findings += found
    return entries, findings
