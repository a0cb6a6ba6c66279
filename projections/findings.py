"""The findings of a compliance review (API.md): their codes and severities, and one finding."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledger.rules import (
    CATEGORY_NOT_COVERED,
    DIRECTION_NOT_COVERED,
    RECIPIENT_NOT_COVERED,
)

VIOLATION, DEFICIENCY, NOTICE = "violation", "deficiency", "notice"
SEVERITIES = (VIOLATION, DEFICIENCY, NOTICE)

# Violation: in fact the disclosure had no valid basis. Deficiency: the record falls short of what
# the law asks of it (documentation, prompt registration, a basis that cannot be checked). Notice:
# a consent decided on in good faith was later annulled; what was decided on it stays decided
# (API.md, annulments), but the reviewer should know.
SEVERITY = {
    "NO_BASIS": VIOLATION,
    "AFTER_REVOCATION": VIOLATION,
    "REVOCATION_REGISTERED_LATE": DEFICIENCY,
    "OUTSIDE_SCOPE_CATEGORY": VIOLATION,
    "OUTSIDE_SCOPE_RECIPIENT": VIOLATION,
    "OUTSIDE_SCOPE_DIRECTION": VIOLATION,
    "EXPIRED_CONSENT": VIOLATION,
    "CONSENT_PENDING": VIOLATION,
    "GUARDIAN_CONSENT_AFTER_18": VIOLATION,
    "MINOR_WITHOUT_MATURITY_ASSESSMENT": VIOLATION,
    "MISSING_GUARDIAN": VIOLATION,
    "ORAL_WITHOUT_NOTES": DEFICIENCY,
    "WRITTEN_WITHOUT_FORM_REFERENCE": DEFICIENCY,
    "NOT_INFORMED_OF_REVOCATION": DEFICIENCY,
    "LATE_REGISTRATION": DEFICIENCY,
    "SIG_CONTINUES_AFTER_POLICE_REVOCATION": VIOLATION,
    "UNKNOWN_PROVISION": DEFICIENCY,
    "PROVISION_CONDITIONS_NOT_MET": VIOLATION,
    "BASIS_ANNULLED": NOTICE,
}
FINDING_CODES = tuple(SEVERITY)
SCOPE_CODES = {
    RECIPIENT_NOT_COVERED: "OUTSIDE_SCOPE_RECIPIENT",
    DIRECTION_NOT_COVERED: "OUTSIDE_SCOPE_DIRECTION",
    CATEGORY_NOT_COVERED: "OUTSIDE_SCOPE_CATEGORY",
}


@dataclass
class Finding:
    code: str
    message: str
    youth_id: str
    disclosure_id: str | None = None
    consent_id: str | None = None
    disclosure_ids: list[str] = field(default_factory=list)

    @property
    def severity(self) -> str:
        return SEVERITY[self.code]

    def key(self) -> tuple[str, str | None, str | None, str]:
        return (self.code, self.disclosure_id, self.consent_id, self.message)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
        }
        if self.disclosure_id is not None:
            body["disclosure_id"] = self.disclosure_id
        if self.consent_id is not None:
            body["consent_id"] = self.consent_id
        if self.disclosure_ids:
            body["disclosure_ids"] = list(self.disclosure_ids)
        body["youth_id"] = self.youth_id
        return body
