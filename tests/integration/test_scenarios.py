"""One suite of scenarios on every store (SQLite in memory, SQLite file, PostgreSQL): registration,
joint-custody consents, checks, disclosures, revocations, idempotency, validation that writes
nothing, dense positions, read-your-writes across instances, and no personal data in clear."""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from ledger.application import Request
from ledger.errors import AlreadyExists, Conflict, Forbidden, IdempotencyConflict, Invalid
from ledger.identity import luhn_check_digit
from ledger.service import Ledger
from projections.audit import actor_trail
from tests.conftest import ADMIN, Clock, StoreUnderTest, as_actor

COORD = as_actor("anna", "soc-orebro", "coordinator")
STAFF = as_actor("lars", "skola-x", "staff")
AUDITOR = as_actor("ida", "soc-orebro", "auditor")
AGENCIES = (
    ("soc-orebro", "Socialtjänsten Örebro", "social_services"),
    ("polis-orebro", "Polisen Örebro", "police"),
    ("skola-x", "Skola X", "school"),
    ("fritid-y", "Fritidsgård Y", "leisure"),
)
CATEGORIES = ["school_attendance", "family_situation"]
_serials = itertools.count(101)


@dataclass(frozen=True)
class Number:
    """A valid personnummer in its 12-digit, dashed 12-digit and dashed 10-digit forms."""

    digits: str

    @property
    def dashed(self) -> str:
        return f"{self.digits[:8]}-{self.digits[8:]}"

    @property
    def short(self) -> str:
        return f"{self.digits[2:8]}-{self.digits[8:]}"

    @property
    def ten(self) -> str:
        return self.digits[2:]


def new_number(yyyymmdd: str = "20140611") -> Number:
    serial = f"{next(_serials) % 1000:03d}"
    check = luhn_check_digit(yyyymmdd[2:] + serial)
    return Number(f"{yyyymmdd}{serial}{check}")


@dataclass(frozen=True)
class Family:
    youth_id: str
    number: Number
    mother: str
    father: str


def tree_size(ledger: Ledger) -> int:
    return int(ledger.database.read(ledger.database.tables.tree_size))


def register_agencies(ledger: Ledger) -> None:
    for agency_id, name, kind in AGENCIES:
        status, _ = ledger.register_agency(
            ADMIN, agency_id=agency_id, name=name, kind=kind, municipality="Örebro"
        )
        assert status == 201


def register_family(ledger: Ledger, *, name: str = "Kalle Anka") -> Family:
    number = new_number()
    status, youth = ledger.register_youth(COORD, personal_number=number.dashed, name=name)
    assert status == 201
    guardians = []
    for guardian_name in ("Mamma Anka", "Pappa Anka"):
        status, g = ledger.add_guardian(
            COORD,
            youth["id"],
            name=guardian_name,
            personal_number=None,
            custody="joint",
            effective_at=None,
        )
        assert status == 201
        guardians.append(g["guardian_id"])
    return Family(youth["id"], number, guardians[0], guardians[1])


def consent_command(ledger: Ledger, family: Family, **overrides: Any) -> dict[str, Any]:
    cmd: dict[str, Any] = {
        "youth_id": family.youth_id,
        "givers": [{"party": "guardian", "guardian_id": family.mother}],
        "method": "written",
        "form_reference": "F-2026-001",
        "informed_of_revocation": True,
        "copy_given": True,
        "scope": {
            "agencies": ["soc-orebro", "polis-orebro", "skola-x"],
            "categories": list(CATEGORIES),
            "purposes": ["crime_prevention"],
            "situations": ["network_meeting"],
        },
        "obtained_at": ledger.now(),
    }
    cmd.update(overrides)
    return cmd


def father_signs(ledger: Ledger, family: Family, consent_id: str) -> tuple[int, Any]:
    return ledger.sign_consent(
        COORD,
        consent_id,
        {
            "giver": {"party": "guardian", "guardian_id": family.father},
            "method": "written",
            "form_reference": "F-2026-001",
            "obtained_at": ledger.now(),
        },
    )


def active_consent(ledger: Ledger, family: Family) -> str:
    status, granted = ledger.grant_consent(COORD, consent_command(ledger, family))
    assert (status, granted["status"]) == (201, "pending")
    status, signed = father_signs(ledger, family, granted["id"])
    assert (status, signed["status"]) == (200, "active")
    return str(granted["id"])


