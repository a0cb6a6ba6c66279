"""One youth's part of a review: each disclosure's basis judged as the ledger knew it when the
disclosure was recorded and as it is known now, and the documentation of the consents it rested
on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from ledger.consent import (
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
    CONSENT_ANNULLED,
    CONSENT_EXPIRED,
    CONSENT_PENDING,
    GUARDIAN_CONSENT_LAPSED_AT_18,
    Decision,
    Question,
    consent_reasons,
    sig_consents_lost,
)
from ledger.service import Ledger
from ledger.timeutil import age_on, iso
from ledger.youth import Disclosure, Youth
from projections.findings import SCOPE_CODES, Finding


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
            provision = basis.get("provision")
            findings.append(
                self.finding(
                    "UNKNOWN_PROVISION",
                    f"the provision {provision} is not in the catalogue; its conditions cannot "
                    "be checked",
                    d,
                )
            )
        if basis["kind"] == "statutory":
            if as_now is not None and not as_now.allowed:
                failed = "; ".join(r.message for r in as_now.reasons)
                findings.append(self.finding("PROVISION_CONDITIONS_NOT_MET", failed, d))
            label = str(basis.get("provision"))
        else:
            findings += self.consent_basis(d)
            label = "consent" if as_now is not None and as_now.allowed else "none"
        findings += self.sig_after_police_revocation(d)
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
        note = basis.get("note")
        # An erased note was written once: its absence now is not a missing note.
        basis["note"] = "(erased)" if isinstance(note, Personal) and note.erased else _text(note)
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
            kept = [f for f in facts if f.kind not in without]
            state = fold(
                cid,
                kept,
                at=at,
                known_at=known_at,
                birth_date=self.youth.birth_date,
                guardians=self.guardians,
                policy=self.ledger.policy,
            )
            if state is not None:
                out[cid] = state
        return out

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
                    findings.append(
                        self.finding(
                            "LATE_REGISTRATION",
                            f"consent {cid} was registered after the disclosure it supports",
                            d,
                            cid,
                        )
                    )
        for cid in dict.fromkeys([*relied, *covering]):
            self.relied.setdefault(cid, []).append(d.disclosure_id)
        if uncovered:
            findings += self.uncovered(d, uncovered, relied, now_states)
        return findings

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
        others: list[str] = []
        for cid in candidates:
            for q in questions:
                codes = self.classify(now_states[cid], unrevoked[cid], q)
                for code in codes:
                    findings.append(self.finding(code, self.explain(code, cid, q), d, cid))
                    if code == "AFTER_REVOCATION":
                        findings += self.revocations_registered_late(d, cid)
                if not codes:
                    others += sorted(self.reasons(now_states[cid], q))
        if findings:
            return findings
        why = f" ({', '.join(sorted(set(others)))})" if others else ""
        return [self.finding("NO_BASIS", f"no consent covered the disclosure{why}", d)]

    def classify(self, state: ConsentState, unrevoked: ConsentState, q: Question) -> list[str]:
        """The precise findings for one consent that does not cover one question; empty when
        only NO_BASIS describes it (purpose, situation, closed case, not yet valid)."""
        reasons = self.reasons(state, q)
        if not reasons:
            return []
        if CONSENT_ANNULLED in reasons:
            return ["BASIS_ANNULLED"]
        base = self.reasons(unrevoked, q)
        if not base:
            return ["AFTER_REVOCATION"]
        out = []
        if GUARDIAN_CONSENT_LAPSED_AT_18 in base:
            out.append("GUARDIAN_CONSENT_AFTER_18")
        if CONSENT_EXPIRED in base:
            out.append("EXPIRED_CONSENT")
        if CONSENT_PENDING in base:
            out.append(self.pending_code(state))
        out += [finding for reason, finding in SCOPE_CODES.items() if reason in base]
        return out

    def pending_code(self, state: ConsentState) -> str:
        givers = state.givers
        guardians_signed = any(g.party == "guardian" for g in givers)
        youth_signed = Giver("youth") in givers
        missing = state.requirement.missing
        stage = self.ledger.policy.stage(age_on(self.youth.birth_date, state.granted.effective_at))
        if stage == "adult" and guardians_signed and not youth_signed:
            return "GUARDIAN_CONSENT_AFTER_18"
        if (
            youth_signed
            and not guardians_signed
            and any(m["kind"] == "maturity_assessment" for m in missing)
        ):
            return "MINOR_WITHOUT_MATURITY_ASSESSMENT"
        joint_missing = [
            m
            for m in missing
            if m.get("guardian_id")
            and getattr(self.youth.guardians.get(m["guardian_id"]), "custody", None) == "joint"
        ]
        if guardians_signed and joint_missing:
            return "MISSING_GUARDIAN"
        return "CONSENT_PENDING"

    def explain(self, code: str, cid: str, q: Question) -> str:
        return {
            "BASIS_ANNULLED": f"relied on consent {cid}, later annulled as entered in error",
            "AFTER_REVOCATION": f"consent {cid} had been revoked when this was disclosed",
            "GUARDIAN_CONSENT_AFTER_18": f"consent {cid} rested on the guardians and was used "
            "after the youth's 18th birthday",
            "EXPIRED_CONSENT": f"consent {cid} had expired when this was disclosed",
            "CONSENT_PENDING": f"consent {cid} still waited for a required giver",
            "MINOR_WITHOUT_MATURITY_ASSESSMENT": f"consent {cid}: the youth (15–17) consented "
            "alone without a recorded maturity assessment",
            "MISSING_GUARDIAN": f"consent {cid}: under joint custody only one guardian consented",
            "OUTSIDE_SCOPE_RECIPIENT": f"consent {cid} does not cover the recipient {q.to_agency}",
            "OUTSIDE_SCOPE_DIRECTION": f"consent {cid} does not cover {q.from_agency} → "
            f"{q.to_agency}",
            "OUTSIDE_SCOPE_CATEGORY": f"consent {cid} does not cover the category {q.category}",
        }[code]

    def revocations_registered_late(self, d: Disclosure, cid: str) -> list[Finding]:
        at = d.fact.effective_at
        return [
            self.finding(
                "REVOCATION_REGISTERED_LATE",
                f"consent {cid} was revoked from {iso(f.effective_at)} but the revocation was "
                f"registered only at {iso(f.recorded_at)}, after the disclosure",
                d,
                cid,
            )
            for f in self.youth.consents[cid]
            if f.kind in (REVOKED, PARTIALLY_REVOKED) and f.effective_at <= at < f.recorded_at
        ]

    # -- SIG: the intervention must end when consent covering social services ↔ police goes ---
    def sig_after_police_revocation(self, d: Disclosure) -> list[Finding]:
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
            for state in sig_consents_lost(case, kinds, states):
                cid = state.consent_id
                findings.append(
                    self.finding(
                        "SIG_CONTINUES_AFTER_POLICE_REVOCATION",
                        f"SIG case {case.case_id} went on sharing after consent {cid} covering "
                        "social services and police was revoked; the intervention must end",
                        d,
                        cid,
                    )
                )
        return findings

    # -- the consents the reviewed disclosures rested on --------------------------------------
    def consent_findings(self) -> list[Finding]:
        days = timedelta(days=self.ledger.policy.late_registration_days)
        findings = []
        for cid, disclosures in self.relied.items():
            facts = self.youth.consents.get(cid) or []
            if not facts:
                continue
            ids = list(dict.fromkeys(disclosures))

            def add(code: str, message: str, cid: str = cid, ids: list[str] = ids) -> None:
                findings.append(Finding(code, message, self.youth_id, None, cid, ids))

            grant = facts[0].data
            if not grant.get("informed_of_revocation"):
                add(
                    "NOT_INFORMED_OF_REVOCATION",
                    f"consent {cid}: no record that the givers were told they may revoke it",
                )
            for f in facts:
                if f.kind in (GRANTED, SIGNED, EXTENDED):
                    if f.data.get("method") == "oral" and not _has_text(f.data.get("notes")):
                        add(
                            "ORAL_WITHOUT_NOTES",
                            f"consent {cid}: {_fact_words(f)} given orally without notes on when, "
                            "how and who was present",
                        )
                    if (
                        f.kind != SIGNED
                        and f.data.get("method") == "written"
                        and not str(f.data.get("form_reference") or "").strip()
                    ):
                        add(
                            "WRITTEN_WITHOUT_FORM_REFERENCE",
                            f"consent {cid}: {_fact_words(f)} in writing without a form reference",
                        )
                if f.kind in (GRANTED, SIGNED, EXTENDED, REVOKED, PARTIALLY_REVOKED):
                    late = f.recorded_at - f.effective_at
                    if late > days:
                        add(
                            "LATE_REGISTRATION",
                            f"consent {cid}: {_fact_words(f)} of {iso(f.effective_at)} was "
                            f"registered {late.days} days later",
                        )
        return findings

    def finding(
        self, code: str, message: str, d: Disclosure, consent_id: str | None = None
    ) -> Finding:
        return Finding(code, message, self.youth_id, d.disclosure_id, consent_id)


def _fact_words(fact: Fact) -> str:
    return {
        GRANTED: "the consent",
        SIGNED: "a signature",
        EXTENDED: "an extension",
        REVOKED: "the revocation",
        PARTIALLY_REVOKED: "the partial revocation",
    }.get(fact.kind, fact.kind)


def _text(value: Any) -> str | None:
    if isinstance(value, Personal):
        return value.value
    return value if isinstance(value, str) else None


def _has_text(value: Any) -> bool:
    if isinstance(value, Personal) and value.erased:
        return True  # it was there before the youth's data was erased
    text = _text(value)
    return bool(text and text.strip())
