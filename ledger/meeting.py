"""Network meetings of a case (nätverksmöte): when, how, who was there, and the consents the meeting
relied on. Seed 003 (Lou): "Vid mötet tillämpas det samtycke till informationsutbyte som skrivits på
igen"; the coordinator is to "kalla till regelbundna möten … och föra anteckningar"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ledger.consent import Fact

# How a meeting was held. A disclosure made at a meeting has the channel `meeting`.
MEETING_CHANNELS = ("in_person", "video", "phone")


@dataclass(frozen=True)
class Meeting:
    meeting_id: str
    case_id: str
    agencies: tuple[str, ...]  # the agencies present
    # data: held_at, channel, youth_present, guardians_present, others_present (personal),
    # consent_ids (relied on), notes (personal)
    fact: Fact

    @property
    def held_at(self) -> datetime:
        return self.fact.effective_at

    @property
    def consent_ids(self) -> tuple[str, ...]:
        return tuple(self.fact.data.get("consent_ids") or ())

    @property
    def guardians_present(self) -> tuple[str, ...]:
        return tuple(self.fact.data.get("guardians_present") or ())


def disclosed_at(
    meeting: Meeting, from_agency: str, to_agencies: list[str]
) -> list[tuple[str, str]]:
    """What is wrong with a disclosure said to be made at `meeting`: who disclosed and who received
    must have been present (a meeting is a room, not a mailing list)."""
    errors = []
    if from_agency not in meeting.agencies:
        errors.append(("from_agency", "was not present at the meeting (meeting_id)"))
    absent = [a for a in to_agencies if a not in meeting.agencies]
    if absent:
        errors.append(("to_agencies", f"not present at the meeting: {', '.join(absent)}"))
    return errors