def revoke(ledger: Ledger, family: Family, consent_id: str, **extra: Any) -> tuple[int, Any]:
    cmd = {
        "kind": "full",
        "revoked_by": {"party": "guardian", "guardian_id": family.father},
        "communicated": "written",
        "effective_at": ledger.now(),
        **extra,
    }
    return ledger.revoke_consent(COORD, consent_id, cmd)


def ask(ledger: Ledger, family: Family, category: str, to: str = "soc-orebro") -> dict[str, Any]:
    return ledger.check(
        STAFF,
        {
            "from_agency": "skola-x",
            "to_agency": to,
            "youth_id": family.youth_id,
            "category": category,
            "purpose": "crime_prevention",
            "situation": "network_meeting",
        },
    )


def codes(decision: dict[str, Any]) -> set[str]:
    return {r["code"] for r in decision["reasons"]}


def disclosure(family: Family, *categories: str, to: str = "soc-orebro") -> dict[str, Any]:
    return {
        "from_agency": "skola-x",
        "to_agencies": [to],
        "youth_id": family.youth_id,
        "categories": list(categories or ["school_attendance"]),
        "purpose": "crime_prevention",
        "situation": "network_meeting",
    }


def listed(ledger: Ledger, family: Family, *, include_refused: bool) -> list[dict[str, Any]]:
    return ledger.list_disclosures(
        AUDITOR,
        youth_id=family.youth_id,
        agency_id=None,
        since=None,
        until=None,
        include_refused=include_refused,
    )


@pytest.fixture
def world(ledger: Ledger, clock: Clock) -> Family:
    register_agencies(ledger)
    family = register_family(ledger)
    clock.advance(minutes=10)
    return family


# -- consents, checks and disclosures ------------------------------------------------------------
def test_a_consent_signed_by_one_joint_guardian_is_pending_until_the_other_signs(
    ledger: Ledger, world: Family, clock: Clock
) -> None:
    status, granted = ledger.grant_consent(COORD, consent_command(ledger, world))
    assert status == 201
    assert granted["status"] == "pending"
    assert granted["missing"] == [
        {"kind": "giver", "party": "guardian", "guardian_id": world.father}
    ]
    assert codes(ask(ledger, world, "school_attendance")) == {"CONSENT_PENDING"}

    clock.advance(hours=1)
    status, signed = father_signs(ledger, world, granted["id"])
    assert status == 200
    assert signed["status"] == "active"
    assert signed["missing"] == []
    assert [h["type"] for h in signed["history"]] == ["granted", "signed"]
    assert ledger.read_consent(COORD, granted["id"])["status"] == "active"


def test_a_covered_check_is_allowed_and_a_disclosure_is_recorded_and_listed(
    ledger: Ledger, world: Family, clock: Clock
) -> None:
    consent_id = active_consent(ledger, world)
    clock.advance(hours=1)
    decision = ask(ledger, world, "school_attendance")
    assert decision["allowed"] is True
    assert decision["basis"] == "consent"
    assert decision["consent_ids"] == [consent_id]
    assert codes(decision) == {"CONSENT_COVERS"}

    status, recorded = ledger.disclose(STAFF, disclosure(world, "school_attendance"))
    assert status == 201
    assert recorded["status"] == "recorded"
    assert recorded["decision"]["allowed"] is True
    [shown] = listed(ledger, world, include_refused=False)
    assert shown["id"] == recorded["id"]
    assert shown["status"] == "recorded"
    assert shown["categories"] == ["school_attendance"]
    assert shown["basis"]["consent_ids"] == [consent_id]
    assert isinstance(shown["position"], int)
    assert recorded["position"] == shown["position"]  # the answer shows where it was logged


def test_a_partial_revocation_removes_one_category_and_leaves_the_others_allowed(
    ledger: Ledger, world: Family, clock: Clock
) -> None:
    consent_id = active_consent(ledger, world)
    clock.advance(hours=1)
    status, _ = revoke(
        ledger, world, consent_id, kind="partial", remove={"categories": ["family_situation"]}
    )
    assert status == 201
    clock.advance(minutes=1)
    removed = ask(ledger, world, "family_situation")
    assert removed["allowed"] is False
    assert "CATEGORY_NOT_COVERED" in codes(removed)
    assert ask(ledger, world, "school_attendance")["allowed"] is True
    consent = ledger.read_consent(COORD, consent_id)
    assert consent["status"] == "partially_revoked"
    assert consent["scope"]["categories"] == ["school_attendance"]


