"""Secrecy towards the youth or the guardians (issue 14): a coordinator records a decision that an
item of the record (a disclosure, a consent, a meeting) is withheld from an audience, and may later
release it; both are events. The register extract for that audience leaves the item out and says
that information has been withheld and how to ask for an appealable decision.

The provisions a decision may rest on, each with its source:
- OSL 12 kap. 3 § andra stycket: secrecy protecting a minor holds also towards the guardians, when
  the minor can be assumed to suffer considerable harm if the information reaches them.
- OSL 26 kap. 1 §: social services secrecy; who filed a report of concern is shown only when it is
  clear that no one is harmed (DOMAIN.md: "who filed a report of concern").
- OSL 26 kap. 5 §: secrecy towards the individual himself or herself for information on health or
  treatment, where disclosure would conflict with the purpose of the care.
A refusal to hand out is appealed after a written decision (OSL 6 kap. 7 §, 6 kap. 8 §)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ledger.consent import Fact

AUDIENCES = ("guardians", "youth", "both")
ITEM_KINDS = ("disclosure", "consent", "meeting")
PROVISIONS = {
    "osl-12-3-2": "OSL 12 kap. 3 § andra stycket (sekretess mot vårdnadshavare)",
    "osl-26-1": "OSL 26 kap. 1 § (socialtjänstsekretess)",
    "osl-26-5": "OSL 26 kap. 5 § (sekretess mot den enskilde själv)",
}
# OSL 12 kap. 3 § andra stycket is secrecy towards the guardians only.
ONLY_TOWARDS = {"osl-12-3-2": frozenset({"guardians"})}

WITHHELD_SV = (
    "Vissa uppgifter har inte lämnats ut i det här utdraget eftersom de omfattas av sekretess "
    "(offentlighets- och sekretesslagen). Du kan begära att myndigheten prövar saken och fattar ett "
    "skriftligt beslut, som du kan överklaga (OSL 6 kap. 7 och 8 §§)."
)
WITHHELD_EN = (
    "Some information has been left out of this extract because it is confidential under the "
    "Public Access to Information and Secrecy Act. You may ask the authority to try the matter and "
    "make a written decision, which you can appeal (OSL 6:7 and 6:8)."
)


@dataclass(frozen=True)
class SecrecyDecision:
    decision_id: str
    decided: Fact  # data: item_kind, item_id, audience, provision, decided_by, notes (personal)
    released: Fact | None = None

    @property
    def item(self) -> tuple[str, str]:
        return (self.decided.data["item_kind"], self.decided.data["item_id"])

    def withholds_from(self, audience: str, at: datetime) -> bool:
        """Whether the decision keeps its item from `audience` (youth | guardians) at `at`."""
        if self.decided.effective_at > at:
            return False
        if self.released is not None and self.released.effective_at <= at:
            return False
        return self.decided.data["audience"] in (audience, "both")
