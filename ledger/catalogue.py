"""The catalogue: information categories, purposes, situations, agency kinds and the statutory
provisions (sekretessbrytande bestämmelser) with their conditions. Data, not code: a deployment
may replace the file (`LEDGER_CATALOGUE_FILE`). Each provision's conditions (who may disclose to
whom, age, purposes, a note, a judgement a reviewer must see) and its legal reference are in its
entry of `data/catalogue.json`, and only there; this module only applies them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Entry:
    id: str
    label_sv: str
    label_en: str
    # A category that usually holds information about someone else too (a parent, a sibling):
    # a consent-based request must say whether it does (issue 12, item 6; seed 004).
    concerns_others: bool = False
    # The agency kinds whose own information a category is (issue 14; the catalogue's
    # `originates_with_source` says why): another kind that discloses it passes it on.
    # None: any agency's own (identity, an action plan made together).
    originates_with: frozenset[str] | None = None


@dataclass(frozen=True)
class Provision:
    id: str
    label_sv: str
    label_en: str
    from_kinds: frozenset[str] | None  # None: any agency kind may disclose
    excluded_from_kinds: frozenset[str]
    to_kinds: frozenset[str] | None
    max_age: int | None  # the youth's highest age (in whole years) at disclosure; None: any age
    note_required: bool
    legal_reference: str = ""  # the statute, e.g. "OSL (2009:400) 10 kap. 27 §"
    source: str = ""  # why the entry reads as it does: the statute's words or a seed's
    purposes: frozenset[str] | None = None  # the purposes it allows; None: any
    judgement: str | None = None  # "necessity" | "balancing": a human judgement reviews show

    def unmet(
        self,
        *,
        from_kind: str,
        to_kind: str,
        age: int,
        note: str | None,
        purpose: str | None = None,
    ) -> list[str]:
        """Each condition of the provision that this disclosure does not meet: `discloser`,
        `recipient`, `age`, `purpose`, `note`."""
        failed = []
        if (self.from_kinds is not None and from_kind not in self.from_kinds) or (
            from_kind in self.excluded_from_kinds
        ):
            failed.append("discloser")
        if self.to_kinds is not None and to_kind not in self.to_kinds:
            failed.append("recipient")
        if self.max_age is not None and age > self.max_age:
            failed.append("age")
        if self.purposes is not None and purpose not in self.purposes:
            failed.append("purpose")
        if self.note_required and not (note and note.strip()):
            failed.append("note")
        return failed

    def conditions_failed(
        self,
        *,
        from_kind: str,
        to_kind: str,
        age: int,
        note: str | None,
        purpose: str | None = None,
    ) -> list[str]:
        """Each condition of the provision that this disclosure does not meet, in words."""
        allowed = ", ".join(sorted(self.purposes or ()))
        words = {
            "discloser": f"{self.id} does not allow disclosure by {from_kind}",
            "recipient": f"{self.id} does not allow disclosure to {to_kind}",
            "age": f"{self.id} applies only to youths under {(self.max_age or 0) + 1}",
            "purpose": f"{self.id} allows only the purpose {allowed}"
            + (f", not {purpose}" if purpose else "; the request states no purpose"),
            "note": f"{self.id} requires a note on why its conditions were met",
        }
        failed = self.unmet(
            from_kind=from_kind, to_kind=to_kind, age=age, note=note, purpose=purpose
        )
        return [words[c] for c in failed]


@dataclass(frozen=True)
class Catalogue:
    agency_kinds: tuple[str, ...]
    categories: tuple[Entry, ...]
    purposes: tuple[Entry, ...]
    situations: tuple[Entry, ...]
    provisions: tuple[Provision, ...]

    @property
    def category_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.categories)

    def concerns_others(self, category_id: str) -> bool:
        return any(c.id == category_id and c.concerns_others for c in self.categories)

    def originates_with(self, category_id: str) -> frozenset[str] | None:
        return next((c.originates_with for c in self.categories if c.id == category_id), None)

    def provision(self, provision_id: str) -> Provision | None:
        return next((p for p in self.provisions if p.id == provision_id), None)

    def as_json(self) -> dict[str, Any]:
        def entries(items: tuple[Entry, ...] | tuple[Provision, ...]) -> list[dict[str, str]]:
            return [{"id": e.id, "label_sv": e.label_sv, "label_en": e.label_en} for e in items]

        return {
            "categories": [
                {
                    **entries((c,))[0],
                    "concerns_others": c.concerns_others,
                    "originates_with": None
                    if c.originates_with is None
                    else sorted(c.originates_with),
                }
                for c in self.categories
            ],
            "provisions": [
                {
                    **entries((p,))[0],
                    "from_kinds": sorted(p.from_kinds) if p.from_kinds is not None else None,
                    "excluded_from_kinds": sorted(p.excluded_from_kinds),
                    "to_kinds": sorted(p.to_kinds) if p.to_kinds is not None else None,
                    "max_age": p.max_age,
                    "note_required": p.note_required,
                    "purposes": sorted(p.purposes) if p.purposes is not None else None,
                    "judgement": p.judgement,
                    "legal_reference": p.legal_reference,
                    "source": p.source,
                }
                for p in self.provisions
            ],
            "purposes": entries(self.purposes),
            "situations": entries(self.situations),
            "agency_kinds": list(self.agency_kinds),
        }


def _entries(raw: list[dict[str, Any]]) -> tuple[Entry, ...]:
    return tuple(
        Entry(
            e["id"],
            e["label_sv"],
            e["label_en"],
            bool(e.get("concerns_others", False)),
            _kinds(e.get("originates_with")),
        )
        for e in raw
    )


def _kinds(raw: list[str] | None) -> frozenset[str] | None:
    return None if raw is None else frozenset(raw)


def parse_catalogue(raw: dict[str, Any]) -> Catalogue:
    return Catalogue(
        agency_kinds=tuple(raw["agency_kinds"]),
        categories=_entries(raw["categories"]),
        purposes=_entries(raw.get("purposes", [])),
        situations=_entries(raw.get("situations", [])),
        provisions=tuple(
            Provision(
                id=p["id"],
                label_sv=p["label_sv"],
                label_en=p["label_en"],
                from_kinds=_kinds(p.get("from_kinds")),
                excluded_from_kinds=frozenset(p.get("excluded_from_kinds") or ()),
                to_kinds=_kinds(p.get("to_kinds")),
                max_age=p.get("max_age"),
                note_required=bool(p.get("note_required", True)),
                legal_reference=str(p.get("legal_reference") or ""),
                source=str(p.get("source") or ""),
                purposes=_kinds(p.get("purposes")),
                judgement=p.get("judgement"),
            )
            for p in raw["provisions"]
        ),
    )


def load_catalogue(path: Path | None = None) -> Catalogue:
    if path is None:
        text = resources.files("ledger").joinpath("data/catalogue.json").read_text("utf-8")
    else:
        text = path.read_text("utf-8")
    return parse_catalogue(json.loads(text))