def test_a_full_revocation_refuses_every_category_with_consent_revoked(
    ledger: Ledger, world: Family, clock: Clock
) -> None:
    consent_id = active_consent(ledger, world)
    clock.advance(hours=1)
    status, _ = revoke(ledger, world, consent_id)
    assert status == 201
    clock.advance(minutes=1)
    for category in CATEGORIES:
        decision = ask(ledger, world, category)
        assert decision["allowed"] is False
        assert "CONSENT_REVOKED" in codes(decision)
    assert ledger.read_consent(COORD, consent_id)["status"] == "revoked"


def test_a_refused_disclosure_is_403_recorded_and_shown_only_with_include_refused(
    ledger: Ledger, world: Family, clock: Clock
) -> None:
    active_consent(ledger, world)
    clock.advance(hours=1)
    before = tree_size(ledger)
    status, problem = ledger.disclose(STAFF, disclosure(world, "police_incidents"))
    assert status == 403
    assert problem["status"] == 403
    assert problem["decision"]["allowed"] is False
    assert "CATEGORY_NOT_COVERED" in codes(problem["decision"])
    assert tree_size(ledger) == before + 1  # the refused attempt is itself recorded

    assert listed(ledger, world, include_refused=False) == []
    [shown] = listed(ledger, world, include_refused=True)
    assert shown["id"] == problem["id"]
    assert shown["status"] == "refused"


def by_agency(ledger: Ledger, request: Request, agency_id: str) -> list[dict[str, Any]]:
    return ledger.list_disclosures(
        request,
        youth_id=None,
        agency_id=agency_id,
        since=None,
        until=None,
        include_refused=False,
    )


def reads_of(ledger: Ledger, actor_id: str) -> list[str | None]:
    """The youths an actor's listing reads were logged about, in order."""
    trail = actor_trail(ledger, AUDITOR, actor_id, limit=1000)["items"]
    return [e.get("youth_id") for e in trail if e["type"] == "access.list_disclosures"]


def test_an_agency_listing_shows_its_disclosures_and_logs_a_read_of_each_youth_shown(
    ledger: Ledger, world: Family, clock: Clock
) -> None:
    police = as_actor("per", "polis-orebro", "staff")
    other = register_family(ledger, name="Musse Pigg")
    third = register_family(ledger, name="Långben")
    for family in (world, other, third):
        active_consent(ledger, family)
    clock.advance(hours=1)
    for family in (world, other):
        assert ledger.disclose(STAFF, disclosure(family))[0] == 201
    police_to_soc = {**disclosure(third), "from_agency": "polis-orebro"}
    assert ledger.disclose(police, police_to_soc)[0] == 201

    school = by_agency(ledger, STAFF, "skola-x")
    assert sorted(d["youth_id"] for d in school) == sorted([world.youth_id, other.youth_id])
    assert sorted(reads_of(ledger, "lars")) == sorted([world.youth_id, other.youth_id])

    # Staff see only disclosures their agency took part in: nothing, and no youth is read.
    size = tree_size(ledger)
    assert by_agency(ledger, STAFF, "polis-orebro") == []
    assert tree_size(ledger) == size + 1  # the empty listing is logged, about no youth
    assert reads_of(ledger, "lars")[-1] is None

    # A coordinator sees every disclosure involving the agency asked about.
    receiving = by_agency(ledger, COORD, "soc-orebro")
    assert len(receiving) == 3
    assert sorted(reads_of(ledger, "anna")) == sorted(
        [world.youth_id, other.youth_id, third.youth_id]
    )


# -- idempotency -------------------------------------------------------------------------------
def keyed(request: Request, key: str, method: str, path: str, body: Any) -> Request:
    return Request(request.actor, key, Request.fingerprint_of(method, path, body))


