"""Use cases of administration: agencies, tokens, authentication and the catalogue."""

from __future__ import annotations

import re
import secrets
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from ledger.access import require_role
from ledger.actor import ROLES, SYSTEM, Actor
from ledger.agency import Agency, Token, token_digest
from ledger.application import LedgerCore, Outcome, Request
from ledger.errors import AlreadyExists, Invalid, NotFound, Unauthenticated
from ledger.timeutil import iso

AGENCY_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def agency_json(agency: Agency) -> dict[str, Any]:
    return {
        "id": agency.code,
        "name": agency.name,
        "kind": agency.kind,
        "municipality": agency.municipality,
        "org_number": getattr(agency, "org_number", None),
        "dpo_contact": getattr(agency, "dpo_contact", None),
        "registered_at": iso(agency.created_on),
    }


def token_json(token: Token) -> dict[str, Any]:
    """A token as an admin lists it: never its secret (only its digest is stored anyway)."""
    return {
        "id": str(token.id),
        "agency_id": token.holder.agency_id,
        "actor_id": token.holder.actor_id,
        "roles": sorted(token.holder.roles),
        "expires_at": iso(token.expires_at) if token.expires_at else None,
        "revoked_at": iso(token.revoked_at) if token.revoked_at else None,
    }


def revoked_key(token_id: UUID) -> str:
    return f"token-revoked:{token_id}"


class RegistryUseCases(LedgerCore):
    # A token minted without `expires_at` lives this long (LEDGER_TOKEN_LIFETIME_DAYS); the
    # bootstrap admin token is the operator's own and does not expire.
    token_lifetime = timedelta(days=365)
    documentation = "warn"  # or "require": see ConsentUseCases.check_method

    # -- authentication -------------------------------------------------------------------------
    def authenticate(self, token: str) -> Actor:
        try:
            found: object = self.written_once(Token.create_id(token_digest(token)))
        except AggregateNotFoundError:
            raise Unauthenticated("unknown token") from None
        if not isinstance(found, Token) or not found.valid(self.now()):
            raise Unauthenticated("the token has expired")
        # One indexed read per request, so that a revocation holds on every worker at once.
        if self.database.read_one(self.database.tables.lookup, revoked_key(found.id)) is not None:
            raise Unauthenticated("the token has been revoked")
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
                expires_at=expires_at or self.now() + self.token_lifetime,
                actor=request.actor,
                now=self.now(),
            )
            body = {**token_json(issued), "token": secret}
            del body["revoked_at"]
            return Outcome((issued,), 201, body)

        return self.execute(request, command)

    def list_tokens(self, request: Request) -> list[dict[str, Any]]:
        require_role(request.actor, "admin")
        rows = self.database.read(
            self.database.tables.audit, types=["token.issued"], limit=1_000_000
        )
        return [token_json(self._token(UUID(r.originator_id))) for r in rows]

    def revoke_token(self, request: Request, token_id: str) -> tuple[int, Any]:
        """From the next request on, on every worker, the token is 401. Revoking it again
        changes nothing and answers the same."""
        require_role(request.actor, "admin")
        try:
            uid = UUID(token_id)
        except ValueError:
            raise NotFound("no such token") from None
        if self._token(uid).revoked_at is not None:
            return 200, token_json(self._token(uid))

        def command() -> Outcome:
            token = self._token(uid, for_update=True)
            token.revoke(actor=request.actor, now=self.now())
            lookups = ((revoked_key(token.id), str(token.id)),)
            return Outcome((token,), 200, token_json(token), lookups=lookups)

        return self.execute(request, command)

    def _token(self, token_id: UUID, *, for_update: bool = False) -> Token:
        try:
            found: object = self.repository.get(token_id, deepcopy_from_cache=for_update)
        except AggregateNotFoundError:
            raise NotFound("no such token") from None
        if not isinstance(found, Token):
            raise NotFound("no such token")
        return found

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
        self,
        request: Request,
        *,
        agency_id: str,
        name: str,
        kind: str,
        municipality: str | None,
        org_number: str | None = None,
        dpo_contact: str | None = None,
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
                org_number=org_number,
                dpo_contact=dpo_contact,
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
