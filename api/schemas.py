"""Request bodies of the v1 contract (API.md), with the field names exactly as written there.
Shapes are checked here (every string bounded and free of control characters, every time an
`Instant`); meaning (known agencies, a guardian of this youth…) in the ledger."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.textfield import Code, Id, Name, Note, PersonalNumberText, Text
from api.timefield import Instant

LIST_MAX = 100  # agencies, categories, givers…: far more than any consent names


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class TokenIn(Body):
    agency_id: Id
    actor_id: Id
    roles: list[Literal["admin", "coordinator", "staff", "auditor"]] = Field(
        min_length=1, max_length=4
    )
    expires_at: Instant | None = None


class AgencyIn(Body):
    id: Id
    name: Name
    kind: Literal[
        "social_services",
        "police",
        "school",
        "leisure",
        "child_psychiatry",
        "health_care",
        "employment",
        "probation",
        "civil_society",
        "other",
    ]
    municipality: Name | None = None
    org_number: Name | None = Field(
        default=None, description="organisationsnummer of the controller (GDPR art. 15)"
    )
    dpo_contact: Name | None = Field(
        default=None, description="how to reach the data protection officer"
    )


class YouthIn(Body):
    personal_number: PersonalNumberText
    name: Name | None = None


class PersonalNumberIn(Body):
    personal_number: PersonalNumberText
    reason: Text


class GuardianIn(Body):
    name: Name
    personal_number: PersonalNumberText | None = None
    custody: Literal["joint", "sole"]
    effective_at: Instant | None = None


class EndIn(Body):
    reason: Text
    effective_at: Instant | None = None


class CloseCaseIn(EndIn):
    reason_code: (
        Literal["consent_withdrawn", "police_consent_lost", "goals_met", "moved", "other"] | None
    ) = None


class CaseIn(Body):
    youth_id: Id
    form: Literal["SIG", "SSPF"]
    agencies: list[Id] = Field(min_length=1, max_length=LIST_MAX)
    coordinator_actor_id: Id | None = None


class GiverIn(Body):
    party: Literal["youth", "guardian"]
    guardian_id: Id | None = None


class MaturityAssessmentIn(Body):
    assessed_by: Id
    assessed_at: Instant
    rationale: Text
    outcome: Literal["mature", "not_mature"] = Field(
        description="how the assessment came out; with not_mature the youth's signature does not "
        "stand in for the guardians'"
    )


class DirectionIn(Body):
    from_: Id = Field(alias="from")
    to: Id


class ScopeIn(Body):
    agencies: list[Id] = Field(max_length=LIST_MAX)
    directions: list[DirectionIn] | None = Field(default=None, max_length=LIST_MAX)
    categories: list[Code] = Field(max_length=LIST_MAX)
    purposes: list[Code] | None = Field(
        default=None, max_length=LIST_MAX, description="at least one (version 1.1)"
    )
    situations: list[Code] | None = Field(
        default=None, max_length=LIST_MAX, description="at least one (version 1.1)"
    )


class ScopeChangeIn(Body):
    agencies: list[Id] | None = Field(default=None, max_length=LIST_MAX)
    directions: list[DirectionIn] | None = Field(default=None, max_length=LIST_MAX)
    categories: list[Code] | None = Field(default=None, max_length=LIST_MAX)
    purposes: list[Code] | None = Field(default=None, max_length=LIST_MAX)
    situations: list[Code] | None = Field(default=None, max_length=LIST_MAX)


Method = Literal["written", "oral"]


class InformationGivenIn(Body):
    """What the givers were told (issue 14; seeds 000/002/003/004)."""

    purpose: bool = Field(default=False, description="why information is shared")
    recipients: bool = Field(default=False, description="to which agencies it goes")
    right_to_revoke: bool = Field(default=False, description="that the consent can be revoked")
    sig_end_conditions: bool | None = Field(
        default=None, description="SIG: under which conditions the intervention ends (seed 004)"
    )
    how: Literal["written", "oral", "both"] | None = None
    notes: Note | None = None


class InterpreterIn(Body):
    language: Name


class AdaptationsIn(Body):
    """How the information and the consent were adapted to the givers (seeds 000/002/003: "tolk,
    kommunikationsstöd eller andra insatser")."""

    interpreter: InterpreterIn | None = None
    communication_support: bool = False
    easy_read: bool = False
    other: Note | None = None


class ConsentIn(Body):
    youth_id: Id
    case_id: Id | None = None
    givers: list[GiverIn] = Field(min_length=1, max_length=LIST_MAX)
    maturity_assessment: MaturityAssessmentIn | None = None
    method: Method
    form_reference: Name | None = None
    notes: Note | None = None
    interpreter_used: bool = False
    informed_of_revocation: bool = False
    copy_given: bool = False
    scope: ScopeIn
    obtained_at: Instant
    valid_from: Instant | None = None
    valid_until: Instant | None = None
    form_id: Id | None = Field(
        default=None, description="the registered version of the consent form it was given on"
    )
    information_given: InformationGivenIn | None = None
    adaptations: AdaptationsIn | None = Field(
        default=None, description="interpreter_used is derived from adaptations.interpreter"
    )
    child_asked: bool | None = Field(
        default=None, description="guardians' consent for a child under 15: was the child asked"
    )
    child_view: Note | None = Field(
        default=None, description="guardians' consent for a child under 15: the child's own view"
    )


class SignatureIn(Body):
    giver: GiverIn
    maturity_assessment: MaturityAssessmentIn | None = None
    method: Method
    form_reference: Name | None = None
    notes: Note | None = None
    obtained_at: Instant
    information_given: InformationGivenIn | None = None
    adaptations: AdaptationsIn | None = None


class ExtensionIn(Body):
    add: ScopeChangeIn
    givers: list[GiverIn] = Field(min_length=1, max_length=LIST_MAX)
    method: Method
    form_reference: Name | None = None
    notes: Note | None = None
    obtained_at: Instant


class RevocationIn(Body):
    kind: Literal["full", "partial"]
    remove: ScopeChangeIn | None = None
    revoked_by: GiverIn
    communicated: Method
    notes: Note | None = None
    effective_at: Instant


class AnnulmentIn(Body):
    reason: Text


class OthersConsentIn(Body):
    """The consent of someone else the information concerns (a parent, a sibling): who, how, when."""

    who: Name
    method: Literal["written", "oral"]
    obtained_at: Instant
    notes: Note | None = None


class CheckIn(Body):
    from_agency: Id
    to_agency: Id
    youth_id: Id
    category: Code
    purpose: Code | None = None
    situation: Code | None = None
    at: Instant | None = None
    known_at: Instant | None = None
    provision: Code | None = Field(default=None, description="ask about a statutory basis instead")
    note: Note | None = None
    concerns_others: bool | None = Field(
        default=None, description="whether the information also concerns someone else"
    )
    others_consent: OthersConsentIn | None = None


class BasisIn(Body):
    kind: Literal["consent", "statutory"]
    provision: Code | None = None
    note: Note | None = None


class DisclosureIn(Body):
    from_agency: Id
    to_agencies: list[Id] = Field(min_length=1, max_length=LIST_MAX)
    youth_id: Id
    categories: list[Code] = Field(min_length=1, max_length=LIST_MAX)
    purpose: Code
    situation: Code | None = None
    occurred_at: Instant | None = None
    retrospective: bool = False
    basis: BasisIn = Field(default_factory=lambda: BasisIn(kind="consent"))
    channel: Literal["oral", "written", "meeting"] | None = None
    recipient_person: Name | None = None
    concerns_others: bool | None = Field(
        default=None, description="whether the information also concerns someone else"
    )
    others_consent: OthersConsentIn | None = None
    meeting_id: Id | None = Field(
        default=None,
        description="made at this recorded meeting of the youth's case; discloser and recipients "
        "must have been present; occurred_at defaults to when the meeting was held",
    )


class InterventionConsentIn(Body):
    """The consent to the case's intervention itself (seed 004), apart from consents to share."""

    givers: list[GiverIn] = Field(min_length=1, max_length=LIST_MAX)
    method: Method
    form_reference: Name | None = None
    notes: Note | None = None
    obtained_at: Instant


class InterventionWithdrawalIn(Body):
    withdrawn_by: GiverIn
    communicated: Method
    notes: Note | None = None
    effective_at: Instant


class SecrecyDecisionIn(Body):
    """An item withheld from the guardians, the youth or both (OSL 12 kap. 3 § andra stycket,
    26 kap.); ledger/secrecy.py."""

    item_kind: Literal["disclosure", "consent", "meeting"]
    item_id: Id
    audience: Literal["guardians", "youth", "both"]
    provision: Literal["osl-12-3-2", "osl-26-1", "osl-26-5"]
    decided_by: Id = Field(description="who made the decision")
    decided_at: Instant
    notes: Note | None = None


class SecrecyReleaseIn(Body):
    released_at: Instant
    notes: Note | None = None


class ConsentFormIn(Body):
    """A version of a pre-printed consent form; its text is kept with its SHA-256."""

    name: Name
    version: Name
    text: Text


class MeetingIn(Body):
    """A network meeting of a case (issue 14; seed 003)."""

    held_at: Instant
    channel: Literal["in_person", "video", "phone"]
    agencies: list[Id] = Field(min_length=1, max_length=LIST_MAX, description="agencies present")
    youth_present: bool = False
    guardians_present: list[Id] = Field(default_factory=list, max_length=LIST_MAX)
    others_present: list[Name] = Field(
        default_factory=list, max_length=LIST_MAX, description="other persons present, by name"
    )
    consent_ids: list[Id] = Field(
        default_factory=list, max_length=LIST_MAX, description="the consents the meeting relied on"
    )
    notes: Note | None = None


class ReviewIn(Body):
    youth_id: Id | None = None
    agency_id: Id | None = None
    since: Instant | None = None
    until: Instant | None = None


def command_dict(body: BaseModel) -> dict[str, object]:
    """The body as the ledger's use cases take it: datetimes stay datetimes, `from` keeps its name."""
    return body.model_dump(by_alias=True)
