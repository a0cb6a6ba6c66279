"""Crypto-shredding a youth (`Ledger.erase`) on every store: the personal data becomes unreadable
everywhere (this ledger, a fresh one on the same store, the raw tables, the rebuilt indexes) while
decisions, disclosures, reviews and the Merkle log stay exactly as they were."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.errors import Conflict
from ledger.identity import luhn_check_digit
from ledger.integrity import IntegrityService
from ledger.merkle import consistency_proof, root_at, verify_consistency
from ledger.service import Ledger
from projections.audit import actor_trail
from projections.extract import register_extract
from projections.review import run_review
from tests.conftest import ADMIN, Clock, StoreUnderTest, as_actor

COORD = as_actor("anna", "soc-orebro", "coordinator")
SCHOOL = as_actor("lars", "skola-x", "staff")
SOCIAL = as_actor("sara", "soc-orebro", "staff")
AUDITOR = as_actor("ida", "soc-orebro", "auditor")
AGENCIES = (
    ("soc-orebro", "Socialtjänsten Örebro", "social_services"),
    ("polis-orebro", "Polisen Örebro", "police"),
    ("skola-x", "Skola X", "school"),
)

YOUTH_NAME = "Zlatanina Vätterström"
MOTHER_NAME = "Gudrun Hjälmarsson"
FATHER_NAME = "Bertil Klarälvsson"
CONSENT_NOTES = "Samtal i köket med Gudrun och Bertil, tolk närvarande"
STATUTORY_NOTE = "Misstanke om brott, Bertil informerad i telefon"


def number(yyyymmdd: str, serial: str) -> str:
    return f"{yyyymmdd}{serial}{luhn_check_digit(yyyymmdd[2:] + serial)}"


YOUTH_PNR = number("20120229", "384")
EARLIER_PNR = number("20120229", "392")  # registered first, then corrected to YOUTH_PNR
CORRECTION_REASON = "Skatteverket rättade numret, beslut om Zlatanina"
FATHER_PNR = number("19790412", "557")


def forms(digits: str) -> list[str]:
    """A personnummer as it could be stored: 12 digits, dashed, 10 digits, dashed 10 digits."""
    return [digits, f"{digits[:8]}-{digits[8:]}", digits[2:], f"{digits[2:8]}-{digits[8:]}"]


@dataclass
class Erased:
    """What was recorded about the youth, what the ledger said before the erasure."""

    youth_id: str
    mother: str
    father: str
    consent_id: str
    disclosure_ids: list[str]
    decisions: list[dict[str, Any]]
    checkpoint: dict[str, Any]
    integrity: IntegrityService


QUESTIONS: list[tuple[Any, dict[str, Any]]] = [
    (
        SCHOOL,
        {
            "from_agency": "skola-x",
            "to_agency": "soc-orebro",
            "category": "family_situation",
            "concerns_others": False,
            "purpose": "crime_prevention",
            "situation": "network_meeting",
        },
    ),
    (
        SCHOOL,
        {
            "from_agency": "skola-x",
            "to_agency": "soc-orebro",
            "category": "police_incidents",
            "purpose": "crime_prevention",
            "situation": "network_meeting",
        },
    ),
    (
        SOCIAL,
        {
            "from_agency": "soc-orebro",
            "to_agency": "polis-orebro",
            "category": "police_incidents",
            "purpose": "crime_prevention",
            "provision": "osl-10-18a",
            "note": "villkoren prövade",
        },
    ),
]


def decisions(ledger: Ledger, youth_id: str) -> list[dict[str, Any]]:
    return [ledger.check(who, {**q, "youth_id": youth_id}) for who, q in QUESTIONS]


def record_and_erase(ledger: Ledger, clock: Clock) -> Erased:
    for agency_id, name, kind in AGENCIES:
        ledger.register_agency(ADMIN, agency_id=agency_id, name=name, kind=kind, municipality=None)
    status, youth = ledger.register_youth(COORD, personal_number=EARLIER_PNR, name=YOUTH_NAME)
    assert status == 201
    youth_id = youth["id"]
    status, _ = ledger.correct_personal_number(
        COORD, youth_id, personal_number=YOUTH_PNR, reason=CORRECTION_REASON
    )
    assert status == 200
    guardians = []
    for name, pnr in ((MOTHER_NAME, None), (FATHER_NAME, FATHER_PNR)):
        status, g = ledger.add_guardian(
            COORD, youth_id, name=name, personal_number=pnr, custody="joint", effective_at=None
        )
        assert status == 201
        guardians.append(g["guardian_id"])
    mother, father = guardians
    status, granted = ledger.grant_consent(
        COORD,
        {
            "youth_id": youth_id,
            "givers": [
                {"party": "guardian", "guardian_id": mother},
                {"party": "guardian", "guardian_id": father},
            ],
            "method": "oral",
            "notes": CONSENT_NOTES,
            "informed_of_revocation": True,
            "copy_given": True,
            "scope": {
                "agencies": ["soc-orebro", "skola-x"],
                "categories": ["school_attendance", "family_situation"],
                "purposes": ["crime_prevention"],
                "situations": ["network_meeting"],
            },
            "obtained_at": ledger.now(),
        },
    )
    assert (status, granted["status"]) == (201, "active"), granted
    consent_id = granted["id"]
    clock.advance(hours=1)
    status, by_consent = ledger.disclose(
        SCHOOL,
        {
            "from_agency": "skola-x",
            "to_agencies": ["soc-orebro"],
            "youth_id": youth_id,
            "categories": ["family_situation"],
            "purpose": "crime_prevention",
            "situation": "network_meeting",
            "concerns_others": False,  # only the youth's own family situation
        },
    )
    assert status == 201, by_consent
    status, by_law = ledger.disclose(
        SOCIAL,
        {
            "from_agency": "soc-orebro",
            "to_agencies": ["polis-orebro"],
            "youth_id": youth_id,
            "categories": ["police_incidents"],
            "purpose": "crime_prevention",
            "situation": "network_meeting",
            "basis": {"kind": "statutory", "provision": "osl-10-18a", "note": STATUTORY_NOTE},
        },
    )
    assert status == 201, by_law
    assert ledger.read_consent(COORD, consent_id)["notes"] == CONSENT_NOTES
    clock.advance(minutes=5)
    before = decisions(ledger, youth_id)
    assert [d["allowed"] for d in before] == [True, False, True]

    integrity = IntegrityService(
        ledger.database,
        origin="ledger.test.example/erasure",
        key_name="erasure-test",
        private_key=Ed25519PrivateKey.generate(),
        clock=clock,
    )
    checkpoint = integrity.checkpoint()
    answer = ledger.erase(ADMIN, youth_id, reason="gallring")
    assert answer["id"] == youth_id
    assert answer["erased"] is True
    return Erased(
        youth_id,
        mother,
        father,
        consent_id,
        [by_consent["id"], by_law["id"]],
        before,
        checkpoint,
        integrity,
    )


@pytest.fixture
def erased(ledger: Ledger, clock: Clock) -> Erased:
    return record_and_erase(ledger, clock)


def assert_reads_as_erased(ledger: Ledger, e: Erased) -> None:
    youth = ledger.read_youth(COORD, e.youth_id)
    assert youth["erased"] is True
    assert youth["personal_number"] is None
    assert youth["name"] is None
    assert youth["birth_date"] == "2012-02-29"  # not personal data on its own: ages still reckon
    assert [g["guardian_id"] for g in youth["guardians"]] == [e.mother, e.father]
    assert [g["name"] for g in youth["guardians"]] == [None, None]
    consent = ledger.read_consent(COORD, e.consent_id)
    assert consent["notes"] is None
    assert consent["status"] == "active"
    shown = {d["id"]: d for d in listed(ledger, e.youth_id)}
    assert sorted(shown) == sorted(e.disclosure_ids)
    assert shown[e.disclosure_ids[1]]["basis"]["note"] is None
    assert shown[e.disclosure_ids[1]]["basis"]["provision"] == "osl-10-18a"


def listed(ledger: Ledger, youth_id: str) -> list[dict[str, Any]]:
    return ledger.list_disclosures(
        AUDITOR, youth_id=youth_id, agency_id=None, since=None, until=None, include_refused=True
    )


# -- reading after the erasure -------------------------------------------------------------------
def test_an_erased_youth_reads_with_no_name_personal_number_guardian_names_or_notes(
    ledger: Ledger, erased: Erased
) -> None:
    assert_reads_as_erased(ledger, erased)


def test_erasing_an_erased_youth_again_answers_the_same_and_writes_nothing(
    ledger: Ledger, erased: Erased
) -> None:
    size = ledger.database.read(ledger.database.tables.tree_size)
    again = ledger.erase(ADMIN, erased.youth_id, reason="gallring")
    assert again["erased"] is True
    assert ledger.database.read(ledger.database.tables.tree_size) == size


def test_decisions_after_the_erasure_are_the_same_as_before(ledger: Ledger, erased: Erased) -> None:
    assert decisions(ledger, erased.youth_id) == erased.decisions


def test_disclosures_reviews_extracts_and_audit_trails_still_work_without_the_personal_data(
    ledger: Ledger, erased: Erased
) -> None:
    assert len(listed(ledger, erased.youth_id)) == 2
    report = run_review(ledger, AUDITOR, youth_id=erased.youth_id)
    assert sorted(d["id"] for d in report["disclosures"]) == sorted(erased.disclosure_ids)
    assert not [f for f in report["findings"] if f["severity"] == "violation"]
    assert YOUTH_NAME not in json.dumps(report, ensure_ascii=False)
    extract = register_extract(ledger, AUDITOR, erased.youth_id)
    text = json.dumps(extract, ensure_ascii=False)
    for secret in (YOUTH_NAME, MOTHER_NAME, FATHER_NAME, CONSENT_NOTES, STATUTORY_NOTE):
        assert secret not in text
    trail = actor_trail(ledger, AUDITOR, "root", limit=1000)
    assert "youth.erased" in [entry["type"] for entry in trail["items"]]


def rebuild_on(store: StoreUnderTest, ledger: Ledger) -> None:
    assert ledger.rebuild_indexes() > 0


def test_the_erased_youth_is_no_longer_found_by_personal_number_even_after_a_rebuild(
    store: StoreUnderTest, ledger: Ledger, erased: Erased, request: pytest.FixtureRequest
) -> None:
    for form in forms(YOUTH_PNR) + forms(EARLIER_PNR):
        assert ledger.find_youths(COORD, form) == []
    count = ledger.rebuild_indexes()
    assert count == ledger.database.read(ledger.database.tables.tree_size)
    for form in forms(YOUTH_PNR) + forms(EARLIER_PNR):
        assert ledger.find_youths(COORD, form) == []
    # the other lookups are rebuilt: the consent and its youth are still found
    assert ledger.read_consent(COORD, erased.consent_id)["youth_id"] == erased.youth_id
    assert_reads_as_erased(ledger, erased)


# -- the Merkle log -----------------------------------------------------------------------------
def test_the_log_still_verifies_and_the_checkpoint_before_the_erasure_still_holds(
    store: StoreUnderTest, ledger: Ledger, erased: Erased
) -> None:
    report = erased.integrity.verify()
    assert report.ok, report.problem
    assert report.checkpoints_checked == 1
    before = erased.checkpoint
    first = before["tree_size"]
    assert root_at(first, ledger.database).hex() == before["root_hash"]
    after = erased.integrity.checkpoint()
    assert after["tree_size"] > first
    proof = consistency_proof(first, after["tree_size"], ledger.database)
    verify_consistency(
        first,
        after["tree_size"],
        bytes.fromhex(before["root_hash"]),
        bytes.fromhex(after["root_hash"]),
        proof,
    )
    rebuild_on(store, ledger)
    report = erased.integrity.verify()
    assert report.ok, report.problem
    assert report.checkpoints_checked == 2


# -- another instance and the raw store -----------------------------------------------------------
def test_a_fresh_ledger_on_the_same_store_also_reads_the_youth_as_erased(
    store: StoreUnderTest, ledger: Ledger, erased: Erased
) -> None:
    if store.name == "memory":
        pytest.skip("one in-memory database is one instance: no fresh one to open")
    fresh = store.open()
    assert fresh is not ledger
    assert_reads_as_erased(fresh, erased)
    assert decisions(fresh, erased.youth_id) == erased.decisions
    for form in forms(YOUTH_PNR):
        assert fresh.find_youths(COORD, form) == []


def stored_values(store: StoreUnderTest, ledger: Ledger) -> list[bytes]:
    """Every value of every row of every table, as bytes; on SQLite files also the raw files."""
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
            for table in tables:
                name = sql.Identifier(schema, table)
                values += [
                    r[0] for r in conn.execute(sql.SQL("SELECT t::text FROM {} t").format(name))
                ]
                for row in conn.execute(sql.SQL("SELECT * FROM {}").format(name)):
                    values += list(row)
    else:

        def dump(cur: Any) -> list[Any]:
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            out: list[Any] = []
            for (table,) in [tuple(r) for r in cur.fetchall()]:
                cur.execute(f'SELECT * FROM "{table}"')
                out += [v for row in cur.fetchall() for v in tuple(row)]
            return out

        values = ledger.database.read(dump)
        if store.name == "sqlite":
            db = Path(store.url.removeprefix("sqlite:///"))
            values += [p.read_bytes() for p in db.parent.glob(db.name + "*")]
    return [
        bytes(v) if isinstance(v, bytes | bytearray | memoryview) else str(v).encode()
        for v in values
    ]


def in_clear(secret: str, blob: bytes) -> bool:
    return secret.encode() in blob or json.dumps(secret)[1:-1].encode() in blob


def test_a_raw_scan_of_the_store_finds_neither_name_nor_personal_number_nor_notes(
    store: StoreUnderTest, ledger: Ledger, erased: Erased
) -> None:
    rebuild_on(store, ledger)
    blobs = stored_values(store, ledger)
    assert any("Socialtjänsten Örebro".encode() in b for b in blobs)  # the scan does see text
    secrets = [
        YOUTH_NAME,
        MOTHER_NAME,
        FATHER_NAME,
        CONSENT_NOTES,
        STATUTORY_NOTE,
        *forms(YOUTH_PNR),
        *forms(EARLIER_PNR),
        CORRECTION_REASON,
        *forms(FATHER_PNR),
    ]
    for secret in secrets:
        found = [b[:80] for b in blobs if in_clear(secret, b)]
        assert not found, f"{secret!r} is stored in clear"
    # and the youth's data key itself is gone: nothing is left that could open the sealed data
    assert (
        ledger.database.read(ledger.database.tables.data_key, erased.youth_id) == b""
    )  # tombstone


def key_table_file(store: StoreUnderTest) -> tuple[str, Path | None]:
    """PostgreSQL: the key table's file node, and its file when this process may read it."""
    import psycopg

    from tests.conftest import PG_URL

    schema = store.url.split("schema=")[1]
    with psycopg.connect(PG_URL) as conn:
        table = f'"{schema}".ledger_data_keys'
        row = conn.execute(
            "SELECT pg_relation_filenode(%s::regclass), pg_relation_filepath(%s::regclass),"
            " current_setting('data_directory')",
            (table, table),
        ).fetchone()
    assert row is not None
    path = Path(row[2]) / row[1]
    try:
        path.read_bytes()
    except OSError:
        return str(row[0]), None
    return str(row[0]), path


