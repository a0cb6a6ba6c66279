"""An HTTP client over the whole app on an in-memory store, with the test clock, and helpers that
set up agencies, tokens, a youth, guardians and a consent the way a coordinator would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from ledger.identity import luhn_check_digit
from tests.conftest import Clock, drop_schema, postgres_url, require_postgres
from tests.e2e.servers import Deployment, deployment

ADMIN_TOKEN = "admin-token-" + "x" * 24


def personal_number(birth: str, serial: str = "123") -> str:
    """A valid personnummer YYYYMMDD-NNNC for a birth date YYYYMMDD."""
    return f"{birth}-{serial}{luhn_check_digit(birth[2:] + serial)}"


@dataclass
class Api:
    client: TestClient
    clock: Clock
    tokens: dict[str, str] = field(default_factory=dict)

    def call(self, method: str, path: str, who: str = "admin", **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {})
        headers.setdefault("Authorization", f"Bearer {self.tokens[who]}")
        return self.client.request(method, path, headers=headers, **kwargs)

    def post(self, path: str, body: dict[str, Any], who: str = "admin", **kw: Any) -> Any:
        return self.call("POST", path, who, json=body, **kw)

    def get(self, path: str, who: str = "admin", **kw: Any) -> Any:
        return self.call("GET", path, who, **kw)

    def token(self, name: str, agency: str, *roles: str) -> str:
        r = self.post("/v1/tokens", {"agency_id": agency, "actor_id": name, "roles": list(roles)})
        assert r.status_code == 201, r.text
        self.tokens[name] = r.json()["token"]
        return self.tokens[name]

    def tree_size(self) -> int:
        app = self.client.app
        ledger = app.state.ledger  # type: ignore[attr-defined]
        return int(ledger.database.read(ledger.database.tables.tree_size))

    # -- a typical SSPF set-up ------------------------------------------------------------
    def agencies(self) -> None:
        for agency_id, kind in [
            ("soc-orebro", "social_services"),
            ("polis-orebro", "police"),
            ("skola-x", "school"),
            ("fritid-x", "leisure"),
            ("bup-orebro", "child_psychiatry"),
        ]:
            r = self.post(
                "/v1/agencies", {"id": agency_id, "name": agency_id.title(), "kind": kind}
            )
            assert r.status_code == 201, r.text
        self.token("anna", "soc-orebro", "coordinator")
        self.token("lars", "skola-x", "staff")
        self.token("sara", "soc-orebro", "staff")
        self.token("per", "polis-orebro", "staff")
        self.token("ida", "soc-orebro", "auditor")
        self.token("olle", "skola-x", "coordinator")

    def youth(
        self, birth: str = "20120315", name: str = "Kim Andersson", serial: str = "123"
    ) -> str:
        r = self.post(
            "/v1/youths", {"personal_number": personal_number(birth, serial), "name": name}, "anna"
        )
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def guardian(self, youth_id: str, name: str, custody: str = "joint") -> str:
        r = self.post(
            f"/v1/youths/{youth_id}/guardians", {"name": name, "custody": custody}, "anna"
        )
        assert r.status_code == 201, r.text
        return str(r.json()["guardian_id"])

    def consent(
        self,
        youth_id: str,
        givers: list[dict[str, Any]],
        /,
        headers: dict[str, str] | None = None,
        **overrides: Any,
    ) -> Any:
        body: dict[str, Any] = {
            "youth_id": youth_id,
            "givers": givers,
            "method": "written",
            "form_reference": "SSPF-2026-001",
            "informed_of_revocation": True,
            "copy_given": True,
            "scope": {
                "agencies": ["soc-orebro", "polis-orebro", "skola-x"],
                "categories": ["school_attendance", "family_situation"],
                "purposes": ["crime_prevention"],
                "situations": ["network_meeting"],
            },
            "obtained_at": self.clock.now.isoformat(),
        }
        body.update(overrides)
        return self.post("/v1/consents", body, "anna", headers=headers or {})

    def check(self, youth_id: str, who: str = "lars", **q: Any) -> dict[str, Any]:
        body = {
            "from_agency": "skola-x",
            "to_agency": "soc-orebro",
            "youth_id": youth_id,
            "category": "school_attendance",
            "purpose": "crime_prevention",
            "situation": "network_meeting",
        }
        body.update(q)
        r = self.post("/v1/decisions/check", body, who)
        assert r.status_code == 200, r.text
        return dict(r.json())


@contextmanager
def api_on(
    url: str, tmp_path: Path, clock: Clock, *, raise_server_exceptions: bool = True, **settings: Any
) -> Iterator[Api]:
    """The whole app on the store `url` with the admin token, other settings as given."""
    app = create_app(
        Settings(database_url=url, admin_token=ADMIN_TOKEN, key_dir=tmp_path / "keys", **settings),
        clock=clock,
    )
    with TestClient(app, raise_server_exceptions=raise_server_exceptions) as client:
        yield Api(client, clock, {"admin": ADMIN_TOKEN})


@contextmanager
def store_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """A store that outlives each request: a SQLite file, or a PostgreSQL schema of its own that
    is dropped at the end (skipped, or failed under CI, where PostgreSQL does not answer)."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    require_postgres()
    url = postgres_url()
    try:
        yield url
    finally:
        drop_schema(url)


@contextmanager
def api_on_store(kind: str, tmp_path: Path, clock: Clock, **options: Any) -> Iterator[Api]:
    """`api_on` over `store_url(kind)`."""
    with store_url(kind, tmp_path) as url, api_on(url, tmp_path, clock, **options) as api:
        yield api


@pytest.fixture
def api(tmp_path: Path, clock: Clock) -> Iterator[Api]:
    with api_on("sqlite:///:memory:", tmp_path, clock) as api:
        yield api


def codes(decision: dict[str, Any]) -> set[str]:
    return {r["code"] for r in decision["reasons"]}


@pytest.fixture
def on_postgres(tmp_path: Path) -> Iterator[Deployment]:
    """Real servers on a fresh PostgreSQL schema."""
    require_postgres()
    url = postgres_url()
    try:
        yield from deployment(tmp_path, url)
    finally:
        drop_schema(url)


@pytest.fixture
def on_sqlite(tmp_path: Path) -> Iterator[Deployment]:
    """Real servers on one SQLite file."""
    yield from deployment(tmp_path, f"sqlite:///{tmp_path / 'ledger.db'}")
