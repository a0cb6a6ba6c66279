"""One youth's part of a review: each disclosure's basis judged as the ledger knew it when the
disclosure was recorded and as it is known now, and the documentation of the consents it rested
on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from ledger.consent import (
    ANNULLED,
    EXTENDED,
    GRANTED,
    PARTIALLY_REVOKED,
    REVOKED,
    SIGNED,
    ConsentState,
    Fact,
    Giver,
    fold,
)
from ledger.errors import Invalid
from ledger.personal import Personal
from ledger.rules import (
    CATEGORY_NOT_COVERED,
    CONSENT_ANNULLED,
    CONSENT_EXPIRED,
    CONSENT_PENDING,
    DIRECTION_NOT_COVERED,
    GUARDIAN_CONSENT_LAPSED_AT_18,
    PURPOSE_NOT_COVERED,
    RECIPIENT_NOT_COVERED,
    SITUATION_NOT_COVERED,
    THIRD_PARTY_CONSENT_MISSING,
    THIRD_PARTY_NOT_STATED,
    Decision,
    Question,
    consent_reasons,
    sig_police_basis,
)
from ledger.service import Ledger
from ledger.timeutil import age_on
from ledger.youth import Disclosure, Youth
from projections.findings import (
    CONDITIONS,
    DATED,
    JUDGEMENTS,
    LOST_CAUSES,
    NOTE_MISSING,
    REST_OF_CONSENT,
    SCOPE_CODES,
    SUBJECTS,
    WHY_NOT,
    WHY_NOT_OTHERWISE,
    Finding,
    Words,
    joined,
    kind_words,
    phrase,
    say,
)

LATE = "REVOCATION_REGISTERED_LATE"
# Why a consent did not cover a disclosure when it names no purpose or situation at all.
UNNAMED = {
    PURPOSE_NOT_COVERED: Words("the consent named no purpose", "samtycket angav inget ändamål"),
    SITUATION_NOT_COVERED: Words(
        "the consent named no situation", "samtycket angav ingen situation"
    ),
}


class YouthReview:
    """Judges one youth's disclosures; remembers which consents they rested on, so that the
    documentation of each consent is reviewed once."""

    def __init__(self, ledger: Ledger, youth: Youth, now: datetime) -> None:
        self.ledger = ledger
        self.youth = youth
        self.now = now
        self.youth_id = str(youth.id)
        self.guardians = list(youth.guardians.values())
        self.relied: dict[str, list[str]] = {}  # consent id -> the disclosures resting on it

    # -- one disclosure -----------------------------------------------------------------------
    def disclosure(self, d: Disclosure) -> tuple[dict[str, Any], list[Finding]]:
        data = d.fact.data
        basis = data["basis"]
        stored = data["decision"]
        at, recorded = d.fact.effective_at, d.fact.recorded_at
        findings: list[Finding] = []
        as_recorded = as_now = None
        try:
            as_recorded = self.decide(data, at=at, known_at=recorded)
            as_now = self.decide(data, at=at, known_at=self.now)
        except Invalid:
            said = say("UNKNOWN_PROVISION", at=at, provision=basis.get("provision"))
            findings.append(self.finding("UNKNOWN_PROVISION", said, d))
        if basis["kind"] == "statutory":
            if as_now is not None and not as_now.allowed:
                said = self.conditions_not_met(d)
                findings.append(self.finding("PROVISION_CONDITIONS_NOT_MET", said, d))
            findings += self.statutory_assessment(d)
            label = str(basis.get("provision"))
        else:
            findings += self.consent_basis(d)
            findings += self.third_party(d, as_now)
            label = "consent" if as_now is not None and as_now.allowed else "none"
        findings += self.sig_basis_findings(d)
        entry = {
            **d.summary(),
            "youth_id": self.youth_id,
            "actor_id": d.fact.actor_id,
            "agency_id": d.fact.agency_id,
            "basis": {
                "kind": basis["kind"],
                "provision": basis.get("provision"),
                "consent_ids": list(stored["consent_ids"]) if basis["kind"] == "consent" else [],
                "note_recorded": _has_text(basis.get("note")),
            },
            "basis_label": label,
            "decision": stored,
            "as_recorded": as_recorded.to_json() if as_recorded else None,
            "as_known_now": as_now.to_json() if as_now else None,
        }
        return entry, findings

    def decide(self, data: Mapping[str, Any], *, at: datetime, known_at: datetime) -> Decision:
        basis = dict(data["basis"])
        basis["note"] = _note(basis.get("note"))
        return self.ledger.decide(
            self.youth,
            from_agency=data["from_agency"],
            to_agencies=list(data["to_agencies"]),
            categories=list(data["categories"]),
            purpose=data.get("purpose"),
            situation=data.get("situation"),
            basis=basis,
            at=at,
            known_at=known_at,
            concerns_others=data.get("concerns_others"),
            others_consent=data.get("others_consent"),
        )

    def questions(self, d: Disclosure, known_at: datetime) -> list[Question]:
        data = d.fact.data
        return [
            Question(
                data["from_agency"],
                to,
                category,
                d.fact.effective_at,
                known_at,
                data.get("purpose"),
                data.get("situation"),
            )
            for to in data["to_agencies"]
            for category in data["categories"]
        ]

    def states(
        self, *, at: datetime, known_at: datetime, without: tuple[str, ...] = ()
    ) -> dict[str, ConsentState]:
        out = {}
        for cid, facts in self.youth.consents.items():
            state = self.folded(cid, [f for f in facts if f.kind not in without], at, known_at)
            if state is not None:
                out[cid] = state
        return out

    def folded(
        self, cid: str, facts: Sequence[Fact], at: datetime, known_at: datetime | None = None
    ) -> ConsentState | None:
        return fold(
            cid,
            facts,
            at=at,
            known_at=self.now if known_at is None else known_at,
            birth_date=self.youth.birth_date,
            guardians=self.guardians,
            policy=self.ledger.policy,
        )

    def reasons(self, state: ConsentState, q: Question) -> set[str]:
        case = self.youth.cases.get(state.case_id) if state.case_id else None
        return {r.code for r in consent_reasons(state, q, case)}

    def consent_basis(self, d: Disclosure) -> list[Finding]:
        at, stored = d.fact.effective_at, d.fact.data["decision"]
        now_states = self.states(at=at, known_at=self.now)
        then_states = self.states(at=at, known_at=at)
        questions = self.questions(d, self.now)
        relied = list(stored["consent_ids"]) if stored["allowed"] else []
        covering: set[str] = set()
        uncovered: list[Question] = []
        findings: list[Finding] = []
        for q in questions:
            now_cover = [c for c, s in now_states.items() if not self.reasons(s, q)]
            covering.update(now_cover)
            if not now_cover:
                uncovered.append(q)
            elif not any(
                not self.reasons(s, replace(q, known_at=at)) for s in then_states.values()
            ):
                for cid in now_cover:  # the support was registered after the disclosure happened
                    said = say("LATE_REGISTRATION/support", consent=cid, at=at)
                    findings.append(self.finding("LATE_REGISTRATION", said, d, cid))
        for cid in dict.fromkeys([*relied, *covering]):
            self.relied.setdefault(cid, []).append(d.disclosure_id)
        if uncovered:
            findings += self.uncovered(d, uncovered, relied, now_states)
        return findings

    def third_party(self, d: Disclosure, decision: Decision | None) -> list[Finding]:
        """NO_BASIS when the consents covered the youth's part but the information concerned
        someone else (seed 004: "inga krav på att den enskilde behöver lämna information om andra
        individer"): not stated, or without that person's consent."""
        if decision is None or decision.allowed or decision.consent_ids == ():
            return []
        codes = [
            c for c in (THIRD_PARTY_NOT_STATED, THIRD_PARTY_CONSENT_MISSING) if c in decision.codes
        ]
        if not codes or any(c not in (*codes, "CONSENT_COVERS") for c in decision.codes):
            return []  # something else went wrong too: consent_basis says what
        why = joined([WHY_NOT[c] for c in codes], "; ")
        return [self.finding("NO_BASIS", say("NO_BASIS/why", **self.facts(d), why=why), d)]

    def uncovered(
        self,
        d: Disclosure,
        questions: Sequence[Question],
        relied: Sequence[str],
        now_states: Mapping[str, ConsentState],
    ) -> list[Finding]:
        at = d.fact.effective_at
        unrevoked = self.states(at=at, known_at=self.now, without=(REVOKED, PARTIALLY_REVOKED))
        from_agency = d.fact.data["from_agency"]
        if relied:
            candidates = [c for c in relied if c in now_states]
        else:  # nothing covered when recorded: judge the consents that would have applied
            candidates = [
                c
                for c, s in now_states.items()
                if s.annulled is None
                and s.valid_from <= at
                and from_agency in unrevoked[c].scope.agencies
            ]
        findings: list[Finding] = []
        why: list[Words] = []
        for cid in candidates:
            for q in questions:
                found = self.classify(d, now_states[cid], unrevoked[cid], q)
                findings += found
                if not _names_what_went_wrong(found):
                    why += self.why_not(now_states[cid], q)
        if _names_what_went_wrong(findings):
            return findings
        facts = self.facts(d)
        unique = list(dict.fromkeys(why))
        said = (
            say("NO_BASIS/why", **facts, why=joined(unique, "; "))
            if unique
            else say("NO_BASIS", **facts)
        )
        return [self.finding("NO_BASIS", said, d), *findings]

    def classify(
        self, d: Disclosure, state: ConsentState, unrevoked: ConsentState, q: Question
    ) -> list[Finding]:
        """The precise findings for one consent that does not cover one question; empty when
        only NO_BASIS describes it (purpose, situation, closed case, not yet valid)."""
        reasons = self.reasons(state, q)
        if not reasons:
            return []
        cid, at = state.consent_id, d.fact.effective_at
        if CONSENT_ANNULLED in reasons and state.annulled is not None:
            said = say("BASIS_ANNULLED", at=at, consent=cid, annulled_at=state.annulled.recorded_at)
            return [self.finding("BASIS_ANNULLED", said, d, cid)]
        base = self.reasons(unrevoked, q)
        if base:  # it fell short whatever was revoked
            return self.shortfalls(d, unrevoked, base, q)
        full = self.full_revocation(cid, at)
        if full is not None:  # the consent no longer stood at all
            said = say(
                "AFTER_REVOCATION", **self.facts(d), consent=cid, revoked_at=full.effective_at
            )
            return [self.finding("AFTER_REVOCATION", said, d, cid), *self.late(d, cid, full)]
        # Partial revocations took away part of it; the consent still stood for the rest.
        out: list[Finding] = []
        for reason in sorted(reasons):
            partial = self.took_away(cid, q, reason)
            if partial is None:
                continue
            removed = _removed(reason, q, partial, self.category(q.category))
            code = SCOPE_CODES.get(reason)
            if code is not None:
                said = say(
                    f"{code}/partial",
                    **self.facts(d),
                    consent=cid,
                    revoked_at=partial.effective_at,
                    category=self.category(q.category),
                    to_agency=q.to_agency,
                    removed=removed,
                    rest=REST_OF_CONSENT,
                )
                out.append(self.finding(code, said, d, cid))
            out += self.late(d, cid, partial, removed)
        return out

    def shortfalls(
        self, d: Disclosure, state: ConsentState, reasons: set[str], q: Question
    ) -> list[Finding]:
        """What a consent lacked, revocations aside: its validity, its givers or its scope."""
        cid, at = state.consent_id, d.fact.effective_at
        facts = self.facts(d)
        out = []
        if GUARDIAN_CONSENT_LAPSED_AT_18 in reasons and state.lapses_at is not None:
            age = age_on(self.youth.birth_date, state.lapses_at)
            said = say(
                "GUARDIAN_CONSENT_AFTER_18", consent=cid, age=age, lapsed_at=state.lapses_at, at=at
            )
            out.append(self.finding("GUARDIAN_CONSENT_AFTER_18", said, d, cid))
        if CONSENT_EXPIRED in reasons:
            said = say("EXPIRED_CONSENT", **facts, consent=cid, valid_until=state.valid_until)
            out.append(self.finding("EXPIRED_CONSENT", said, d, cid))
        if CONSENT_PENDING in reasons:
            missing = _missing(state.requirement.missing)
            said = say("CONSENT_PENDING", **facts, consent=cid, missing=missing)
            out.append(self.finding("CONSENT_PENDING", said, d, cid))
            out += self.why_pending(d, state)
        for reason, code in SCOPE_CODES.items():
            if reason in reasons:
                said = say(
                    code,
                    **facts,
                    consent=cid,
                    category=self.category(q.category),
                    to_agency=q.to_agency,
                )
                out.append(self.finding(code, said, d, cid))
        return out

    def why_pending(self, d: Disclosure, state: ConsentState) -> list[Finding]:
        """The documentation finding that says why a consent was still pending, if one does."""
        cid = state.consent_id
        givers = state.givers
        guardians_signed = any(g.party == "guardian" for g in givers)
        youth_signed = Giver("youth") in givers
        missing = state.requirement.missing
        age = age_on(self.youth.birth_date, state.granted.effective_at)
        if self.ledger.policy.stage(age) == "adult" and guardians_signed and not youth_signed:
            said = say("GUARDIAN_CONSENT_AFTER_18/adult", consent=cid, age=age)
            return [self.finding("GUARDIAN_CONSENT_AFTER_18", said, d, cid)]
        if (
            youth_signed
            and not guardians_signed
            and any(m["kind"] == "maturity_assessment" for m in missing)
        ):
            said = say("MINOR_WITHOUT_MATURITY_ASSESSMENT", consent=cid, age=age)
            return [self.finding("MINOR_WITHOUT_MATURITY_ASSESSMENT", said, d, cid)]
        joint_missing = [
            m["guardian_id"]
            for m in missing
            if m.get("guardian_id")
            and getattr(self.youth.guardians.get(m["guardian_id"]), "custody", None) == "joint"
        ]
        if guardians_signed and joint_missing:
            names = joined([Words(f"guardian {g}", f"vårdnadshavare {g}") for g in joint_missing])
            said = say("MISSING_GUARDIAN", consent=cid, missing=names)
            return [self.finding("MISSING_GUARDIAN", said, d, cid)]
        return []

    def why_not(self, state: ConsentState, q: Question) -> list[Words]:
        unnamed = {
            PURPOSE_NOT_COVERED: not state.scope.covered_purposes(),
            SITUATION_NOT_COVERED: not state.scope.covered_situations(),
        }
        return [
            UNNAMED[code]
            if unnamed.get(code)
            else phrase(
                WHY_NOT.get(code, WHY_NOT_OTHERWISE), purpose=q.purpose, situation=q.situation
            )
            for code in sorted(self.reasons(state, q))
        ]

    # -- which revocation took away what was disclosed ------------------------------------------
    def full_revocation(self, cid: str, at: datetime) -> Fact | None:
        """The full revocation in effect at `at` (the earliest, should there be several)."""
        return min(
            self.revocations(cid, at, REVOKED),
            key=lambda f: (f.effective_at, f.version),
            default=None,
        )

    def took_away(self, cid: str, q: Question, reason: str) -> Fact | None:
        """The partial revocation after which the consent, revoked no further, stopped covering
        the question for `reason` (and did not cover it again)."""
        partials = sorted(
            self.revocations(cid, q.at, PARTIALLY_REVOKED),
            key=lambda f: (f.effective_at, f.version),
        )
        facts = [f for f in self.youth.consents[cid] if f.kind != REVOKED]
        responsible, before = None, False
        for i, partial in enumerate(partials):
            applied = {p.version for p in partials[: i + 1]}
            kept = [f for f in facts if f.kind != PARTIALLY_REVOKED or f.version in applied]
            state = self.folded(cid, kept, q.at)
            now = state is not None and reason in self.reasons(state, q)
            if now and not before:
                responsible = partial
            before = now
        return responsible if before else None

    def revocations(self, cid: str, at: datetime, kind: str) -> Iterable[Fact]:
        return (
            f
            for f in self.youth.consents.get(cid) or []
            if f.kind == kind and f.effective_at <= at and f.recorded_at <= self.now
        )

    def late(
        self, d: Disclosure, cid: str, revocation: Fact, removed: Words | None = None
    ) -> list[Finding]:
        """REVOCATION_REGISTERED_LATE when this revocation, in effect at the disclosure, was
        registered only after it."""
        at = d.fact.effective_at
        if not revocation.effective_at <= at < revocation.recorded_at:
            return []
        key = LATE if revocation.kind == REVOKED else f"{LATE}/partial"
        said = say(
            key,
            consent=cid,
            removed=removed or "",
            revoked_at=revocation.effective_at,
            recorded_at=revocation.recorded_at,
            at=at,
        )
        return [self.finding(LATE, said, d, cid)]

    # -- a statutory basis ----------------------------------------------------------------------
    def conditions_not_met(self, d: Disclosure) -> Words:
        data = d.fact.data
        basis, at = data["basis"], d.fact.effective_at
        provision = self.ledger.catalogue.provision(basis.get("provision") or "")
        if provision is None:
            return say("PROVISION_CONDITIONS_NOT_MET", at=at, provision=basis.get("provision"))
        kinds = self.ledger.agency_kinds([data["from_agency"], *data["to_agencies"]], "agencies")
        age = age_on(self.youth.birth_date, at)
        clauses: list[Words] = []
        for to in data["to_agencies"]:
            for condition in provision.unmet(
                from_kind=kinds[data["from_agency"]],
                to_kind=kinds[to],
                age=age,
                note=_note(basis.get("note")),
                purpose=data.get("purpose"),
            ):
                clauses.append(
                    phrase(
                        CONDITIONS[condition],
                        from_kind=kind_words(kinds[data["from_agency"]]),
                        to_kind=kind_words(kinds[to]),
                        limit=(provision.max_age or 0) + 1,
                        age=age,
                        allowed=sorted(provision.purposes or ()),
                        purpose=data.get("purpose") or "-",
                    )
                )
        if not clauses:
            return say("PROVISION_CONDITIONS_NOT_MET", at=at, provision=provision.id)
        why = joined(list(dict.fromkeys(clauses)), "; ")
        return say("PROVISION_CONDITIONS_NOT_MET/why", at=at, provision=provision.id, why=why)

    def statutory_assessment(self, d: Disclosure) -> list[Finding]:
        """A provision whose catalogue entry rests on a human judgement (OSL 10:2 necessity, 10:27
        balancing of interests): every disclosure under it is a notice a reviewer must look at."""
        data = d.fact.data
        basis = data["basis"]
        provision = self.ledger.catalogue.provision(basis.get("provision") or "")
        if provision is None or provision.judgement is None:
            return []
        judgement = JUDGEMENTS.get(provision.judgement) or Words(
            provision.judgement, provision.judgement
        )
        said = say(
            "STATUTORY_ASSESSMENT",
            at=d.fact.effective_at,
            provision=provision.id,
            from_agency=data["from_agency"],
            judgement=judgement,
            note="" if _has_text(basis.get("note")) else NOTE_MISSING,
        )
        return [self.finding("STATUTORY_ASSESSMENT", said, d)]

    # -- SIG: the intervention rests on a consent between social services and police ---------
    def sig_basis_findings(self, d: Disclosure) -> list[Finding]:
        at = d.fact.effective_at
        data = d.fact.data
        involved = {data["from_agency"], *data["to_agencies"]}
        findings = []
        for case in self.youth.cases.values():
            if case.form != "SIG" or case.opened.effective_at > at:
                continue
            if case.closed_at(at, self.now) is not None or not involved & set(case.agencies):
                continue
            kinds = self.ledger.agency_kinds(list(case.agencies), "agencies")
            states = self.states(at=at, known_at=self.now).values()
            basis = sig_police_basis(case, kinds, states, at)
            if basis.never_held:
                said = say("SIG_WITHOUT_POLICE_CONSENT", case=case.case_id, at=at)
                findings.append(self.finding("SIG_WITHOUT_POLICE_CONSENT", said, d))
            for lost in basis.lost:
                cid = lost.consent_id
                said = say(
                    "SIG_CONTINUES_AFTER_POLICE_REVOCATION",
                    case=case.case_id,
                    at=at,
                    consent=cid,
                    cause=LOST_CAUSES[lost.cause],
                    since=lost.since,
                )
                findings.append(self.finding("SIG_CONTINUES_AFTER_POLICE_REVOCATION", said, d, cid))
        return findings

    # -- the consents the reviewed disclosures rested on --------------------------------------
    def consent_findings(self, in_scope: Iterable[str] = ()) -> list[Finding]:
        """The findings on the consents the reviewed disclosures rested on, and the documentation
        of every other consent in scope, used or not (issue 12: a review "lists every
        deficiently documented consent in scope")."""
        days = timedelta(days=self.ledger.policy.late_registration_days)
        findings = []
        for cid in dict.fromkeys([*self.relied, *in_scope]):
            facts = self.youth.consents.get(cid) or []
            if not facts:
                continue
            relied = cid in self.relied
            if not relied and any(f.kind == ANNULLED for f in facts):
                continue  # entered in error and never relied on: nothing to document
            ids = list(dict.fromkeys(self.relied.get(cid, [])))

            def add(code: str, said: Words, cid: str = cid, ids: list[str] = ids) -> None:
                findings.append(Finding.of(code, said, self.youth_id, None, cid, ids))

            grant = facts[0].data
            if not grant.get("informed_of_revocation"):
                add("NOT_INFORMED_OF_REVOCATION", say("NOT_INFORMED_OF_REVOCATION", consent=cid))
            # Seed 004: "Lämna en kopia på påskriven samtyckesblankett till individen" (a signed
            # form, so a written consent).
            if grant.get("method") == "written" and not grant.get("copy_given"):
                add("COPY_NOT_GIVEN", say("COPY_NOT_GIVEN", consent=cid))
            for f in facts:
                subject = phrase(SUBJECTS[f.kind], consent=cid) if f.kind in SUBJECTS else None
                if subject is None:
                    continue
                if f.kind in (GRANTED, SIGNED, EXTENDED):
                    if f.data.get("method") == "oral" and not _has_text(f.data.get("notes")):
                        add("ORAL_WITHOUT_NOTES", say("ORAL_WITHOUT_NOTES", subject=subject))
                    if (
                        f.kind != SIGNED
                        and f.data.get("method") == "written"
                        and not str(f.data.get("form_reference") or "").strip()
                    ):
                        said = say("WRITTEN_WITHOUT_FORM_REFERENCE", subject=subject)
                        add("WRITTEN_WITHOUT_FORM_REFERENCE", said)
                late = f.recorded_at - f.effective_at
                if relied and late > days:
                    said = say(
                        "LATE_REGISTRATION",
                        subject=subject,
                        dated=DATED[f.kind],
                        effective_at=f.effective_at,
                        days=late.days,
                        recorded_at=f.recorded_at,
                    )
                    add("LATE_REGISTRATION", said)
        return findings

    def consents_without_purpose(self, in_scope: Iterable[str] = ()) -> list[Finding]:
        """Every consent relied on or in scope, used or not, that names no purpose or no situation
        as it stands now: it covers nothing (seeds 000/002/003; ledger/scope.py)."""
        findings = []
        for cid in dict.fromkeys([*self.relied, *in_scope]):
            facts = self.youth.consents.get(cid) or []
            state = self.folded(cid, facts, self.now) if facts else None
            if state is None or state.annulled is not None:
                continue
            # None: never named (a revocation that took the last one away leaves an empty set)
            lacks = []
            if state.scope.purposes is None:
                lacks.append(Words("purpose", "ändamål"))
            if state.scope.situations is None:
                lacks.append(Words("situation", "situation"))
            if lacks:
                said = say("CONSENT_WITHOUT_PURPOSE", consent=cid, missing=joined(lacks))
                ids = list(dict.fromkeys(self.relied.get(cid, [])))
                findings.append(
                    Finding.of("CONSENT_WITHOUT_PURPOSE", said, self.youth_id, None, cid, ids)
                )
        return findings

    # -- words --------------------------------------------------------------------------------
    def facts(self, d: Disclosure) -> dict[str, object]:
        """What every sentence about a disclosure may name: when, who, to whom, what."""
        data = d.fact.data
        labels = joined([self.category(c) for c in data["categories"]])
        return {
            "at": d.fact.effective_at,
            "from_agency": data["from_agency"],
            "to_agencies": list(data["to_agencies"]),
            "categories": Words(f"information on {labels.en}", f"uppgifter om {labels.sv}"),
        }

    def category(self, category_id: str) -> Words:
        for entry in self.ledger.catalogue.categories:
            if entry.id == category_id:
                return Words(f'"{entry.label_en}"', f'"{entry.label_sv}"')
        return Words(category_id, category_id)

    def finding(
        self, code: str, said: Words, d: Disclosure, consent_id: str | None = None
    ) -> Finding:
        return Finding.of(code, said, self.youth_id, d.disclosure_id, consent_id)


def _names_what_went_wrong(findings: Sequence[Finding]) -> bool:
    """A late registration alone does not say what was wrong with the disclosure itself."""
    return any(f.code != LATE for f in findings)


def _removed(reason: str, q: Question, partial: Fact, category: Words) -> Words:
    """What a partial revocation removed that the question needed."""
    if reason == CATEGORY_NOT_COVERED:
        return Words(f"the category {category.en}", f"kategorin {category.sv}")
    if reason == RECIPIENT_NOT_COVERED:
        return Words(f"the agency {q.to_agency}", f"aktören {q.to_agency}")
    if reason == DIRECTION_NOT_COVERED:
        if q.from_agency in ((partial.data.get("remove") or {}).get("agencies") or ()):
            return Words(f"the agency {q.from_agency}", f"aktören {q.from_agency}")
        pair = f"{q.from_agency} → {q.to_agency}"
        return Words(f"the direction {pair}", f"riktningen {pair}")
    if reason == PURPOSE_NOT_COVERED:
        return Words(f"the purpose {q.purpose}", f"ändamålet {q.purpose}")
    if reason == SITUATION_NOT_COVERED:
        return Words(f"the situation {q.situation}", f"situationen {q.situation}")
    return Words("part of its scope", "en del av dess omfattning")


def _missing(missing: Sequence[Mapping[str, Any]]) -> Words:
    """What a pending consent waited for. At 15–17 the guardians' consent and a maturity
    assessment are alternatives: either lets the youth's consent stand."""
    needs = []
    if any(m["kind"] == "giver" and m["party"] == "youth" for m in missing):
        needs.append(Words("the youth's consent", "den unges samtycke"))
    guardians = [
        Words(
            f"the consent of guardian {m['guardian_id']}",
            f"samtycke från vårdnadshavare {m['guardian_id']}",
        )
        if m.get("guardian_id")
        else Words("a guardian's consent", "samtycke från en vårdnadshavare")
        for m in missing
        if m["kind"] == "giver" and m["party"] == "guardian"
    ]
    assessment = any(m["kind"] == "maturity_assessment" for m in missing)
    if guardians and assessment:
        both = joined(guardians)
        needs.append(
            Words(f"{both.en} or a maturity assessment", f"{both.sv} eller en mognadsbedömning")
        )
    elif guardians:
        needs.append(joined(guardians))
    elif assessment:
        needs.append(Words("a maturity assessment", "en mognadsbedömning"))
    return joined(needs)


def _note(value: Any) -> str | None:
    # An erased note was written once: its absence now is not a missing note.
    return "(erased)" if isinstance(value, Personal) and value.erased else _text(value)


def _text(value: Any) -> str | None:
    if isinstance(value, Personal):
        return value.value
    return value if isinstance(value, str) else None


def _has_text(value: Any) -> bool:
    if isinstance(value, Personal) and value.erased:
        return True  # it was there before the youth's data was erased
    text = _text(value)
    return bool(text and text.strip())
