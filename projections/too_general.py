"""CONSENT_TOO_GENERAL (a deficiency): a consent whose scope is too general for the givers to have
known what they agreed to. JO 7504-2018 criticised a consent form too general to tell its scope
(DOMAIN.md); seeds 000/002/003: the givers are told "varför uppgifter behöver delas, vilka uppgifter
det handlar om, i vilka situationer uppgifterna kommer att lämnas ut och till vilka verksamheter".

The rule (issue 14): a consent is too general when, as it stands now, it names every information
category of the catalogue and every agency of its case (of some case of the youth when it names
none; every category alone when the youth has no case), or when it sets no limit on situations
(names every situation of the catalogue)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from ledger.consent import fold
from ledger.service import Ledger
from ledger.youth import Youth
from projections.findings import Finding, Words, joined, say

CONSENT_TOO_GENERAL = "CONSENT_TOO_GENERAL"
EVERY_CATEGORY = Words(
    "every information category and every agency of the case",
    "alla uppgiftskategorier och alla aktörer i ärendet",
)
EVERY_SITUATION = Words("every situation, without limit", "alla situationer, utan begränsning")


def too_general(
    ledger: Ledger,
    youth: Youth,
    now: datetime,
    relied: dict[str, list[str]],
    only: Collection[str] | None = None,
) -> list[Finding]:
    """The finding for each consent in `only` (default: every consent of the youth)."""
    catalogue = ledger.catalogue
    categories = catalogue.category_ids
    situations = frozenset(s.id for s in catalogue.situations)
    findings = []
    for cid, facts in youth.consents.items():
        if only is not None and cid not in only:
            continue
        state = fold(
            cid,
            facts,
            at=now,
            known_at=now,
            birth_date=youth.birth_date,
            guardians=list(youth.guardians.values()),
            policy=ledger.policy,
        )
        if state is None or state.annulled is not None:
            continue
        scope = state.scope
        cases = [youth.cases[state.case_id]] if state.case_id in youth.cases else []
        cases = cases or ([] if state.case_id else list(youth.cases.values()))
        wide: list[Words] = []
        every_agency = not cases or any(set(c.agencies) <= scope.agencies for c in cases)
        if categories <= scope.categories and every_agency:
            wide.append(EVERY_CATEGORY)
        if situations and scope.situations is not None and situations <= scope.situations:
            wide.append(EVERY_SITUATION)
        if wide:
            said = say(CONSENT_TOO_GENERAL, consent=cid, what=joined(wide))
            ids = list(dict.fromkeys(relied.get(cid, [])))
            findings.append(Finding.of(CONSENT_TOO_GENERAL, said, str(youth.id), None, cid, ids))
    return findings