def test_the_same_idempotency_key_and_body_return_the_first_answer_and_write_nothing(
    ledger: Ledger, world: Family, clock: Clock
) -> None:
    active_consent(ledger, world)
    clock.advance(hours=1)
    body = disclosure(world, "school_attendance")
    request = keyed(STAFF, "k-disclose-1", "POST", "/v1/disclosures", body)
    first = ledger.disclose(request, body)
    assert first[0] == 201
    size = tree_size(ledger)
    clock.advance(minutes=5)
    again = ledger.disclose(request, body)
    assert again == first
    assert tree_size(ledger) == size
    assert len(listed(ledger, world, include_refused=True)) == 1


def test_an_idempotency_key_reused_with_another_body_is_a_conflict_and_writes_nothing(
    ledger: Ledger, world: Family, clock: Clock
) -> None:
    active_consent(ledger, world)
    clock.advance(hours=1)
    body = disclosure(world, "school_attendance")
    ledger.disclose(keyed(STAFF, "k-disclose-2", "POST", "/v1/disclosures", body), body)
    size = tree_size(ledger)
    other = disclosure(world, "family_situation")
    with pytest.raises(IdempotencyConflict):
        ledger.disclose(keyed(STAFF, "k-disclose-2", "POST", "/v1/disclosures", other), other)
    assert tree_size(ledger) == size


def test_a_replayed_youth_registration_returns_the_first_answer_and_writes_nothing(
    ledger: Ledger, world: Family
) -> None:
    number = new_number("20130203")
    body = {"personal_number": number.dashed, "name": "Musse Pigg"}
    request = keyed(COORD, "k-youth-1", "POST", "/v1/youths", body)
    first = ledger.register_youth(request, **body)
    size = tree_size(ledger)
    assert ledger.register_youth(request, **body) == first
    assert tree_size(ledger) == size


def test_a_replayed_signature_returns_exactly_the_first_answer(
    ledger: Ledger, world: Family, clock: Clock
) -> None:
    _, granted = ledger.grant_consent(COORD, consent_command(ledger, world))
    clock.advance(hours=1)
    body = {
        "giver": {"party": "guardian", "guardian_id": world.father},
        "method": "written",
        "form_reference": "F-2026-001",
        "obtained_at": ledger.now(),
    }
    path = f"/v1/consents/{granted['id']}/signatures"
    request = keyed(COORD, "k-sign-1", "POST", path, body)
    first = ledger.sign_consent(request, granted["id"], body)
    size = tree_size(ledger)
    again = ledger.sign_consent(request, granted["id"], body)
    assert tree_size(ledger) == size
    assert again == first


# -- conflicts and validation ------------------------------------------------------------------
def test_a_duplicate_personal_number_is_already_exists_naming_the_existing_youth(
    ledger: Ledger, world: Family
) -> None:
    size = tree_size(ledger)
    for form in (world.number.digits, world.number.short, world.number.ten):
        with pytest.raises(AlreadyExists) as caught:
            ledger.register_youth(COORD, personal_number=form, name="Someone Else")
        assert caught.value.existing_id == world.youth_id
    # Nothing is registered, but the answer told the caller the youth is known: each try is
    # logged as a read of that youth (issue 11).
    assert tree_size(ledger) == size + 3
    trail = actor_trail(ledger, AUDITOR, COORD.actor.actor_id, limit=1000)["items"]
    tries = [e for e in trail if e["type"] == "access.register_existing"]
    assert [e["youth_id"] for e in tries] == [world.youth_id] * 3


BAD_CONSENTS = {
    "unknown category": (
        lambda f, other: {
            "scope": {
                "agencies": ["soc-orebro", "skola-x"],
                "categories": ["school_attendance", "horoscope"],
                "purposes": ["crime_prevention"],
                "situations": ["network_meeting"],
            }
        },
        "scope.categories",
    ),
    "unknown agency": (
        lambda f, other: {
            "scope": {
                "agencies": ["soc-orebro", "nowhere-agency"],
                "categories": ["school_attendance"],
                "purposes": ["crime_prevention"],
                "situations": ["network_meeting"],
            }
        },
        "scope.agencies",
    ),
    "valid_until before valid_from": (
        lambda f, other: {"valid_from": f["now"], "valid_until": f["now"] - timedelta(days=1)},
        "valid_until",
    ),
    "guardian of another youth": (
        lambda f, other: {"givers": [{"party": "guardian", "guardian_id": other.mother}]},
        "givers[0].guardian_id",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CONSENTS), ids=lambda c: c.replace(" ", "-"))
