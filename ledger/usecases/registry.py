"""Use cases of administration: agencies, tokens, authentication and the catalogue."""

from __future__ import annotations

import re
import secrets
from contextlib import suppress
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from ledger.access import require_role
from ledger.actor import ROLES, SYSTEM, Actor
from ledger.agency import Agency, Token, token_digest
from ledger.application import LedgerCore, Outcome, Request
from ledger.errors import AlreadyExists, Invalid, Unauthenticated
from ledger.timeutil import iso

AGENCY_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def agency_json(agency: Agency) -> dict[str, Any]:
    return {
        "id": agency.code,
        "name": agency.name,
        "kind": agency.kind,
        "municipality": agency.municipality,
        "registered_at": iso(agency.created_on),
    }


class RegistryUseCases(LedgerCore):
    # -- authentication -------------------------------------------------------------------------
    def authenticate(self, token: str) -> Actor:
        try:
            found: object = self.written_once(Token.create_id(token_digest(token)))
        except AggregateNotFoundError:
            raise Unauthenticated("unknown token") from None
        if not isinstance(found, Token) or not found.valid(self.now()):
            raise Unauthenticated("the token has expired")
        return found.holder

    def issue_token(
        self,
        request: Request,
        *,
        agency_id: str,
        actor_id: str,
        roles: list[str],
        expires_at: datetime | None,
        token: str | None = None,
    ) -> tuple[int, Any]:
        require_role(request.actor, "admin")

        def command() -> Outcome:
            errors = []
            if not roles or any(r not in ROLES for r in roles):
                errors.append(("roles", f"give one or more of {', '.join(ROLES)}"))
            if not actor_id.strip():
                errors.append(("actor_id", "must not be empty"))
            if expires_at is not None and expires_at <= self.now():
                errors.append(("expires_at", "must be in the future"))
            if errors:
                raise Invalid(errors)
            self.agency(agency_id, field="agency_id")
            secret = token or secrets.token_urlsafe(32)
            holder = Actor(actor_id, agency_id, frozenset(roles))
            issued = Token.issue(
                token=secret,
                holder=holder,
                expires_at=expires_at,
                actor=request.actor,
                now=self.now(),
            )
            body = {
                "token": secret,
                "agency_id": agency_id,
                "actor_id": actor_id,
                "roles": sorted(roles),
                "expires_at": iso(expires_at) if expires_at else None,
            }
            return Outcome((issued,), 201, body)

        return self.execute(request, command)

    def bootstrap_token(
        self,
        token: str,
        *,
        agency_id: str,
        actor_id: str,
        roles: list[str],
        expires_at: datetime | None = None,
    ) -> None:
        """The first admin token (LEDGER_ADMIN_TOKEN or `ledger token`): issued by the system."""
        if Token.create_id(token_digest(token)) in self.repository:
            return
        holder = Actor(actor_id, agency_id, frozenset(roles))
        issued = Token.issue(
            token=token, holder=holder, expires_at=expires_at, actor=SYSTEM, now=self.now()
        )
        with suppress(IntegrityError):  # another worker bootstrapped the same token first
            self.save(issued)

    # -- agencies ----------------------------------------------------------------------------------
    def agency(self, agency_id: str, *, field: str = "agency_id") -> Agency:
        if not AGENCY_ID.match(agency_id):
            raise Invalid.field(field, "is not a valid agency id")
        try:
            found: object = self.written_once(Agency.create_id(agency_id))
        except AggregateNotFoundError:
            raise Invalid.field(field, f"unknown agency {agency_id}") from None
        assert isinstance(found, Agency)
        return found

    def agency_kinds(self, agency_ids: list[str], field: str) -> dict[str, str]:
        return {a: self.agency(a, field=field).kind for a in agency_ids}

    def register_agency(
        self, request: Request, *, agency_id: str, name: str, kind: str, municipality: str | None
    ) -> tuple[int, Any]:
        require_role(request.actor, "admin")

        def command() -> Outcome:
            errors = []
            if not AGENCY_ID.match(agency_id):
                errors.append(("id", "must match ^[a-z0-9][a-z0-9-]{1,62}$"))
            if kind not in self.catalogue.agency_kinds:
                errors.append(("kind", f"must be one of {', '.join(self.catalogue.agency_kinds)}"))
            if not name.strip():
                errors.append(("name", "must not be empty"))
            if errors:
                raise Invalid(errors)
            if Agency.create_id(agency_id) in self.repository:
                raise AlreadyExists(f"agency {agency_id} exists", agency_id)
            agency = Agency.register(
                agency_id=agency_id,
                name=name.strip(),
                kind=kind,
                municipality=municipality,
                actor=request.actor,
                now=self.now(),
            )
            return Outcome((agency,), 201, agency_json(agency))

        return self.execute(request, command)

    def list_agencies(self) -> list[dict[str, Any]]:
        """Every agency, in the order they were registered (a municipality has tens of them)."""
        rows = self.database.read(
            self.database.tables.audit, types=["agency.registered"], limit=1_000_000
        )
        agencies = [self.written_once(UUID(r.originator_id)) for r in rows]
        return [agency_json(a) for a in agencies if isinstance(a, Agency)]
