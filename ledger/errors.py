"""Domain errors, translated once to HTTP problems by api/errors.py.

LedgerError
├── Invalid            malformed or contradictory input (422); `errors` name the fields
├── NotFound           no such youth, consent, case, guardian, agency or disclosure (404)
├── Conflict           the thing exists already, or a concurrent change won (409)
│   ├── AlreadyExists  a create collided with an existing id; `existing_id` says which
│   └── IdempotencyConflict  an Idempotency-Key reused with another body
├── Unauthenticated    missing, unknown or expired token (401)
└── Forbidden          valid token, not allowed (403)

A refused disclosure is not an error: it is recorded, and its answer is a 403 problem that
carries the decision (SharingUseCases.disclose).
"""

from __future__ import annotations


class LedgerError(Exception):
    title = "Ledger error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Invalid(LedgerError):
    title = "Invalid input"

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))
        self.errors = errors

    @classmethod
    def field(cls, field: str, message: str) -> Invalid:
        return cls([(field, message)])


class NotFound(LedgerError):
    title = "Not found"


class Conflict(LedgerError):
    title = "Conflict"


class AlreadyExists(Conflict):
    title = "Already exists"

    def __init__(self, detail: str, existing_id: str) -> None:
        super().__init__(detail)
        self.existing_id = existing_id


class IdempotencyConflict(Conflict):
    title = "Idempotency-Key reused with another request"


class Unauthenticated(LedgerError):
    title = "Unauthenticated"


class Forbidden(LedgerError):
    title = "Forbidden"
