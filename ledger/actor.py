"""Who acts: a person (actor id) on behalf of one agency, with roles. Every event carries one."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("admin", "coordinator", "staff", "auditor")


@dataclass(frozen=True)
class Actor:
    actor_id: str
    agency_id: str
    roles: frozenset[str]

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


SYSTEM = Actor("ledger-system", "ledger", frozenset({"admin"}))
