"""Who may consent for whom (OSL 12 kap. 2–3 §), as data with the defaults of DOMAIN.md.
A deployment overrides any field with a JSON file (`LEDGER_POLICY_FILE`)."""

from __future__ import annotations

import json
from dataclasses import astuple, dataclass, fields, replace
from functools import cached_property
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ConsentPolicy:
    adult_age: int = 18
    """From this age only the youth consents; a guardian's signature counts for nothing."""
    own_consent_age: int = 15
    """From this age the youth's own consent is required."""
    maturity_assessment_lets_youth_consent_alone: bool = True
    """15–17: a recorded maturity assessment lets the youth's consent suffice without guardians."""
    joint_custody_requires_every_guardian: bool = True
    """Under joint custody every guardian signs; one signature leaves the consent pending."""
    guardian_consent_renewal_at_own_consent_age: bool = False
    """When true, a consent resting on guardians lapses when the youth reaches `own_consent_age`."""
    separation_of_duties: bool = True
    """The actor who registered a consent may not annul it."""
    late_registration_days: int = 3
    """A consent or revocation registered later than this after it happened is a review finding."""

    @cached_property
    def _hash(self) -> int:
        return hash(astuple(self))

    def __hash__(self) -> int:  # the decision's caches are keyed on the policy: hash it once
        return self._hash

    def stage(self, age: int) -> str:
        if age >= self.adult_age:
            return "adult"
        if age >= self.own_consent_age:
            return "older_minor"
        return "young_minor"


DEFAULT_POLICY = ConsentPolicy()


def load_policy(path: Path | None) -> ConsentPolicy:
    if path is None:
        return DEFAULT_POLICY
    raw: dict[str, Any] = json.loads(path.read_text("utf-8"))
    known = {f.name for f in fields(ConsentPolicy)}
    unknown = sorted(set(raw) - known)
    if unknown:
        msg = f"unknown policy settings: {', '.join(unknown)}"
        raise ValueError(msg)
    return replace(DEFAULT_POLICY, **raw)
