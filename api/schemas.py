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


class SignatureIn(Body):
    giver: GiverIn
    maturity_assessment: MaturityAssessmentIn | None = None
    method: Method
    form_reference: Name | None = None
    notes: Note | None = None
    obtained_at: Instant


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


class ReviewIn(Body):
    youth_id: Id | None = None
    agency_id: Id | None = None
    since: Instant | None = None
    until: Instant | None = None


def command_dict(body: BaseModel) -> dict[str, object]:
    """The body as the ledger's use cases take it: datetimes stay datetimes, `from` keeps its name."""
    return body.model_dump(by_alias=True)
