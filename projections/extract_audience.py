"""The register extract as said to its reader (issue 14): the youth, the guardians, or the official
preparing it. Each consent is named by whose it is ("Ditt samtycke" only for the youth's own);
items under a secrecy decision towards the reader are left out and the extract says so; who filed a
report of concern is not shown to the youth or the guardians (OSL 26 kap. 1 §; DOMAIN.md); and the
contents of a GDPR article 15 answer: controllers, purposes, recipients, sources, rights."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from ledger.errors import Invalid
from ledger.secrecy import PROVISIONS, WITHHELD_EN, WITHHELD_SV
from ledger.service import Ledger
from ledger.youth import Youth

AUDIENCES = ("youth", "guardians", "official")
REPORTER_PROVISIONS = frozenset({"report-of-concern"})

# GDPR art. 15.1 e-f (the rights to rectification, art. 16, and to complain to the supervisory
# authority, art. 77: in Sweden Integritetsskyddsmyndigheten, IMY) and art. 7.3 (revocation).
RIGHTS = {
    "rectification_sv": "Du har rätt att begära att felaktiga eller ofullständiga uppgifter om dig "
    "rättas (artikel 16 i dataskyddsförordningen). Vänd dig till den aktör som har uppgiften.",
    "rectification_en": "You have the right to have inaccurate or incomplete data about you "
    "rectified (GDPR Article 16). Ask the agency that holds it.",
    "complaint_sv": "Du har rätt att klaga hos Integritetsskyddsmyndigheten (IMY), imy.se, om du "
    "anser att uppgifterna behandlas felaktigt (artikel 77 i dataskyddsförordningen).",
    "complaint_en": "You have the right to complain to the Swedish Authority for Privacy "
    "Protection (IMY), imy.se, if you think the data is processed wrongly (GDPR Article 77).",
    "revocation_sv": "Ett samtycke kan återkallas när som helst, helt eller delvis.",
    "revocation_en": "A consent can be revoked at any time, in full or in part.",
}

# Whose consent it is, as each reader is told (issue 14): keyed by (youth signed, guardians signed).
WHOSE = {
    "youth": {
        (True, False): ("Ditt samtycke", "Your consent"),
        (False, True): ("Vårdnadshavarnas samtycke", "Your guardians' consent"),
        (True, True): ("Ditt och vårdnadshavarnas samtycke", "Your and your guardians' consent"),
    },
    "guardians": {
        (True, False): ("Den unges samtycke", "The young person's consent"),
        (False, True): ("Vårdnadshavarnas samtycke", "The guardians' consent"),
        (True, True): (
            "Den unges och vårdnadshavarnas samtycke",
            "The young person's and the guardians' consent",
        ),
    },
}
WHOSE["official"] = WHOSE["guardians"]


def whose(audience: str, givers: Iterable[Mapping[str, Any]]) -> tuple[str, str]:
    parties = {g.get("party") for g in givers}
    key = ("youth" in parties, "guardian" in parties)
    return WHOSE[audience].get(key, ("Samtycke", "Consent"))


def for_audience(
    ledger: Ledger, youth: Youth, extract: dict[str, Any], audience: str, now: datetime
) -> dict[str, Any]:
    if audience not in AUDIENCES:
        raise Invalid.field("audience", f"must be one of {', '.join(AUDIENCES)}")
    out = dict(extract)
    withheld: set[tuple[str, str]] = set()
    if audience != "official":
        withheld = {d.item for d in youth.secrecy.values() if d.withholds_from(audience, now)}
    hidden = {i for k, i in withheld}
    out["consents"] = [c for c in extract["consents"] if c["id"] not in hidden]
    givers = {c["id"]: c["givers"] for c in out["consents"]}
    for c in out["consents"]:
        c["given_as_sv"], c["given_as_en"] = whose(audience, c["givers"])
    out["revocations"] = [r for r in extract["revocations"] if r["consent_id"] not in hidden]
    reporters = 0
    disclosures = []
    for d in extract["disclosures"]:
        if d["id"] in hidden:
            continue
        d = {**d, "basis": dict(d["basis"])}
        if "consents" in d["basis"]:
            d["basis"]["consents"] = [
                {
                    **c,
                    "given_as_sv": whose(audience, givers[c["id"]])[0],
                    "given_as_en": whose(audience, givers[c["id"]])[1],
                }
                if c["id"] in givers
                else c
                for c in d["basis"]["consents"]
                if c["id"] not in hidden
            ]
        if audience != "official" and d["basis"].get("provision") in REPORTER_PROVISIONS:
            d["from_agency"], d["reporter_withheld"] = None, True
            reporters += 1
        disclosures.append(d)
    out["disclosures"] = disclosures
    out["meetings"] = [
        {**m, "disclosure_ids": [i for i in m["disclosure_ids"] if i not in hidden]}
        for m in extract.get("meetings", [])
        if m["id"] not in hidden
    ]
    out["refused_attempts"] = [
        _attempt(youth, a, hide_reporter=audience != "official")
        for a in extract["refused_attempts"]
        if a["id"] not in hidden
    ]
    out["agencies"] = {a: v for a, v in extract["agencies"].items() if a in _referenced(out)}
    out["audience"] = audience
    out["withheld"] = (
        {
            "items": len(withheld),
            "reporters": reporters,
            "notice_sv": WITHHELD_SV,
            "notice_en": WITHHELD_EN,
        }
        if withheld or reporters
        else None
    )
    if audience == "official":
        out["secrecy_decisions"] = [
            {
                "id": d.decision_id,
                "item_kind": d.item[0],
                "item_id": d.item[1],
                "audience": d.decided.data["audience"],
                "provision": PROVISIONS.get(d.decided.data["provision"]),
                "in_effect_for": [a for a in ("youth", "guardians") if d.withholds_from(a, now)],
            }
            for d in youth.secrecy.values()
        ]
    out["gdpr"] = gdpr(ledger, youth, out)
    return out


def gdpr(ledger: Ledger, youth: Youth, out: Mapping[str, Any]) -> dict[str, Any]:
    """What GDPR art. 15.1 asks an answer to contain, from what this reader's extract shows."""
    purposes: set[str] = {d["purpose"] for d in out["disclosures"]}
    for c in out["consents"]:
        purposes.update(c["scope"].get("purposes") or [])
    recipients = sorted({a for d in out["disclosures"] for a in d["to_agencies"]})
    sources = {d["from_agency"] for d in out["disclosures"] if d["from_agency"]}
    sources.update(c["registered_by_agency"] for c in out["consents"])
    if youth.registered_by:
        sources.add(youth.registered_by)
    controllers = []
    for agency_id in sorted(set(out["agencies"]) | sources):
        try:
            agency = ledger.agency(agency_id)
        except Invalid:
            continue
        controllers.append(
            {
                "agency_id": agency_id,
                "name": agency.name,
                "kind": agency.kind,
                "org_number": getattr(agency, "org_number", None),
                "dpo_contact": getattr(agency, "dpo_contact", None),
            }
        )
    return {
        "controllers": controllers,
        "purposes": sorted(purposes),
        "recipients": recipients,
        "sources": sorted(sources),
        "rights": RIGHTS,
        "retention": ledger.disposal_of(youth).to_json(),
    }


def _attempt(youth: Youth, a: dict[str, Any], *, hide_reporter: bool) -> dict[str, Any]:
    d = youth.disclosures.get(a["id"])
    provision = (d.fact.data.get("basis") or {}).get("provision") if d else None
    if hide_reporter and provision in REPORTER_PROVISIONS:
        return {**a, "from_agency": None, "reporter_withheld": True}
    return a


def _referenced(out: Mapping[str, Any]) -> set[str]:
    seen: set[str] = set()
    for d in [*out["disclosures"], *out["refused_attempts"]]:
        if d["from_agency"]:
            seen.add(d["from_agency"])
        seen.update(d["to_agencies"])
    for c in out["consents"]:
        seen.update(c["scope"]["agencies"])
    for m in out["meetings"]:
        seen.update(m["agencies"])
    seen.update(r["agency_id"] for r in out.get("registration_attempts", []))
    return seen