def test_no_copy_of_a_destroyed_data_key_is_left_in_the_store_files(
    store: StoreUnderTest, ledger: Ledger
) -> None:
    for agency_id, name, kind in AGENCIES:
        ledger.register_agency(ADMIN, agency_id=agency_id, name=name, kind=kind, municipality=None)
    others = [number("20110101", f"{n:03d}") for n in range(101, 106)]
    status, youth = ledger.register_youth(COORD, personal_number=YOUTH_PNR, name=YOUTH_NAME)
    for other in others:  # keys stored beside the erased one, in the same pages
        assert ledger.register_youth(COORD, personal_number=other, name="Annan")[0] == 201
    assert status == 201
    wrapped = bytes(ledger.database.read(ledger.database.tables.data_key, youth["id"]))
    assert len(wrapped) == 40  # an AES-256 key wrapped with RFC 3394
    if store.name == "postgres":
        node_before, _ = key_table_file(store)
    ledger.erase(ADMIN, youth["id"], reason="gallring")
    if store.name == "sqlite":
        db = Path(store.url.removeprefix("sqlite:///"))
        files = list(db.parent.glob(db.name + "*"))
        assert db in files
        assert not [f.name for f in files if wrapped in f.read_bytes()]
    elif store.name == "postgres":
        node_after, path = key_table_file(store)
        assert node_after != node_before, "the key table was rewritten (VACUUM FULL)"
        if path is not None:
            assert wrapped not in path.read_bytes()


