"""What a consent covers: agencies and directions between them, information categories, purposes and
situations; narrowed by partial revocations and widened by affirmed extensions.

A consent must be specific: the seeds (001, 004) ask it to say "varför uppgifter behöver delas … i
vilka situationer uppgifterna kommer att lämnas ut och till vilka verksamheter". So a purpose or a
situation the consent does not name is not covered, and a consent that names none (stored before
version 1.1 required them) covers no purpose or situation at all (issue 12, item 2)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from itertools import permutations
from typing import Any

Direction = tuple[str, str]


@dataclass(frozen=True)
class Scope:
    agencies: frozenset[str]
    directions: frozenset[Direction] | None  # None: every pair among `agencies`
    categories: frozenset[str]
    purposes: frozenset[str] | None  # None: the consent names no purpose, so it covers none
    situations: frozenset[str] | None  # None: the consent names no situation, so it covers none
    excluded_purposes: frozenset[str] = frozenset()
    excluded_situations: frozenset[str] = frozenset()

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Scope:
        directions = raw.get("directions")
        purposes = raw.get("purposes") or None
        situations = raw.get("situations") or None
        return cls(
            agencies=frozenset(raw["agencies"]),
            directions=None if directions is None else frozenset(_pairs(directions)),
            categories=frozenset(raw["categories"]),
            purposes=None if purposes is None else frozenset(purposes),
            situations=None if situations is None else frozenset(situations),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "agencies": sorted(self.agencies),
            "directions": None
            if self.directions is None
            else [{"from": a, "to": b} for a, b in sorted(self.directions)],
            "categories": sorted(self.categories),
            "purposes": _listed(self.purposes, self.excluded_purposes),
            "situations": _listed(self.situations, self.excluded_situations),
        }

    def all_directions(self) -> frozenset[Direction]:
        if self.directions is None:
            return frozenset(permutations(sorted(self.agencies), 2))
        return self.directions

    def covers_direction(self, from_agency: str, to_agency: str) -> bool:
        if from_agency == to_agency:
            return False  # an agency does not disclose to itself
        if from_agency not in self.agencies or to_agency not in self.agencies:
            return False
        return self.directions is None or (from_agency, to_agency) in self.directions

    def covers_purpose(self, purpose: str) -> bool:
        return _open_covers(self.purposes, self.excluded_purposes, purpose)

    def covers_situation(self, situation: str) -> bool:
        return _open_covers(self.situations, self.excluded_situations, situation)

    def covered_purposes(self) -> list[str]:
        """The purposes the consent covers (none if it names none)."""
        return sorted((self.purposes or frozenset()) - self.excluded_purposes)

    def covered_situations(self) -> list[str]:
        return sorted((self.situations or frozenset()) - self.excluded_situations)

    def widened(self, add: Mapping[str, Any]) -> Scope:
        agencies = self.agencies | frozenset(add.get("agencies") or ())
        directions = self.directions
        if directions is not None:
            directions = directions | frozenset(_pairs(add.get("directions") or ()))
        purposes, excluded_purposes = _open_add(
            self.purposes, self.excluded_purposes, add.get("purposes")
        )
        situations, excluded_situations = _open_add(
            self.situations, self.excluded_situations, add.get("situations")
        )
        return replace(
            self,
            agencies=agencies,
            directions=directions,
            categories=self.categories | frozenset(add.get("categories") or ()),
            purposes=purposes,
            situations=situations,
            excluded_purposes=excluded_purposes,
            excluded_situations=excluded_situations,
        )

    def narrowed(self, remove: Mapping[str, Any]) -> Scope:
        removed_agencies = frozenset(remove.get("agencies") or ())
        removed_directions = frozenset(_pairs(remove.get("directions") or ()))
        directions = self.directions
        if removed_directions:
            directions = self.all_directions() - removed_directions
        if directions is not None and removed_agencies:
            directions = frozenset(
                (a, b)
                for a, b in directions
                if a not in removed_agencies and b not in removed_agencies
            )
        purposes, excluded_purposes = _open_remove(
            self.purposes, self.excluded_purposes, remove.get("purposes")
        )
        situations, excluded_situations = _open_remove(
            self.situations, self.excluded_situations, remove.get("situations")
        )
        return replace(
            self,
            agencies=self.agencies - removed_agencies,
            directions=directions,
            categories=self.categories - frozenset(remove.get("categories") or ()),
            purposes=purposes,
            situations=situations,
            excluded_purposes=excluded_purposes,
            excluded_situations=excluded_situations,
        )

    def involves_pair(self, first: str, second: str) -> bool:
        return self.covers_direction(first, second) or self.covers_direction(second, first)


def _pairs(raw: Iterable[Mapping[str, str]]) -> Iterable[Direction]:
    return ((d["from"], d["to"]) for d in raw)


# A list of purposes or situations is named (a set) or, on a consent stored before they were
# required, None (what a partial revocation excluded from it is kept to show it). Until version 1.1
# None meant "any"; a consent covers only what it names (seeds 001, 004: the consent says why and in
# which situations), so None now covers nothing, and an affirmed extension names the first ones.
OpenSet = frozenset[str] | None


def _open_covers(named: OpenSet, excluded: frozenset[str], item: str) -> bool:
    return named is not None and item in named and item not in excluded


def _open_add(named: OpenSet, excluded: frozenset[str], raw: Any) -> tuple[OpenSet, frozenset[str]]:
    added = frozenset(raw or ())
    if named is None:
        return (added or None), excluded - added
    return named | added, excluded - added


def _open_remove(
    named: OpenSet, excluded: frozenset[str], raw: Any
) -> tuple[OpenSet, frozenset[str]]:
    removed = frozenset(raw or ())
    if named is None:
        return None, excluded | removed
    return named - removed, excluded


def _listed(named: OpenSet, excluded: frozenset[str]) -> list[str] | dict[str, list[str]] | None:
    if named is not None:
        return sorted(named)
    return {"except": sorted(excluded)} if excluded else None