def test_a_malformed_consent_is_invalid_naming_the_field_and_writes_nothing(
    ledger: Ledger, world: Family, case: str
) -> None:
    other = register_family(ledger, name="Kajsa Anka")
    overrides, field = BAD_CONSENTS[case]
    cmd = consent_command(ledger, world, **overrides({"now": ledger.now()}, other))
    size = tree_size(ledger)
    with pytest.raises(Invalid) as caught:
        ledger.grant_consent(COORD, cmd)
    assert field in [f for f, _ in caught.value.errors]
    assert tree_size(ledger) == size
    assert ledger.read_youth(COORD, world.youth_id)["consents"] == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"categories": ["horoscope"]}, "categories[0]"),
        ({"to_agencies": ["nowhere-agency"]}, "to_agencies"),
        ({"purpose": " "}, "purpose"),
    ],
    ids=["unknown-category", "unknown-recipient", "no-purpose"],
)
def test_a_malformed_disclosure_is_invalid_naming_the_field_and_writes_nothing(
    ledger: Ledger, world: Family, change: dict[str, Any], field: str
) -> None:
    active_consent(ledger, world)
    size = tree_size(ledger)
    with pytest.raises(Invalid) as caught:
        ledger.disclose(STAFF, {**disclosure(world), **change})
    assert field in [f for f, _ in caught.value.errors]
    assert tree_size(ledger) == size


# -- positions ---------------------------------------------------------------------------------
def test_the_positions_in_a_consent_history_are_dense_and_increasing(
    ledger: Ledger, world: Family, clock: Clock
) -> None:
    _, granted = ledger.grant_consent(COORD, consent_command(ledger, world))
    clock.advance(minutes=10)
    father_signs(ledger, world, granted["id"])
    clock.advance(minutes=10)
    removal = {"categories": ["family_situation"]}
    revoke(ledger, world, granted["id"], kind="partial", remove=removal)
    clock.advance(minutes=10)
    revoke(ledger, world, granted["id"])
    history = ledger.read_consent(COORD, granted["id"])["history"]
    assert [h["type"] for h in history] == ["granted", "signed", "partially_revoked", "revoked"]
    positions = [h["position"] for h in history]
    # four commands in a row with nothing in between: consecutive leaves of the one tree
    assert positions == list(range(positions[0], positions[0] + 4))
    size = tree_size(ledger)
    rows = ledger.database.read(ledger.database.tables.log_rows, 0, size + 10)
    assert [r.position for r in rows] == list(range(size))
    by_position = {r.position: r for r in rows}
    youth_hex = UUID(world.youth_id).hex
    assert all(by_position[p].originator_id == youth_hex for p in positions)
    assert ledger.positions(UUID(world.youth_id)) == {
        r.originator_version: r.position for r in rows if r.originator_id == youth_hex
    }


# -- several instances on one store --------------------------------------------------------------
def test_a_second_ledger_on_the_same_store_sees_the_first_ones_writes_at_once(
    store: StoreUnderTest, ledger: Ledger, world: Family, clock: Clock
) -> None:
    if store.name == "memory":
        pytest.skip("one in-memory database is one instance: nothing to compare")
    other = store.open()
    assert other is not ledger
    assert other.read_youth(COORD, world.youth_id)["name"] == "Kalle Anka"

    status, granted = ledger.grant_consent(COORD, consent_command(ledger, world))
    assert other.read_consent(COORD, granted["id"])["status"] == "pending"  # now cached there
    father_signs(ledger, world, granted["id"])
    assert other.read_consent(COORD, granted["id"])["status"] == "active"
    assert ask(other, world, "school_attendance")["allowed"] is True

    body = disclosure(world, "school_attendance")
    request = keyed(STAFF, "k-across", "POST", "/v1/disclosures", body)
    first = other.disclose(request, body)
    assert first[0] == 201
    assert [d["id"] for d in listed(ledger, world, include_refused=False)] == [first[1]["id"]]
    size = tree_size(ledger)
    assert ledger.disclose(request, body) == first  # the key is honoured by every instance
    assert tree_size(other) == size

    revoke(other, world, granted["id"])
    status, refused = ledger.disclose(STAFF, body)
    assert status == 403
    assert "CONSENT_REVOKED" in codes(refused["decision"])


