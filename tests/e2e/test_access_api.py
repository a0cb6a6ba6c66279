"""Access over HTTP: every route of the OpenAPI document that has a door (api/deps.Door) is called
with every role its rule in ledger/access.py does not name, and with no, malformed and expired
tokens; each is refused before its body is read and writes nothing. Then the reproductions of
issue 11 with two municipalities."""

from __future__ import annotations

import importlib
import pkgutil
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute

import api.routes
from api.deps import Door
from ledger.access import RULES
from ledger.actor import ROLES
from tests.e2e.conftest import Api, personal_number


def route_modules() -> list[Any]:
    """Every module of api/routes: a new one is walked without being named here."""
    return [
        importlib.import_module(f"api.routes.{m.name}")
        for m in pkgutil.iter_modules(api.routes.__path__)
    ]


def doors() -> list[tuple[str, str, str]]:
    """(method, path, action) of every route the API serves behind a door."""
    found = []
    for module in route_modules():
        router = getattr(module, "router", None)
        for route in router.routes if router is not None else []:
            if not isinstance(route, APIRoute):
                continue
            for dependency in route.dependant.dependencies:
                if isinstance(dependency.call, Door):
                    found += [(m, route.path, dependency.call.action) for m in route.methods]
    return sorted(found)


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)


@pytest.fixture
def roles(api: Api) -> Api:
    api.agencies()
    for role in ROLES:
        api.token(f"only-{role}", "skola-x", role)
    return api


def test_every_write_and_read_of_personal_data_has_a_door(roles: Api) -> None:
    guarded = {(method, path) for method, path, _ in doors()}
    for method, path in [
        ("POST", "/v1/youths"),
        ("GET", "/v1/youths/{youth_id}"),
        ("POST", "/v1/consents/{consent_id}/revocations"),
        ("POST", "/v1/cases/{case_id}/close"),
        ("POST", "/v1/disclosures"),
        ("POST", "/v1/reviews"),
        ("POST", "/v1/tokens"),
    ]:
        assert (method, path) in guarded


