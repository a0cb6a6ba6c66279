"""The writes the fault tests put a server under: consents, revocations and disclosures, each with
an Idempotency-Key, over plain HTTP to a real `ledger serve`; and the book of what was answered
2xx, so that the store can be checked afterwards against every acknowledged write."""

from __future__ import annotations

import itertools
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.e2e.conftest import personal_number
from tests.e2e.servers import ADMIN_TOKEN

AGENCIES = (("soc-orebro", "social_services"), ("skola-x", "school"), ("polis-orebro", "police"))
SCOPE = {
    "agencies": ["soc-orebro", "polis-orebro", "skola-x"],
    "categories": ["school_attendance", "family_situation"],
    "purposes": ["crime_prevention"],
    "situations": ["network_meeting"],
}
_serials = itertools.count(100)


def now() -> str:
    return datetime.now(UTC).isoformat()


def consent_body(youth_id: str) -> dict[str, Any]:
    return {
        "youth_id": youth_id,
        "givers": [{"party": "youth"}],  # the youths are adults: they consent alone
        "method": "written",
        "form_reference": "SSPF-2026-001",
        "informed_of_revocation": True,
        "copy_given": True,
        "scope": SCOPE,
        "obtained_at": now(),
    }


def revocation_body() -> dict[str, Any]:
    return {
        "kind": "full",
        "revoked_by": {"party": "youth"},
        "communicated": "oral",
        "effective_at": now(),
    }


def disclosure_body(youth_id: str) -> dict[str, Any]:
    return {
        "from_agency": "skola-x",
        "to_agencies": ["soc-orebro"],
        "youth_id": youth_id,
        "categories": ["school_attendance"],
        "purpose": "crime_prevention",
        "situation": "network_meeting",
    }


@dataclass
class World:
    tokens: dict[str, str]
    youths: list[str]

    def headers(self, who: str, key: str | None = None) -> dict[str, str]:
        h = {"Authorization": f"Bearer {self.tokens[who]}"}
        if key:
            h["Idempotency-Key"] = key
        return h


def set_up(base: str, youths: int = 3) -> World:
    """Agencies, a coordinator and a staff member, and adult youths (born 2000)."""
    tokens = {"admin": ADMIN_TOKEN}
    with httpx.Client(base_url=base, timeout=30) as c:

        def post(path: str, body: Any, who: str) -> Any:
            r = c.post(path, json=body, headers={"Authorization": f"Bearer {tokens[who]}"})
            assert r.status_code in (200, 201), (path, r.status_code, r.text)
            return r.json()

        for agency_id, kind in AGENCIES:
            post("/v1/agencies", {"id": agency_id, "name": agency_id, "kind": kind}, "admin")
        for name, agency, role in (
            ("anna", "soc-orebro", "coordinator"),
            ("lars", "skola-x", "staff"),
        ):
            body = {"agency_id": agency, "actor_id": name, "roles": [role]}
            tokens[name] = post("/v1/tokens", body, "admin")["token"]
        ids = []
        for _ in range(youths):
            number = personal_number("20000101", str(next(_serials)))
            ids.append(
                post("/v1/youths", {"personal_number": number, "name": "Test"}, "anna")["id"]
            )
    return World(tokens, ids)


@dataclass
class Op:
    """One write with its key; `answer` is the 2xx body once acknowledged."""

    kind: str  # consent | revocation | disclosure
    youth_id: str
    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    consent_id: str | None = None
    body: dict[str, Any] | None = None
    status: int | None = None
    answer: Any = None

    def request(self) -> tuple[str, str, dict[str, Any]]:
        if self.body is None:  # fixed at the first try: a retry sends the very same request
            if self.kind == "consent":
                self.body = consent_body(self.youth_id)
            elif self.kind == "revocation":
                self.body = revocation_body()
            else:
                self.body = disclosure_body(self.youth_id)
        if self.kind == "consent":
            return "anna", "/v1/consents", self.body
        if self.kind == "revocation":
            return "anna", f"/v1/consents/{self.consent_id}/revocations", self.body
        return "lars", "/v1/disclosures", self.body


@dataclass
class Book:
    """What the clients saw: every acknowledged op, every status, the 5xx that were not 503."""

    done: list[Op] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)
    interrupted: int = 0  # tries cut off by a killed or absent server
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, status: int, text: str) -> None:
        with self.lock:
            self.statuses.append(status)
            if status >= 500 and status != 503:
                self.bad.append(f"{status} {text[:300]}")


