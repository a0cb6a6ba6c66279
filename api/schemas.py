"""Request bodies of the v1 contract (API.md), with the field names exactly as written there.
Shapes are checked here; meaning (known agencies, a guardian of this youth…) in the ledger."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Text = Field(min_length=1, max_length=10_000)
Id = Field(min_length=1, max_length=200)


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class TokenIn(Body):
    agency_id: str = Id
    actor_id: str = Id
    roles: list[Literal["admin", "coordinator", "staff", "auditor"]] = Field(min_length=1)
    expires_at: AwareDatetime | None = None


class AgencyIn(Body):
    id: str = Id
    name: str = Field(min_length=1, max_length=300)
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
    municipality: str | None = Field(default=None, max_length=200)


class YouthIn(Body):
    personal_number: str = Field(min_length=10, max_length=13)
    name: str | None = Field(default=None, max_length=300)


class PersonalNumberIn(Body):
    personal_number: str = Field(min_length=10, max_length=13)
    reason: str = Text


class GuardianIn(Body):
    name: str = Field(min_length=1, max_length=300)
    personal_number: str | None = Field(default=None, min_length=10, max_length=13)
    custody: Literal["joint", "sole"]
    effective_at: AwareDatetime | None = None


class EndIn(Body):
    reason: str = Text
    effective_at: AwareDatetime | None = None


class CaseIn(Body):
    youth_id: str = Id
    form: Literal["SIG", "SSPF"]
    agencies: list[str] = Field(min_length=1)
    coordinator_actor_id: str | None = None


class GiverIn(Body):
    party: Literal["youth", "guardian"]
    guardian_id: str | None = None


class MaturityAssessmentIn(Body):
    assessed_by: str = Id
    assessed_at: AwareDatetime
    rationale: str = Text


class DirectionIn(Body):
    from_: str = Field(alias="from", min_length=1)
    to: str = Field(min_length=1)


class ScopeIn(Body):
    agencies: list[str]
    directions: list[DirectionIn] | None = None
    categories: list[str]
    purposes: list[str] | None = None
    situations: list[str] | None = None


class ScopeChangeIn(Body):
    agencies: list[str] | None = None
    directions: list[DirectionIn] | None = None
    categories: list[str] | None = None
    purposes: list[str] | None = None
    situations: list[str] | None = None


Method = Literal["written", "oral"]


class ConsentIn(Body):
    youth_id: str = Id
    case_id: str | None = None
    givers: list[GiverIn] = Field(min_length=1)
    maturity_assessment: MaturityAssessmentIn | None = None
    method: Method
    form_reference: str | None = Field(default=None, max_length=300)
    notes: str | None = Field(default=None, max_length=10_000)
    interpreter_used: bool = False
    informed_of_revocation: bool = False
    copy_given: bool = False
    scope: ScopeIn
    obtained_at: AwareDatetime
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None


class SignatureIn(Body):
    giver: GiverIn
    maturity_assessment: MaturityAssessmentIn | None = None
    method: Method
    form_reference: str | None = Field(default=None, max_length=300)
    notes: str | None = Field(default=None, max_length=10_000)
    obtained_at: AwareDatetime


class ExtensionIn(Body):
    add: ScopeChangeIn
    givers: list[GiverIn] = Field(min_length=1)
    method: Method
    form_reference: str | None = Field(default=None, max_length=300)
    notes: str | None = Field(default=None, max_length=10_000)
    obtained_at: AwareDatetime


class RevocationIn(Body):
    kind: Literal["full", "partial"]
    remove: ScopeChangeIn | None = None
    revoked_by: GiverIn
    communicated: Method
    notes: str | None = Field(default=None, max_length=10_000)
    effective_at: AwareDatetime


class AnnulmentIn(Body):
    reason: str = Text


class CheckIn(Body):
    from_agency: str = Id
    to_agency: str = Id
    youth_id: str = Id
    category: str = Id
    purpose: str | None = None
    situation: str | None = None
    at: AwareDatetime | None = None
    known_at: AwareDatetime | None = None
    provision: str | None = Field(default=None, description="ask about a statutory basis instead")
    note: str | None = Field(default=None, max_length=10_000)


class BasisIn(Body):
    kind: Literal["consent", "statutory"]
    provision: str | None = None
    note: str | None = Field(default=None, max_length=10_000)


class DisclosureIn(Body):
    from_agency: str = Id
    to_agencies: list[str] = Field(min_length=1)
    youth_id: str = Id
    categories: list[str] = Field(min_length=1)
    purpose: str = Field(min_length=1, max_length=300)
    situation: str | None = None
    occurred_at: AwareDatetime | None = None
    retrospective: bool = False
    basis: BasisIn = Field(default_factory=lambda: BasisIn(kind="consent"))
    channel: Literal["oral", "written", "meeting"] | None = None
    recipient_person: str | None = Field(default=None, max_length=300)


class ReviewIn(Body):
    youth_id: str | None = None
    agency_id: str | None = None
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None


def command_dict(body: BaseModel) -> dict[str, object]:
    """The body as the ledger's use cases take it: datetimes stay datetimes, `from` keeps its name."""
    return body.model_dump(by_alias=True)