def test_a_role_the_rule_does_not_name_is_refused_whatever_the_body_and_writes_nothing(
    roles: Api,
) -> None:
    checked = 0
    for method, path, action in doors():
        for role in ROLES:
            if role in RULES[action].roles:
                continue
            before = roles.tree_size()
            # An empty body would be a 422 naming fields; the door answers first.
            r = roles.call(
                method, concrete(path), f"only-{role}", json={} if method == "POST" else None
            )
            assert r.status_code == 403, (method, path, role, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert roles.tree_size() == before, (method, path, role)
            checked += 1
    assert checked > 30


@pytest.mark.parametrize(
    "authorization", [None, "Basic abc", "Bearer ", "Bearer not-a-token-we-gave"]
)
def test_no_token_or_a_malformed_one_is_401_on_every_door(
    roles: Api, authorization: str | None
) -> None:
    for method, path, _ in doors():
        headers = {} if authorization is None else {"Authorization": authorization}
        r = roles.client.request(method, concrete(path), headers=headers, json={})
        assert r.status_code == 401, (method, path)


def test_an_expired_token_is_401(roles: Api) -> None:
    expires = (roles.clock.now + timedelta(hours=1)).isoformat()
    r = roles.post(
        "/v1/tokens",
        {
            "agency_id": "soc-orebro",
            "actor_id": "kort",
            "roles": ["coordinator"],
            "expires_at": expires,
        },
    )
    assert r.status_code == 201, r.text
    roles.tokens["kort"] = r.json()["token"]
    body = {"personal_number": personal_number("20120315"), "name": "Kim"}
    roles.clock.advance(hours=2)
    assert roles.post("/v1/youths", body, "kort").status_code == 401


# -- two municipalities ------------------------------------------------------------------------
@pytest.fixture
def malmo(api: Api) -> dict[str, Any]:
    api.agencies()
    for agency_id, kind in (("soc-malmo", "social_services"), ("skola-malmo", "school")):
        r = api.post("/v1/agencies", {"id": agency_id, "name": agency_id, "kind": kind})
        assert r.status_code == 201, r.text
    api.token("mia", "soc-malmo", "coordinator")
    api.token("max", "skola-malmo", "staff")
    youth = api.youth("20120315", serial="124")
    mother = api.guardian(youth, "Mamma")
    r = api.post(
        "/v1/cases",
        {"youth_id": youth, "form": "SSPF", "agencies": ["soc-orebro", "polis-orebro", "skola-x"]},
        "anna",
    )
    assert r.status_code == 201, r.text
    consent = api.consent(youth, [{"party": "guardian", "guardian_id": mother}])
    assert consent.status_code == 201, consent.text
    return {
        "youth": youth,
        "case": r.json()["id"],
        "consent": consent.json()["id"],
        "mother": mother,
    }


def test_a_malmo_coordinator_neither_changes_nor_reads_an_orebro_youth(
    api: Api, malmo: dict[str, Any]
) -> None:
    youth, case, consent = malmo["youth"], malmo["case"], malmo["consent"]
    before = api.tree_size()
    revocation = {
        "kind": "full",
        "revoked_by": {"party": "guardian", "guardian_id": malmo["mother"]},
        "communicated": "written",
        "effective_at": api.clock.now.isoformat(),
    }
    for path, body in [
        (f"/v1/consents/{consent}/revocations", revocation),
        (f"/v1/consents/{consent}/annulments", {"reason": "fel"}),
        (f"/v1/cases/{case}/close", {"reason": "klart"}),
        (f"/v1/youths/{youth}/guardians", {"name": "X", "custody": "joint"}),
        ("/v1/cases", {"youth_id": youth, "form": "SIG", "agencies": ["soc-malmo", "soc-orebro"]}),
    ]:
        r = api.post(path, body, "mia")
        assert r.status_code == 403, (path, r.text)
    for path in (
        f"/v1/youths/{youth}",
        f"/v1/cases/{case}",
        f"/v1/consents/{consent}",
        f"/v1/consents?youth_id={youth}",
        f"/v1/youths/{youth}/register-extract",
    ):
        assert api.get(path, "mia").status_code == 403, path
    assert api.tree_size() == before
    assert api.get(f"/v1/consents/{consent}", "anna").json()["status"] == "active"


def test_a_malmo_school_finds_only_the_id_and_birth_date(api: Api, malmo: dict[str, Any]) -> None:
    number = personal_number("20120315", "124")
    items = api.get(f"/v1/youths?personal_number={number}", "max").json()["items"]
    assert items == [{"id": malmo["youth"], "birth_date": "2012-03-15"}]
    assert "Mamma" not in api.get(f"/v1/youths?personal_number={number}", "max").text
    assert api.get(f"/v1/youths/{malmo['youth']}", "max").status_code == 403
    full = api.get(f"/v1/youths?personal_number={number}", "lars").json()["items"]
    assert full[0]["guardians"]


def test_a_registration_refused_as_a_duplicate_is_shown_to_the_youths_coordinators(
    api: Api, malmo: dict[str, Any]
) -> None:
    number = personal_number("20120315", "124")
    r = api.post("/v1/youths", {"personal_number": number, "name": "Kim"}, "mia")
    assert r.status_code == 409 and r.json()["existing_id"] == malmo["youth"]
    assert api.get(f"/v1/youths/{malmo['youth']}", "mia").status_code == 403
    alerts = api.get(f"/v1/youths/{malmo['youth']}", "anna").json()["alerts"]
    assert [(a["code"], a["agency_id"]) for a in alerts] == [
        ("REGISTRATION_ATTEMPTED", "soc-malmo")
    ]
    extract = api.get(f"/v1/youths/{malmo['youth']}/register-extract", "anna").json()
    assert [a["agency_id"] for a in extract["registration_attempts"]] == ["soc-malmo"]
    trail = api.get("/v1/audit/agencies/soc-malmo", "ida").json()["items"]
    assert "access.register_existing" in [e["type"] for e in trail]


def test_an_agency_taking_part_that_registers_again_raises_no_alert(
    api: Api, malmo: dict[str, Any]
) -> None:
    number = personal_number("20120315", "124")
    r = api.post("/v1/youths", {"personal_number": number, "name": "Kim"}, "anna")
    assert r.status_code == 409
    assert api.get(f"/v1/youths/{malmo['youth']}", "anna").json()["alerts"] == []


# -- tokens ------------------------------------------------------------------------------------
def test_a_revoked_token_is_401_from_the_next_request_and_listed_without_its_secret(
    api: Api,
) -> None:
    api.agencies()
    r = api.post(
        "/v1/tokens", {"agency_id": "soc-orebro", "actor_id": "tillfallig", "roles": ["staff"]}
    )
    assert r.status_code == 201, r.text
    minted = r.json()
    api.tokens["tillfallig"] = minted["token"]
    assert minted["expires_at"]  # the default lifetime applies
    assert api.get("/v1/agencies", "tillfallig").status_code == 200

    assert api.post(f"/v1/tokens/{minted['id']}/revoke", {}, "anna").status_code == 403
    r = api.post(f"/v1/tokens/{minted['id']}/revoke", {})
    assert r.status_code == 200, r.text
    assert r.json()["revoked_at"]
    assert api.get("/v1/agencies", "tillfallig").status_code == 401
    again = api.post(f"/v1/tokens/{minted['id']}/revoke", {})
    assert (again.status_code, again.json()) == (200, r.json())

    listed = api.get("/v1/tokens").json()["items"]
    mine = [t for t in listed if t["id"] == minted["id"]]
    assert mine == [r.json()]
    assert set(mine[0]) == {"id", "agency_id", "actor_id", "roles", "expires_at", "revoked_at"}
    assert minted["token"] not in api.get("/v1/tokens").text
    assert api.post(f"/v1/tokens/{uuid.uuid4()}/revoke", {}).status_code == 404
    trail = api.get("/v1/audit/actors/admin", "ida").json()["items"]
    assert [e["type"] for e in trail if e["type"].startswith("token.")][-1] == "token.revoked"


def test_a_token_that_has_already_expired_cannot_be_minted(api: Api) -> None:
    api.agencies()
    past = (api.clock.now - timedelta(minutes=1)).isoformat()
    r = api.post(
        "/v1/tokens",
        {"agency_id": "soc-orebro", "actor_id": "x", "roles": ["staff"], "expires_at": past},
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["expires_at"]