# -- personal data at rest ---------------------------------------------------------------------
def stored_values(store: StoreUnderTest, ledger: Ledger) -> list[bytes]:
    """Every value of every row of every table of the store, as bytes (bytea/blob as is)."""
    values: list[Any] = []
    if store.name == "postgres":
        import psycopg
        from psycopg import sql

        from tests.conftest import PG_URL

        schema = store.url.split("schema=")[1]
        with psycopg.connect(PG_URL) as conn:
            tables = [
                r[0]
                for r in conn.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                    (schema,),
                )
            ]
            assert "ledger_events" in tables
            for table in tables:
                name = sql.Identifier(schema, table)
                as_text = sql.SQL("SELECT t::text FROM {} t").format(name)
                values += [r[0] for r in conn.execute(as_text)]
                for row in conn.execute(sql.SQL("SELECT * FROM {}").format(name)):
                    values += list(row)
    else:

        def dump(cur: Any) -> list[Any]:
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            tables = [r[0] for r in cur.fetchall()]
            assert "stored_events" in tables
            out: list[Any] = []
            for table in tables:
                cur.execute(f'SELECT * FROM "{table}"')
                out += [v for row in cur.fetchall() for v in tuple(row)]
            return out

        values = ledger.database.read(dump)
    return [v if isinstance(v, bytes | bytearray | memoryview) else str(v).encode() for v in values]


def in_clear(secret: str, blob: bytes | bytearray | memoryview) -> bool:
    """Whether the secret is in the bytes as UTF-8 or as JSON with non-ASCII escaped."""
    escaped = json.dumps(secret)[1:-1].encode()
    return secret.encode() in bytes(blob) or escaped in bytes(blob)


def test_personal_data_never_appears_in_clear_in_the_store(
    store: StoreUnderTest, ledger: Ledger
) -> None:
    register_agencies(ledger)
    number = new_number("20120229")
    name = "Zlatanina Vätterström"
    status, youth = ledger.register_youth(COORD, personal_number=number.ten, name=name)
    assert status == 201
    _, g = ledger.add_guardian(
        COORD,
        youth["id"],
        name="Gudrun Hjälmarsson",
        personal_number=None,
        custody="sole",
        effective_at=None,
    )
    family = Family(youth["id"], number, g["guardian_id"], g["guardian_id"])
    ledger.grant_consent(
        COORD, consent_command(ledger, family, method="oral", notes="Talat med Gudrun i köket")
    )
    ledger.find_youths(COORD, number.short)

    secrets = [
        number.digits,
        number.ten,
        number.dashed,
        number.short,
        name,
        "Gudrun Hjälmarsson",
        "Talat med Gudrun",
        hashlib.sha256(number.digits.encode()).hexdigest(),
    ]
    blobs = stored_values(store, ledger)
    if store.name == "sqlite":  # the raw file and its write-ahead log, byte for byte
        db = Path(store.url.removeprefix("sqlite:///"))
        files = [p.read_bytes() for p in db.parent.glob(db.name + "*")]
        assert any("Socialtjänsten Örebro".encode() in f for f in files)  # the scan sees text
        blobs += files
    assert any("Socialtjänsten Örebro".encode() in bytes(b) for b in blobs)
    for secret in secrets:
        found = [bytes(b)[:80] for b in blobs if in_clear(secret, b)]
        assert not found, f"{secret!r} is stored in clear"
    # and it is still all there for those allowed to read it
    [shown] = ledger.find_youths(COORD, number.digits)
    assert (shown["name"], shown["personal_number"]) == (name, number.dashed)


def test_personal_data_sent_with_an_idempotency_key_never_appears_in_clear_in_the_store(
    store: StoreUnderTest, ledger: Ledger, world: Family
) -> None:
    body = {"name": "Gunvor Klarälvsson", "personal_number": None, "custody": "joint"}
    request = keyed(COORD, "k-guardian-1", "POST", f"/v1/youths/{world.youth_id}/guardians", body)
    status, _ = ledger.add_guardian(request, world.youth_id, effective_at=None, **body)
    assert status == 201
    blobs = stored_values(store, ledger)
    assert any("Socialtjänsten Örebro".encode() in bytes(b) for b in blobs)
    assert [bytes(b)[:80] for b in blobs if in_clear("Gunvor Klarälvsson", b)] == []