def send(client: httpx.Client, world: World, op: Op, book: Book) -> bool:
    """One try; True once the op is acknowledged (2xx, or a recorded refusal, 403 on a disclosure)."""
    who, path, body = op.request()
    try:
        r = client.post(path, json=body, headers=world.headers(who, op.key))
    except httpx.TransportError:
        with book.lock:
            book.interrupted += 1
        return False  # the server went away mid-request: try again with the same key
    book.note(r.status_code, r.text)
    if r.status_code == 503:
        assert r.headers.get("Retry-After"), "a 503 without Retry-After"
        return False
    if r.status_code == 409 and r.json().get("type", "").endswith("/conflict"):
        return False  # a concurrent change won too often: nothing written, try again
    if 200 <= r.status_code < 300 or (op.kind == "disclosure" and r.status_code == 403):
        op.status, op.answer = r.status_code, r.json()
        return True
    raise AssertionError(f"{op.kind} answered {r.status_code}: {r.text[:500]}")


class Writers:
    """Threads that write without pause until told to stop, each retrying an op with the same
    key until it is acknowledged (through 503s, refused connections and a killed server), then
    finishing the op in hand before they end. `base` is read each try: a restarted server may
    listen on another port."""

    def __init__(self, base: Any, world: World, book: Book, threads: int = 4) -> None:
        self.base = base  # a callable giving the current base URL
        self.world = world
        self.book = book
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,)) for i in range(threads)]
        self.errors: list[BaseException] = []

    def __enter__(self) -> Writers:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=120)

    def _run(self, i: int) -> None:
        import random
        import time

        rnd = random.Random(i)
        open_consents: list[Op] = []
        try:
            while not self.stop.is_set():
                youth = rnd.choice(self.world.youths)
                roll = rnd.random()
                if roll < 0.25 and open_consents:
                    given = open_consents.pop(rnd.randrange(len(open_consents)))
                    op = Op("revocation", given.youth_id, consent_id=given.answer["id"])
                elif roll < 0.6:
                    op = Op("consent", youth)
                else:
                    op = Op("disclosure", youth)
                deadline = time.monotonic() + 90
                while True:
                    with httpx.Client(base_url=self.base(), timeout=15) as client:
                        if send(client, self.world, op, self.book):
                            break
                    if time.monotonic() > deadline:
                        raise AssertionError(f"{op.kind} {op.key} never acknowledged")
                    time.sleep(0.05)
                with self.book.lock:
                    self.book.done.append(op)
                if op.kind == "consent":
                    open_consents.append(op)
        except BaseException as e:
            self.errors.append(e)


def check_exactly_once(base: str, world: World, book: Book) -> None:
    """Every acknowledged write is in the store exactly once, and nothing else is: the consents
    of each youth are those acknowledged, each revoked one was revoked once, and the
    disclosures (accepted or refused) are as many as were acknowledged."""
    with httpx.Client(base_url=base, timeout=30) as c:
        for youth in world.youths:
            ops = [op for op in book.done if op.youth_id == youth]
            r = c.get(
                "/v1/consents",
                params={"youth_id": youth, "limit": 1000},
                headers=world.headers("anna"),
            )
            assert r.status_code == 200, r.text
            consents = {item["id"]: item for item in r.json()["items"]}
            granted = [op.answer["id"] for op in ops if op.kind == "consent"]
            assert len(granted) == len(set(granted)), "one consent acknowledged twice"
            assert set(consents) == set(granted), (
                "consents in the store differ from those acknowledged"
            )
            revoked = {op.consent_id for op in ops if op.kind == "revocation"}
            for cid, item in consents.items():
                kinds = [h["type"] for h in item["history"]]
                assert kinds.count("revoked") == (1 if cid in revoked else 0), (cid, kinds)
            r = c.get(
                "/v1/disclosures",
                params={"youth_id": youth, "include_refused": "true", "limit": 1000},
                headers=world.headers("anna"),
            )
            assert r.status_code == 200, r.text
            disclosed = [op for op in ops if op.kind == "disclosure"]
            assert len(r.json()["items"]) == len(disclosed), "disclosures lost or doubled"


def derived_rows(url: str, key_dir: Any) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of every projection the ledger keeps (the audit index, its parties, the look-ups),
    in a stable order, read straight from the store."""
    from api.clock import system_clock
    from api.main import build_ledger
    from api.settings import Settings

    settings = Settings.from_env(
        {"LEDGER_DATABASE_URL": url, "LEDGER_KEY_DIR": str(key_dir)}, dotenv=None
    )
    ledger = build_ledger(settings, system_clock, create_tables=False)
    out: dict[str, list[tuple[Any, ...]]] = {}
    try:
        tables = ledger.database.tables
        with ledger.database.cursor() as cur:
            for table, order in (
                ("ledger_audit", "position"),
                ("ledger_audit_parties", "agency_id, position"),
                ("ledger_lookup", "key"),
            ):
                cur.execute(tables.q(f"SELECT * FROM {{p}}{table} ORDER BY {order}"))
                out[table] = [tuple(dict(r).values()) for r in cur.fetchall()]
    finally:
        ledger.close()
    return out
