"""Use cases of network meetings: a coordinator records a meeting of a case (who was there, how,
which consents it relied on); the case's meetings are listed with the disclosures made at each."""

from __future__ import annotations

import uuid
from typing import Any

from ledger import access
from ledger.access import require_role
from ledger.application import Outcome, Request
from ledger.errors import Invalid
from ledger.meeting import MEETING_CHANNELS, Meeting
from ledger.personal import Personal, reveal
from ledger.timeutil import iso
from ledger.usecases.sharing import SharingUseCases
from ledger.youth import Youth


class MeetingUseCases(SharingUseCases):
    def record_meeting(
        self, request: Request, case_id: str, cmd: dict[str, Any]
    ) -> tuple[int, Any]:
        require_role(request.actor, "youth.write")

        def command() -> Outcome:
            if cmd.get("channel") not in MEETING_CHANNELS:
                raise Invalid.field("channel", f"must be one of {', '.join(MEETING_CHANNELS)}")
            agencies = list(dict.fromkeys(cmd.get("agencies") or []))
            if not agencies:
                raise Invalid.field("agencies", "name at least one agency present")
            for i, a in enumerate(agencies):
                self.agency(a, field=f"agencies[{i}]")
            held_at = self.check_moment(cmd.get("held_at"), "held_at")
            youth = self.youth_of("case", case_id, for_update=True)
            self.require_open(access.require(request.actor, "youth.write", youth))
            others = [str(p).strip() for p in cmd.get("others_present") or [] if str(p).strip()]
            body = {
                "channel": cmd["channel"],
                "youth_present": bool(cmd.get("youth_present", False)),
                "guardians_present": list(dict.fromkeys(cmd.get("guardians_present") or [])),
                "others_present": [Personal(p) for p in others],
                "consent_ids": list(dict.fromkeys(cmd.get("consent_ids") or [])),
                "notes": Personal.of(cmd.get("notes")),
            }
            meeting_id = str(uuid.uuid4())
            youth.record_meeting(
                meeting_id=meeting_id,
                case_id=case_id,
                held_at=held_at,
                agencies=agencies,
                body=body,
                actor=request.actor,
                now=self.now(),
            )
            answer = self.meeting_json(youth, youth.meeting(meeting_id))
            return Outcome(
                (youth,), 201, answer, lookups=((f"meeting:{meeting_id}", str(youth.id)),)
            )

        return self.execute(request, command)

    def list_meetings(self, request: Request, case_id: str) -> list[dict[str, Any]]:
        require_role(request.actor, "youth.read")
        youth = access.require(request.actor, "youth.read", self.youth_of("case", case_id))
        youth.case(case_id)
        self.log_access(request.actor, "list_meetings", str(youth.id), {"case_id": case_id})
        meetings = [m for m in youth.meetings.values() if m.case_id == case_id]
        meetings.sort(key=lambda m: m.held_at)
        return [self.meeting_json(youth, m) for m in meetings]

    def meeting_json(self, youth: Youth, meeting: Meeting) -> dict[str, Any]:
        data = meeting.fact.data
        return {
            "id": meeting.meeting_id,
            "case_id": meeting.case_id,
            "youth_id": str(youth.id),
            "held_at": iso(meeting.held_at),
            "channel": data["channel"],
            "agencies": list(meeting.agencies),
            "youth_present": bool(data.get("youth_present")),
            "guardians_present": list(meeting.guardians_present),
            "others_present": [reveal(p) for p in data.get("others_present") or []],
            "consent_ids": list(meeting.consent_ids),
            "notes": reveal(data.get("notes")),
            "recorded_at": iso(meeting.fact.recorded_at),
            "recorded_by": meeting.fact.actor_id,
            "disclosure_ids": [
                d.disclosure_id
                for d in youth.disclosures.values()
                if d.fact.data.get("meeting_id") == meeting.meeting_id
            ],
        }
