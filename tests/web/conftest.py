"""Pages over the whole app (TestClient): a browser-like client per person, each with its own
cookie jar, signed in with a token the admin minted, and a helper that posts a form the way a
browser would, with the CSRF token of the page it came from."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from tests.conftest import Clock, drop_schema, postgres_url, require_postgres
from tests.e2e.conftest import ADMIN_TOKEN, Api, api, on_sqlite  # noqa: F401  (fixtures)

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Browser:
    client: TestClient
    last: Any = None

    def get(self, path: str, **kw: Any) -> Any:
        self.last = self.client.get(path, **kw)
        return self.last

    def csrf(self) -> str:
        found = CSRF.search(self.last.text)
        assert found, "the page carries no CSRF token"
        return found.group(1)

    def post(self, path: str, data: list[tuple[str, str]] | dict[str, Any], **kw: Any) -> Any:
        """A form post with the CSRF token of the page last shown."""
        pairs = list(data.items()) if isinstance(data, dict) else list(data)
        pairs.append(("csrf", self.csrf()))
        self.last = self.client.post(
            path,
            content=urlencode(pairs),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            **kw,
        )
        return self.last

    def text(self) -> str:
        return html.unescape(re.sub(r"<[^>]+>", " ", self.last.text))


def browser(on: Api, who: str | None = None) -> Browser:
    b = Browser(TestClient(on.client.app, follow_redirects=True))
    if who is not None:
        b.get("/sign-in")
        r = b.post("/sign-in", {"token": on.tokens[who]})
        assert r.status_code == 200, r.text
    return b


@pytest.fixture
def people(api: Api) -> Iterator[Api]:  # noqa: F811  (the fixture imported above)
    api.agencies()
    yield api


@pytest.fixture(params=["sqlite", "postgres"])
def on_store(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Iterator[Api]:
    """The whole app on a SQLite file or on a fresh PostgreSQL schema, agencies and tokens set
    up: the pages run on both stores."""
    if request.param == "postgres":
        require_postgres()
        url = postgres_url()
    else:
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
    settings = Settings(database_url=url, admin_token=ADMIN_TOKEN, key_dir=tmp_path / "keys")
    try:
        with TestClient(create_app(settings, clock=clock)) as client:
            api = Api(client, clock, {"admin": ADMIN_TOKEN})
            api.agencies()
            yield api
    finally:
        if request.param == "postgres":
            drop_schema(url)