# -- finding youths ----------------------------------------------------------------------------
def test_a_youth_is_found_by_personal_number_in_any_form(ledger: Ledger, world: Family) -> None:
    register_family(ledger, name="Knatte Anka")
    for form in (world.number.digits, world.number.dashed, world.number.short, world.number.ten):
        [found] = ledger.find_youths(COORD, form)
        assert found["id"] == world.youth_id
        assert found["personal_number"] == world.number.dashed
        assert [g["guardian_id"] for g in found["guardians"]] == [world.mother, world.father]
    assert ledger.find_youths(COORD, new_number("20150101").digits) == []
    with pytest.raises(Invalid) as caught:
        ledger.find_youths(COORD, "20140611-0000")
    assert caught.value.errors[0][0] == "personal_number"


# -- correcting a personal number --------------------------------------------------------------
def coordination_number(yyyymmdd: str) -> Number:
    """A samordningsnummer: the birth day plus 60."""
    day = int(yyyymmdd[6:]) + 60
    return new_number(f"{yyyymmdd[:6]}{day:02d}")


def test_a_coordination_number_replaced_by_a_personal_number_keeps_the_same_youth(
    ledger: Ledger, clock: Clock
) -> None:
    register_agencies(ledger)
    old = coordination_number("20140611")
    status, youth = ledger.register_youth(COORD, personal_number=old.dashed, name="Amal")
    assert (status, youth["is_coordination_number"]) == (201, True)
    new = new_number("20140611")
    clock.advance(days=30)

    status, corrected = ledger.correct_personal_number(
        COORD, youth["id"], personal_number=new.short, reason="personnummer tilldelat"
    )

    assert status == 200
    assert corrected == {
        "id": youth["id"],
        "personal_number": new.dashed,
        "birth_date": "2014-06-11",
        "is_coordination_number": False,
    }
    [found] = ledger.find_youths(COORD, new.digits)
    assert (found["id"], found["personal_number"]) == (youth["id"], new.dashed)
    assert ledger.find_youths(COORD, old.digits) == []
    with pytest.raises(AlreadyExists) as caught:
        ledger.register_youth(COORD, personal_number=new.dashed, name="Someone Else")
    assert caught.value.existing_id == youth["id"]
    trail = actor_trail(ledger, AUDITOR, "anna", limit=1000)["items"]
    assert "youth.personal_number_corrected" in [e["type"] for e in trail]

    ledger.rebuild_indexes()
    assert [y["id"] for y in ledger.find_youths(COORD, new.digits)] == [youth["id"]]
    assert ledger.find_youths(COORD, old.digits) == []


def test_a_bad_correction_is_refused_naming_the_field_and_writes_nothing(
    ledger: Ledger, world: Family
) -> None:
    other = register_family(ledger, name="Musse Pigg")
    size = tree_size(ledger)
    bad = {
        "personal_number": [
            new_number("20140612").dashed,  # another birth date
            world.number.dashed,  # the youth's own number already
            "20140611-0000",  # a wrong check digit
        ],
        "reason": ["  "],
    }
    for field, values in bad.items():
        for value in values:
            command = {"personal_number": new_number().dashed, "reason": "rättelse", field: value}
            with pytest.raises(Invalid) as caught:
                ledger.correct_personal_number(COORD, world.youth_id, **command)
            assert caught.value.errors[0][0] == field, value
    with pytest.raises(AlreadyExists) as taken:
        ledger.correct_personal_number(
            COORD, world.youth_id, personal_number=other.number.dashed, reason="rättelse"
        )
    assert taken.value.existing_id == other.youth_id
    with pytest.raises(Forbidden):
        ledger.correct_personal_number(
            STAFF, world.youth_id, personal_number=new_number().dashed, reason="rättelse"
        )
    assert tree_size(ledger) == size


def test_an_erased_youth_is_found_by_neither_its_old_nor_its_corrected_number(
    ledger: Ledger, world: Family
) -> None:
    new = new_number()
    ledger.correct_personal_number(
        COORD, world.youth_id, personal_number=new.dashed, reason="rättelse"
    )
    ledger.erase(ADMIN, world.youth_id, reason="gallring")
    assert ledger.find_youths(COORD, new.digits) == []
    assert ledger.find_youths(COORD, world.number.digits) == []
    with pytest.raises(Conflict):
        ledger.correct_personal_number(
            COORD, world.youth_id, personal_number=new_number().dashed, reason="rättelse"
        )
