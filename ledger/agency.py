"""Agencies (aktörer) and the bearer tokens their people act with. A token is stored only as
its SHA-256; the aggregate id is derived from it, so authentication is one keyed lookup."""

from __future__ import annotations

import hashlib
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.actor import Actor


class Agency(Aggregate):
    class Registered(Aggregate.Created):
        code: str  # the caller-chosen agency id (`soc-orebro`)
        name: str
        kind: str
        municipality: str | None
        actor_id: str
        agency_id: str  # the registering actor's agency, as on every event
        # The controller's details a register extract names (GDPR art. 13-15; issue 14). Optional,
        # last and defaulted, so that agencies registered before them read as before.
        org_number: str | None = None
        dpo_contact: str | None = None

    @staticmethod
    def create_id(code: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/agencies/{code}")

    def __init__(
        self,
        code: str,
        name: str,
        kind: str,
        municipality: str | None,
        actor_id: str,
        agency_id: str,
        org_number: str | None = None,
        dpo_contact: str | None = None,
    ) -> None:
        self.code = code
        self.name = name
        self.kind = kind
        self.municipality = municipality
        self.org_number = org_number
        self.dpo_contact = dpo_contact

    @classmethod
    def register(
        cls,
        *,
        agency_id: str,
        name: str,
        kind: str,
        municipality: str | None,
        actor: Actor,
        now: datetime,
        org_number: str | None = None,
        dpo_contact: str | None = None,
    ) -> Agency:
        return cls._create(
            cls.Registered,
            code=agency_id,
            name=name,
            kind=kind,
            municipality=municipality,
            org_number=org_number,
            dpo_contact=dpo_contact,
            actor_id=actor.actor_id,
            agency_id=actor.agency_id,
            timestamp=now,
        )


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Token(Aggregate):
    class Issued(Aggregate.Created):
        digest: str
        holder_agency_id: str
        holder_actor_id: str
        roles: list[str]
        expires_at: datetime | None
        actor_id: str
        agency_id: str

    @staticmethod
    def create_id(digest: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/tokens/{digest}")

    def __init__(
        self,
        digest: str,
        holder_agency_id: str,
        holder_actor_id: str,
        roles: list[str],
        expires_at: datetime | None,
        actor_id: str,
        agency_id: str,
    ) -> None:
        self.holder = Actor(holder_actor_id, holder_agency_id, frozenset(roles))
        self.expires_at = expires_at
        self.revoked_at: datetime | None = None

    class Revoked(Aggregate.Event):
        holder_agency_id: str
        actor_id: str
        agency_id: str

        def apply(self, token: Token) -> None:
            token.revoked_at = self.timestamp

    def revoke(self, *, actor: Actor, now: datetime) -> None:
        self.trigger_event(
            self.Revoked,
            holder_agency_id=self.holder.agency_id,
            actor_id=actor.actor_id,
            agency_id=actor.agency_id,
            timestamp=now,
        )

    @classmethod
    def issue(
        cls, *, token: str, holder: Actor, expires_at: datetime | None, actor: Actor, now: datetime
    ) -> Token:
        return cls._create(
            cls.Issued,
            digest=token_digest(token),
            holder_agency_id=holder.agency_id,
            holder_actor_id=holder.actor_id,
            roles=sorted(holder.roles),
            expires_at=expires_at,
            actor_id=actor.actor_id,
            agency_id=actor.agency_id,
            timestamp=now,
        )

    def valid(self, now: datetime) -> bool:
        """Not expired. A revocation is checked apart (RegistryUseCases.authenticate): the token
        itself is read once and kept, its revocation looked up on every request."""
        return self.expires_at is None or now < self.expires_at


class Access(Aggregate):
    """One read of personal data (or one decision check): who looked at what, when. A stream of
    one event each, so that logging a read never conflicts with anything."""

    class Logged(Aggregate.Created):
        actor_id: str
        agency_id: str
        action: str
        youth_id: str | None
        details: dict[str, object]

    def __init__(
        self,
        actor_id: str,
        agency_id: str,
        action: str,
        youth_id: str | None,
        details: dict[str, object],
    ) -> None:
        self.action = action

    @classmethod
    def log(
        cls,
        *,
        actor: Actor,
        action: str,
        youth_id: str | None,
        details: dict[str, object],
        now: datetime,
    ) -> Access:
        return cls._create(
            cls.Logged,
            actor_id=actor.actor_id,
            agency_id=actor.agency_id,
            action=action,
            youth_id=youth_id,
            details=details,
            timestamp=now,
        )