# -- writing after the erasure ------------------------------------------------------------------
def test_new_personal_data_about_an_erased_youth_is_refused_as_a_conflict_and_writes_nothing(
    ledger: Ledger, erased: Erased
) -> None:
    size = ledger.database.read(ledger.database.tables.tree_size)
    with pytest.raises(Conflict):
        ledger.add_guardian(
            COORD,
            erased.youth_id,
            name="Ny Vårdnadshavare",
            personal_number=None,
            custody="sole",
            effective_at=None,
        )
    with pytest.raises(Conflict):
        ledger.grant_consent(
            COORD,
            {
                "youth_id": erased.youth_id,
                "givers": [{"party": "guardian", "guardian_id": erased.mother}],
                "method": "oral",
                "notes": "nya anteckningar",
                "scope": {
                    "agencies": ["soc-orebro", "skola-x"],
                    "categories": ["school_attendance"],
                    "purposes": ["crime_prevention"],
                    "situations": ["network_meeting"],
                },
                "obtained_at": ledger.now(),
            },
        )
    with pytest.raises(Conflict):
        ledger.revoke_consent(
            COORD,
            erased.consent_id,
            {
                "kind": "full",
                "revoked_by": {"party": "guardian", "guardian_id": erased.father},
                "communicated": "oral",
                "notes": "ringde och återkallade",
                "effective_at": ledger.now(),
            },
        )
    assert ledger.database.read(ledger.database.tables.tree_size) == size
    assert (
        ledger.database.read(ledger.database.tables.data_key, erased.youth_id) == b""
    )  # tombstone


def test_a_statutory_disclosure_with_a_note_about_an_erased_youth_is_refused_as_a_conflict(
    ledger: Ledger, erased: Erased
) -> None:
    size = ledger.database.read(ledger.database.tables.tree_size)
    with pytest.raises(Conflict):
        ledger.disclose(
            SOCIAL,
            {
                "from_agency": "soc-orebro",
                "to_agencies": ["polis-orebro"],
                "youth_id": erased.youth_id,
                "categories": ["police_incidents"],
                "purpose": "crime_prevention",
                "situation": "network_meeting",
                "basis": {"kind": "statutory", "provision": "osl-10-18a", "note": "ny anteckning"},
            },
        )
    assert ledger.database.read(ledger.database.tables.tree_size) == size
    assert (
        ledger.database.read(ledger.database.tables.data_key, erased.youth_id) == b""
    )  # tombstone
