"""Who may do what: every permission of the ledger decided here, in one table, and nowhere else.
The README's role table is this table; tests/unit/test_access.py walks it.

An agency *takes part* in a youth when it registered the youth or is among the agencies of one of
the youth's cases (a closed case still counts, for reading its history). Secrecy holds between
agencies (OSL 10 kap.): that another agency of the same kind, or another municipality, uses the
ledger gives it no part in a youth, so it may neither read nor change the youth's record.

Two steps, so that a caller whose role may never do an action is refused before its body is
read: `require_role` (at the API's door and at the start of a use case), then `require` with the
youth once it is loaded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ledger.actor import Actor
from ledger.consent import EXTENDED, GRANTED, Fact
from ledger.errors import Forbidden
from ledger.youth import Case, Disclosure, Youth


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    taking_part: bool  # the actor's agency must take part in the youth (auditors never need to)
    says: str  # the rule in words, for the README and the refusal


def _rule(roles: str, *, taking_part: bool, says: str) -> Rule:
    return Rule(frozenset(roles.split()), taking_part, says)


RULES: dict[str, Rule] = {
    "youth.register": _rule(
        "coordinator", taking_part=False, says="a coordinator registers a youth"
    ),
    "youth.write": _rule(
        "coordinator",
        taking_part=True,
        says=(
            "a coordinator of an agency that takes part in the youth records guardians, cases, "
            "consents, signatures, extensions, revocations, annulments and closings"
        ),
    ),
    "youth.read": _rule(
        "coordinator staff auditor",
        taking_part=True,
        says=(
            "the youth's data (name, guardians, cases, consents) is read by an auditor, or by "
            "a coordinator or staff member of an agency that takes part in the youth"
        ),
    ),
    "youth.find": _rule(
        "coordinator staff auditor",
        taking_part=False,
        says=(
            "anyone with a role may look a youth up by personnummer; an agency that does not "
            "take part learns only the id and birth date (enough for a report of concern)"
        ),
    ),
    "youth.review": _rule(
        "coordinator auditor",
        taking_part=True,
        says=(
            "the register extract and reviews are read by an auditor, or by a coordinator of "
            "an agency that takes part in the youth"
        ),
    ),
    "share": _rule(
        "coordinator staff",
        taking_part=False,
        says="checks and disclosures are made as the caller's own agency (`from_agency`)",
    ),
    "check": _rule(
        "coordinator staff auditor",
        taking_part=False,
        says="an auditor may also check, for any agency, without disclosing",
    ),
    "disclosures.list": _rule(
        "coordinator staff auditor",
        taking_part=False,
        says="disclosures are listed for the caller's own agency, or for any by an auditor",
    ),
    "feed.read": _rule(
        "coordinator staff auditor",
        taking_part=False,
        says=(
            "an agency's change feed shows its coordinators, staff and auditors the events of "
            "consents that name the agency or that it recorded, of cases it is among the agencies "
            "of, and of disclosures it made or received: ids, times, agencies, categories, and "
            "nothing personal"
        ),
    ),
    "forms.register": _rule(
        "coordinator",
        taking_part=False,
        says="a coordinator registers a version of a consent form (its text, no personal data)",
    ),
    "forms.read": _rule(
        "coordinator staff auditor",
        taking_part=False,
        says="anyone with a role reads the consent forms, so that all see what was signed",
    ),
    "retention.read": _rule(
        "coordinator auditor admin",
        taking_part=False,
        says=(
            "the youths due for disposal are listed for an auditor or admin, or for a coordinator "
            "the youths their agency takes part in (ids and dates only)"
        ),
    ),
    "admin": _rule(
        "admin",
        taking_part=False,
        says=(
            "an admin registers agencies and mints tokens; no personal data and no coordinator "
            "work unless the token also holds that role"
        ),
    ),
}


def takes_part(youth: Youth, agency_id: str) -> bool:
    return youth.registered_by == agency_id or any(
        agency_id in case.agencies for case in youth.cases.values()
    )


def may_role(actor: Actor, action: str) -> bool:
    return actor.has(*RULES[action].roles)


def may(actor: Actor, action: str, youth: Youth | None = None) -> bool:
    rule = RULES[action]
    if not actor.has(*rule.roles):
        return False
    if youth is None or not rule.taking_part or actor.has("auditor"):
        return True
    return takes_part(youth, actor.agency_id)


def require_role(actor: Actor, action: str) -> None:
    if not may_role(actor, action):
        roles = " or ".join(sorted(RULES[action].roles))
        raise Forbidden(f"this needs the role {roles}")


def require(actor: Actor, action: str, youth: Youth) -> Youth:
    """The youth, when the actor may do the action on it; Forbidden otherwise."""
    require_role(actor, action)
    if not may(actor, action, youth):
        raise Forbidden(
            f"the agency {actor.agency_id} takes no part in this youth: {RULES[action].says}"
        )
    return youth


# -- what an agency's change feed tells it (the rule "feed.read") ----------------------------
# Each is decided on what the event itself and the facts before it say, never on later ones, so
# an item once shown stays in the feed and no item appears behind a reader's position.
def feed_knows_consent(agency_id: str, facts: Sequence[Fact]) -> bool:
    """The agency recorded the consent, or its scope named the agency in one of these facts (the
    grant, or an extension): a partial revocation that removes the agency is still news to it."""
    for fact in facts:
        if fact.kind == GRANTED and (
            fact.agency_id == agency_id or agency_id in fact.data["scope"]["agencies"]
        ):
            return True
        if fact.kind == EXTENDED and agency_id in (fact.data["add"].get("agencies") or ()):
            return True
    return False


def feed_shows_whole_consent(actor: Actor, youth: Youth) -> bool:
    """A reader who may read the youth's record sees the consent whole, as it could read it there;
    any other sees only what the consent covers from or to its own agency (what a check as its
    own agency would tell it), and not the case."""
    return may(actor, "youth.read", youth)


def feed_knows_case(agency_id: str, case: Case) -> bool:
    return agency_id in case.agencies


def feed_knows_disclosure(agency_id: str, disclosure: Disclosure) -> bool:
    data = disclosure.fact.data
    return agency_id == data["from_agency"] or agency_id in data["to_agencies"]


def may_see_disclosure(actor: Actor, youth: Youth, disclosure: Disclosure) -> bool:
    """The rule of `disclosures.list` for one disclosure: the agencies that made or received it,
    and whoever may review the youth (an auditor, a coordinator taking part)."""
    if not may_role(actor, "disclosures.list"):
        return False
    return may(actor, "youth.review", youth) or feed_knows_disclosure(actor.agency_id, disclosure)
