"""After `make run` the admin sets the ledger up in the browser: agencies and tokens."""

from __future__ import annotations

import re

from tests.e2e.conftest import Api
from tests.web.conftest import browser


def test_the_admin_registers_an_agency_and_mints_a_token_that_signs_in(api: Api) -> None:
    admin = browser(api, "admin")
    assert str(admin.last.url).endswith("/admin")
    r = admin.post(
        "/admin/agencies", {"id": "soc-x", "name": "Socialtjänsten X", "kind": "social_services"}
    )
    assert r.status_code == 200 and "Socialtjänsten X" in r.text
    r = admin.post(
        "/admin/tokens", [("agency_id", "soc-x"), ("actor_id", "kim"), ("roles", "coordinator")]
    )
    found = re.search(r'id="new-token">[^:]+: ([A-Za-z0-9_-]+)', r.text)
    assert found, r.text
    api.tokens["kim"] = found.group(1)
    kim = browser(api, "kim")
    assert str(kim.last.url).endswith("/worklist")
    assert "Socialtjänsten X" in kim.text()


def test_a_token_without_a_role_is_refused_beside_the_field(api: Api) -> None:
    admin = browser(api, "admin")
    r = admin.post("/admin/tokens", [("agency_id", "ledger-admin"), ("actor_id", "kim")])
    assert r.status_code == 422 and 'id="roles-error"' in r.text
    assert 'value="kim"' in r.text


def test_only_an_admin_reaches_the_admin_page(people: Api) -> None:
    anna = browser(people, "anna")
    assert anna.get("/admin").status_code == 403
    anna.get("/worklist")
    r = anna.post("/admin/agencies", {"id": "x", "name": "X", "kind": "other"})
    assert r.status_code == 403
    assert all(a["id"] != "x" for a in people.get("/v1/agencies").json()["items"])
