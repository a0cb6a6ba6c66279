"""The findings of a compliance review (API.md): their codes and severities, one finding, and the
wording of each, a sentence a reviewer can quote, in English (JSON) and Swedish (the report)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ledger.rules import (
    CATEGORY_NOT_COVERED,
    DIRECTION_NOT_COVERED,
    RECIPIENT_NOT_COVERED,
)
from ledger.timeutil import STOCKHOLM, iso

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
    # Seed 004: "Lämna en kopia på påskriven samtyckesblankett till individen".
    "COPY_NOT_GIVEN": DEFICIENCY,
    "LATE_REGISTRATION": DEFICIENCY,
    "SIG_CONTINUES_AFTER_POLICE_REVOCATION": VIOLATION,
    "UNKNOWN_PROVISION": DEFICIENCY,
    "PROVISION_CONDITIONS_NOT_MET": VIOLATION,
    "BASIS_ANNULLED": NOTICE,
    # Version 1.1 (issue 12). A consent that names no purpose or situation covers nothing (seeds
    # 000/002/003: the consent says "varför uppgifter behöver delas … i vilka situationer"); the
    # disclosures that rested on it are NO_BASIS, the consent itself is this deficiency.
    "CONSENT_WITHOUT_PURPOSE": DEFICIENCY,
    # OSL 10 kap. 2 § (necessity) and 27 § (balancing of interests) rest on a human judgement,
    # which a reviewer must see: every disclosure under them is shown (catalogue `judgement`).
    "STATUTORY_ASSESSMENT": NOTICE,
    # Seed 004: "För att det ska bli aktuellt att bevilja SIG krävs att individen ger sitt samtycke
    # till att sekretessen bryts mellan socialtjänsten och polisen". A disclosure inside a SIG case
    # that had no such consent: the intervention lacked its prerequisite. Whether the disclosure
    # itself had a basis is judged by its own findings, so this is a deficiency, not a violation.
    "SIG_WITHOUT_POLICE_CONSENT": DEFICIENCY,
}
FINDING_CODES = tuple(SEVERITY)
SCOPE_CODES = {
    RECIPIENT_NOT_COVERED: "OUTSIDE_SCOPE_RECIPIENT",
    DIRECTION_NOT_COVERED: "OUTSIDE_SCOPE_DIRECTION",
    CATEGORY_NOT_COVERED: "OUTSIDE_SCOPE_CATEGORY",
}


@dataclass(frozen=True)
class Words:
    """One thing said in each language of the review."""

    en: str
    sv: str


# How a SIG case's social services ↔ police consent ended (ledger.rules.LostBasis.cause).
LOST_CAUSES = {
    "revoked": Words("revoked", "återkallat"),
    "partially_revoked": Words("partly revoked", "delvis återkallat"),
    "expired": Words("expired", "löpte ut"),
    "lapsed_at_18": Words("lapsed at 18", "upphörde vid 18 år"),
    "annulled": Words("annulled", "makulerat"),
}


@dataclass
class Finding:
    code: str
    message: str
    youth_id: str
    disclosure_id: str | None = None
    consent_id: str | None = None
    disclosure_ids: list[str] = field(default_factory=list)
    message_sv: str = ""

    @classmethod
    def of(
        cls,
        code: str,
        said: Words,
        youth_id: str,
        disclosure_id: str | None = None,
        consent_id: str | None = None,
        disclosure_ids: list[str] | None = None,
    ) -> Finding:
        return cls(
            code, said.en, youth_id, disclosure_id, consent_id, list(disclosure_ids or []), said.sv
        )

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
            "message_sv": self.message_sv,
        }
        if self.disclosure_id is not None:
            body["disclosure_id"] = self.disclosure_id
        if self.consent_id is not None:
            body["consent_id"] = self.consent_id
        if self.disclosure_ids:
            body["disclosure_ids"] = list(self.disclosure_ids)
        body["youth_id"] = self.youth_id
        return body


# -- wording --------------------------------------------------------------------------------------
# Each finding's sentence, by key (a code, or code/variant), in English and Swedish. The facts
# filled in are Words, datetimes (UTC in English as in the JSON, Stockholm time in Swedish as in
# the report), lists (joined "a, b and c") or plain text such as ids.
WORDING: dict[str, tuple[str, str]] = {
    "NO_BASIS": (
        "No consent covered what {from_agency} disclosed to {to_agencies} on {at}.",
        "Inget samtycke gav stöd för det som {from_agency} lämnade ut till {to_agencies} den {at}.",
    ),
    "NO_BASIS/why": (
        "No consent covered what {from_agency} disclosed to {to_agencies} on {at}: {why}.",
        "Inget samtycke gav stöd för det som {from_agency} lämnade ut till {to_agencies} den {at}: "
        "{why}.",
    ),
    "AFTER_REVOCATION": (
        "Consent {consent} had been revoked in full with effect from {revoked_at}, before "
        "{from_agency} disclosed {categories} to {to_agencies} on {at}.",
        "Samtycke {consent} hade återkallats helt från och med {revoked_at}, innan {from_agency} "
        "lämnade ut {categories} till {to_agencies} den {at}.",
    ),
    "REVOCATION_REGISTERED_LATE": (
        "The full revocation of consent {consent}, in effect from {revoked_at}, was registered only "
        "on {recorded_at}, after the disclosure on {at}.",
        "Den fullständiga återkallelsen av samtycke {consent}, som gällde från och med "
        "{revoked_at}, registrerades först den {recorded_at}, efter utlämnandet den {at}.",
    ),
    "REVOCATION_REGISTERED_LATE/partial": (
        "The partial revocation of consent {consent} that removed {removed}, in effect from "
        "{revoked_at}, was registered only on {recorded_at}, after the disclosure on {at}.",
        "Den delvisa återkallelsen av samtycke {consent} som tog bort {removed}, och som gällde från "
        "och med {revoked_at}, registrerades först den {recorded_at}, efter utlämnandet den {at}.",
    ),
    "OUTSIDE_SCOPE_CATEGORY": (
        "Consent {consent} did not cover the category {category}, which {from_agency} disclosed to "
        "{to_agencies} on {at}.",
        "Samtycke {consent} omfattade inte kategorin {category}, som {from_agency} lämnade ut till "
        "{to_agencies} den {at}.",
    ),
    "OUTSIDE_SCOPE_CATEGORY/partial": (
        "A partial revocation of consent {consent} with effect from {revoked_at} had removed the "
        "category {category} before {from_agency} disclosed it to {to_agencies} on {at}{rest}",
        "En delvis återkallelse av samtycke {consent} från och med {revoked_at} hade tagit bort "
        "kategorin {category} innan {from_agency} lämnade ut den till {to_agencies} den {at}{rest}",
    ),
    "OUTSIDE_SCOPE_RECIPIENT": (
        "Consent {consent} did not cover {to_agency} as a recipient when {from_agency} disclosed "
        "{categories} to it on {at}.",
        "Samtycke {consent} omfattade inte {to_agency} som mottagare när {from_agency} lämnade ut "
        "{categories} dit den {at}.",
    ),
    "OUTSIDE_SCOPE_RECIPIENT/partial": (
        "A partial revocation of consent {consent} with effect from {revoked_at} had removed "
        "{to_agency} as a recipient before {from_agency} disclosed {categories} to it on {at}{rest}",
        "En delvis återkallelse av samtycke {consent} från och med {revoked_at} hade tagit bort "
        "{to_agency} som mottagare innan {from_agency} lämnade ut {categories} dit den {at}{rest}",
    ),
    "OUTSIDE_SCOPE_DIRECTION": (
        "Consent {consent} did not cover the direction {from_agency} → {to_agency} when "
        "{from_agency} disclosed {categories} that way on {at}.",
        "Samtycke {consent} omfattade inte riktningen {from_agency} → {to_agency} när "
        "{from_agency} lämnade ut {categories} den vägen den {at}.",
    ),
    "OUTSIDE_SCOPE_DIRECTION/partial": (
        "A partial revocation of consent {consent} with effect from {revoked_at} had removed "
        "{removed} before {from_agency} disclosed {categories} to {to_agency} on {at}{rest}",
        "En delvis återkallelse av samtycke {consent} från och med {revoked_at} hade tagit bort "
        "{removed} innan {from_agency} lämnade ut {categories} till {to_agency} den {at}{rest}",
    ),
    "EXPIRED_CONSENT": (
        "Consent {consent} had expired on {valid_until}, before {from_agency} disclosed "
        "{categories} to {to_agencies} on {at}.",
        "Samtycke {consent} hade upphört att gälla den {valid_until}, innan {from_agency} lämnade "
        "ut {categories} till {to_agencies} den {at}.",
    ),
    "CONSENT_PENDING": (
        "Consent {consent} was still pending when {from_agency} made the disclosure on {at}: it "
        "waited for {missing}.",
        "Samtycke {consent} väntade fortfarande på {missing} när {from_agency} gjorde utlämnandet "
        "den {at}.",
    ),
    "GUARDIAN_CONSENT_AFTER_18": (
        "Consent {consent} rested on the guardians and lapsed when the youth turned {age} on "
        "{lapsed_at}, before the disclosure on {at}; the youth must consent themself.",
        "Samtycke {consent} vilade på vårdnadshavarna och upphörde att gälla när den unge fyllde "
        "{age} år den {lapsed_at}, före utlämnandet den {at}; den unge måste själv samtycka.",
    ),
    "GUARDIAN_CONSENT_AFTER_18/adult": (
        "Consent {consent} was given by a guardian when the youth was already {age}; an adult "
        "consents for themself, and a guardian's signature counts for nothing.",
        "Samtycke {consent} lämnades av en vårdnadshavare när den unge redan var {age} år; en vuxen "
        "samtycker själv, och en vårdnadshavares underskrift saknar verkan.",
    ),
    "MINOR_WITHOUT_MATURITY_ASSESSMENT": (
        "Consent {consent} rested on the youth's own consent at {age} without a recorded maturity "
        "assessment, and the guardians had not signed.",
        "Samtycke {consent} vilade på den unges eget samtycke vid {age} års ålder utan "
        "dokumenterad mognadsbedömning, och vårdnadshavarna hade inte skrivit under.",
    ),
    "MISSING_GUARDIAN": (
        "Consent {consent} lacked the signature of {missing}, who shares joint custody; under "
        "joint custody every guardian must consent.",
        "Samtycke {consent} saknade underskrift av {missing}, som har gemensam vårdnad; vid "
        "gemensam vårdnad måste alla vårdnadshavare samtycka.",
    ),
    "BASIS_ANNULLED": (
        "The disclosure on {at} relied on consent {consent}, which was annulled on {annulled_at} "
        "as entered in error.",
        "Utlämnandet den {at} stödde sig på samtycke {consent}, som makulerades den "
        "{annulled_at} som felregistrerat.",
    ),
    "LATE_REGISTRATION/support": (
        "Consent {consent} covers the disclosure on {at} only through what was registered after "
        "the disclosure.",
        "Samtycke {consent} ger stöd för utlämnandet den {at} bara genom det som registrerades "
        "efter utlämnandet.",
    ),
    "LATE_REGISTRATION": (
        "{subject}, {dated} {effective_at}, was registered only {days} days later, on "
        "{recorded_at}.",
        "{subject}, {dated} {effective_at}, registrerades först {days} dagar senare, den "
        "{recorded_at}.",
    ),
    "ORAL_WITHOUT_NOTES": (
        "{subject} was given orally without notes on when, how and who was present.",
        "{subject} lämnades muntligt utan anteckningar om när, hur och vilka som var närvarande.",
    ),
    "WRITTEN_WITHOUT_FORM_REFERENCE": (
        "{subject} was given in writing without a reference to the signed form.",
        "{subject} lämnades skriftligt utan hänvisning till den undertecknade blanketten.",
    ),
    "NOT_INFORMED_OF_REVOCATION": (
        "Nothing records that the givers of consent {consent} were told they may revoke it.",
        "Det finns inget som visar att de som lämnade samtycke {consent} fick veta att de kan "
        "återkalla det.",
    ),
    "COPY_NOT_GIVEN": (
        "Nothing records that the person was given a copy of the signed form of consent {consent}.",
        "Det finns inget som visar att den enskilde fick en kopia av den undertecknade "
        "blanketten för samtycke {consent}.",
    ),
    "SIG_CONTINUES_AFTER_POLICE_REVOCATION": (
        "SIG case {case} went on sharing on {at} after consent {consent} had stopped covering "
        "social services and police ({cause} on {since}); the intervention should have ended.",
        "SIG-ärende {case} fortsatte att dela uppgifter den {at} sedan samtycke {consent} upphört "
        "att omfatta socialtjänst och polis ({cause} den {since}); insatsen skulle ha avslutats.",
    ),
    "SIG_WITHOUT_POLICE_CONSENT": (
        "SIG case {case} shared information on {at} while no consent covered social services and "
        "police; SIG may be granted only with the person's consent to that.",
        "SIG-ärende {case} delade uppgifter den {at} utan att något samtycke omfattade "
        "socialtjänst och polis; SIG kan beviljas bara med den enskildes samtycke till det.",
    ),
    "CONSENT_WITHOUT_PURPOSE": (
        "Consent {consent} names no {missing}; a consent must say why information is shared and "
        "in which situations, so it covers no disclosure.",
        "Samtycke {consent} anger inte {missing}; ett samtycke ska ange varför uppgifter delas "
        "och i vilka situationer, så det ger inte stöd för något utlämnande.",
    ),
    "STATUTORY_ASSESSMENT": (
        "The disclosure on {at} under {provision} rests on {from_agency}'s own judgement of "
        "{judgement}; the reviewer should read its note{note}.",
        "Utlämnandet den {at} enligt {provision} vilar på {from_agency}s egen bedömning av "
        "{judgement}; granskaren bör läsa dess anteckning{note}.",
    ),
    "UNKNOWN_PROVISION": (
        "The disclosure on {at} relied on the provision {provision}, which is not in the "
        "catalogue, so its conditions cannot be checked.",
        "Utlämnandet den {at} stödde sig på bestämmelsen {provision}, som inte finns i katalogen, "
        "så dess villkor kan inte prövas.",
    ),
    "PROVISION_CONDITIONS_NOT_MET": (
        "The disclosure on {at} under {provision} did not meet the provision's conditions.",
        "Utlämnandet den {at} enligt {provision} uppfyllde inte bestämmelsens villkor.",
    ),
    "PROVISION_CONDITIONS_NOT_MET/why": (
        "The disclosure on {at} under {provision} did not meet the provision's conditions: {why}.",
        "Utlämnandet den {at} enligt {provision} uppfyllde inte bestämmelsens villkor: {why}.",
    ),
}

# What a consent fact is, as the subject of a sentence about its documentation or registration.
SUBJECTS = {
    "granted": Words("Consent {consent}", "Samtycke {consent}"),
    "signed": Words("A signature to consent {consent}", "En underskrift till samtycke {consent}"),
    "extended": Words("An extension of consent {consent}", "En utvidgning av samtycke {consent}"),
    "revoked": Words(
        "The full revocation of consent {consent}",
        "Den fullständiga återkallelsen av samtycke {consent}",
    ),
    "partially_revoked": Words(
        "A partial revocation of consent {consent}", "En delvis återkallelse av samtycke {consent}"
    ),
}
DATED = {
    "granted": Words("obtained on", "inhämtat den"),
    "signed": Words("given on", "lämnad den"),
    "extended": Words("affirmed on", "bekräftad den"),
    "revoked": Words("in effect from", "som gällde från och med"),
    "partially_revoked": Words("in effect from", "som gällde från och med"),
}
# Why a consent did not cover a disclosure where no finding code of its own says it (NO_BASIS).
WHY_NOT = {
    "CONSENT_NOT_YET_VALID": Words("the consent was not yet valid", "samtycket gällde ännu inte"),
    "CASE_CLOSED": Words("the consent's case was closed", "samtyckets ärende var avslutat"),
    "PURPOSE_NOT_COVERED": Words(
        "the consent did not cover the purpose {purpose}",
        "samtycket omfattade inte ändamålet {purpose}",
    ),
    "SITUATION_NOT_COVERED": Words(
        "the consent did not cover the situation {situation}",
        "samtycket omfattade inte situationen {situation}",
    ),
    "PURPOSE_NOT_STATED": Words(
        "the disclosure did not state its purpose", "utlämnandet angav inte sitt ändamål"
    ),
    "SITUATION_NOT_STATED": Words(
        "the disclosure did not state its situation", "utlämnandet angav inte situationen"
    ),
    "THIRD_PARTY_NOT_STATED": Words(
        "the disclosure did not say whether it concerned others",
        "utlämnandet angav inte om uppgifterna rörde andra",
    ),
    "THIRD_PARTY_CONSENT_MISSING": Words(
        "the others it concerned had not consented",
        "de andra som uppgifterna rörde hade inte samtyckt",
    ),
}
WHY_NOT_OTHERWISE = Words(
    "a condition of the consent was not met", "ett villkor i samtycket var inte uppfyllt"
)
# A statutory provision's conditions (ledger.catalogue.Provision.unmet), in words.
CONDITIONS = {
    "discloser": Words(
        "it does not let {from_kind} disclose",
        "den tillåter inte att {from_kind} lämnar ut uppgifter",
    ),
    "recipient": Words(
        "it does not allow disclosure to {to_kind}", "den tillåter inte utlämnande till {to_kind}"
    ),
    "age": Words(
        "it applies only to youths under {limit}, and the youth was {age}",
        "den gäller bara unga under {limit} år, och den unge var {age} år",
    ),
    "purpose": Words(
        "it allows only the purpose {allowed}, and the disclosure was for {purpose}",
        "den tillåter bara ändamålet {allowed}, och utlämnandet gällde {purpose}",
    ),
    "note": Words(
        "it requires a note on why its conditions were met, and none was recorded",
        "den kräver en anteckning om varför villkoren var uppfyllda, och någon sådan fanns inte",
    ),
}
KINDS = {
    "social_services": Words("social services", "socialtjänsten"),
    "police": Words("the police", "polisen"),
    "school": Words("a school", "skolan"),
    "leisure": Words("the leisure sector", "fritidsverksamheten"),
    "child_psychiatry": Words("child and adolescent psychiatry", "barn- och ungdomspsykiatrin"),
    "health_care": Words("health care", "hälso- och sjukvården"),
    "employment": Words("employment services", "arbetsmarknadsverksamheten"),
    "probation": Words("probation", "frivården"),
    "civil_society": Words("a civil society organisation", "en aktör i civilsamhället"),
    "other": Words("another kind of agency", "en annan aktör"),
}
# The human judgement a provision rests on (catalogue `judgement`), and whether a note records it.
JUDGEMENTS = {
    "necessity": Words(
        "necessity for its own work (OSL 10:2)", "nödvändighet för den egna verksamheten (OSL 10:2)"
    ),
    "balancing": Words("the balancing of interests (OSL 10:27)", "intresseavvägningen (OSL 10:27)"),
}
NOTE_MISSING = Words(", but none was recorded", ", men någon sådan finns inte")
# How a sentence about a partial revocation ends: the consent still stood for the rest.
REST_OF_CONSENT = Words("; the rest of the consent still stood.", "; i övrigt gällde samtycket.")


def say(key: str, **facts: object) -> Words:
    """The sentence `key` with `facts` filled in, in each language."""
    en, sv = WORDING[key]
    return Words(_fill(en, facts, "en"), _fill(sv, facts, "sv"))


def phrase(template: Words, **facts: object) -> Words:
    """A part of a sentence (Words with placeholders) with `facts` filled in."""
    return Words(_fill(template.en, facts, "en"), _fill(template.sv, facts, "sv"))


def joined(items: list[Words], separator: str | None = None) -> Words:
    return Words(
        _join([w.en for w in items], "en", separator), _join([w.sv for w in items], "sv", separator)
    )


def kind_words(kind: str) -> Words:
    return KINDS.get(kind) or Words(kind.replace("_", " "), kind.replace("_", " "))


def _fill(template: str, facts: Mapping[str, object], lang: str) -> str:
    return template.format_map({k: _word(v, lang) for k, v in facts.items()})


def _word(value: object, lang: str) -> str:
    if isinstance(value, Words):
        return value.en if lang == "en" else value.sv
    if isinstance(value, datetime):
        return (
            iso(value) if lang == "en" else value.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")
        )
    if isinstance(value, list | tuple):
        return _join([_word(v, lang) for v in value], lang)
    return str(value)


def _join(items: list[str], lang: str, separator: str | None = None) -> str:
    if separator is not None:
        return separator.join(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + (" and " if lang == "en" else " och ") + items[-1]
