"""ONWARD_DISCLOSURE (a notice): a disclosure on consent of a category by an agency of a kind it
does not originate with (the catalogue's `originates_with`), so that a reviewer sees information passed on
rather than disclosed by its owner. Seed 002: "Varje aktör behöver säkerställa att det finns ett
samtycke som är korrekt när det gäller uppgifter från den egna verksamheten" and "Varje aktör har
vidare ett ansvar för att inte lämna ut mer sekretessbelagd information än vad man har stöd för i
samtycket"."""

from __future__ import annotations

from ledger.errors import Invalid
from ledger.service import Ledger
from ledger.youth import Disclosure
from projections.findings import Finding, Words, joined, kind_words, say

ONWARD_DISCLOSURE = "ONWARD_DISCLOSURE"


def onward(ledger: Ledger, youth_id: str, d: Disclosure, *, held: bool) -> list[Finding]:
    """The notice for `d`, if it passes on categories that originate with another kind of agency.
    `held`: the consent basis held (as known now); a disclosure without one has its violation
    already, and the notice would only repeat it."""
    data = d.fact.data
    if data["basis"]["kind"] != "consent" or not held:
        # A statutory provision lets the discloser disclose what its own records hold, whoever
        # first told it; the seed's words are about consents.
        return []
    try:
        kind = ledger.agency(data["from_agency"]).kind
    except Invalid:
        return []
    passed = []
    owners: set[str] = set()
    for c in data["categories"]:
        origin = ledger.catalogue.originates_with(c)
        if origin is not None and kind not in origin:
            passed.append(c)
            owners |= origin
    if not passed:
        return []
    said = say(
        ONWARD_DISCLOSURE,
        at=d.fact.effective_at,
        from_agency=data["from_agency"],
        categories=joined([category_words(ledger, c) for c in passed]),
        owners=joined([kind_words(k) for k in sorted(owners)], " / "),
    )
    return [Finding.of(ONWARD_DISCLOSURE, said, youth_id, d.disclosure_id)]


def category_words(ledger: Ledger, category_id: str) -> Words:
    for entry in ledger.catalogue.categories:
        if entry.id == category_id:
            return Words(f'"{entry.label_en}"', f'"{entry.label_sv}"')
    return Words(category_id, category_id)
