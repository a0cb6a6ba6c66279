"""Hostile input over HTTP and what the server sends back: bodies over 1 MiB are a 413 before
parsing, every string is bounded and free of control characters, a JSON key given twice is a
422, an internal error is one log line and a bare problem 500, and every answer carries the
security headers (HTML pages a policy that allows nothing from outside)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.headers import CONTENT_SECURITY_POLICY
from api.limits import MAX_BODY_BYTES
from tests.e2e.conftest import Api
from tests.e2e.servers import ADMIN_TOKEN as SERVED_ADMIN
from tests.e2e.servers import REQUEST_SECONDS, Deployment

JSON = {"Content-Type": "application/json"}


def raw(api: Api, path: str, content: Any, who: str = "admin", **headers: str) -> Any:
    return api.call("POST", path, who, content=content, headers={**JSON, **headers})


def fields_named(answer: Any) -> list[str]:
    return [e["field"] for e in answer.json().get("errors", [])]


def is_problem(answer: Any) -> bool:
    return str(answer.headers["content-type"]).startswith("application/problem+json")


# -- body size --------------------------------------------------------------------------------
def test_a_body_over_one_mebibyte_is_a_413_problem_and_writes_nothing(api: Api) -> None:
    api.agencies()
    before = api.tree_size()
    body = b'{"personal_number": "x", "name": "' + b"a" * MAX_BODY_BYTES + b'"}'
    r = raw(api, "/v1/youths", body, "anna")
    assert r.status_code == 413
    assert is_problem(r) and r.json()["status"] == 413
    assert api.tree_size() == before


def test_a_chunked_body_without_a_length_is_counted_and_refused_past_one_mebibyte(
    api: Api,
) -> None:
    api.agencies()
    before = api.tree_size()

    def chunks() -> Iterator[bytes]:
        yield b'{"personal_number": "x", "name": "'
        for _ in range(17):
            yield b"a" * 65_536
        yield b'"}'

    r = raw(api, "/v1/youths", chunks(), "anna")
    assert r.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in r.request.headers
    assert (r.status_code, is_problem(r)) == (413, True)
    assert api.tree_size() == before


def test_a_body_of_exactly_one_mebibyte_is_parsed(api: Api) -> None:
    api.agencies()
    start = b'{"id": "ny", "kind": "other"'
    body = start + b" " * (MAX_BODY_BYTES - len(start) - 1) + b"}"
    assert len(body) == MAX_BODY_BYTES
    r = raw(api, "/v1/agencies", body)
    assert r.status_code == 422 and fields_named(r) == ["name"]


# -- strings ----------------------------------------------------------------------------------
def test_every_string_of_every_body_has_a_documented_maximum_length(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    unbounded = []
    for name, schema in document["components"]["schemas"].items():
        if not name.endswith("In"):
            continue
        for prop_name, prop in schema.get("properties", {}).items():
            options = prop.get("anyOf", [prop])
            for option in (o.get("items", o) for o in options):
                plain = option.get("type") == "string" and "enum" not in option
                if plain and "format" not in option and "maxLength" not in option:
                    unbounded.append(f"{name}.{prop_name}")
    assert unbounded == []


def test_a_million_character_purpose_is_a_422_naming_it(api: Api) -> None:
    api.agencies()
    youth = api.youth()
    body = {
        "from_agency": "skola-x",
        "to_agency": "soc-orebro",
        "youth_id": youth,
        "category": "school_attendance",
        "purpose": "p" * 1_000_000,
    }
    r = api.post("/v1/decisions/check", body, "lars")
    assert (r.status_code, fields_named(r)) == (422, ["purpose"])


@pytest.mark.parametrize(
    "name", ["Anna\u0000Null", "Anna\nNull", "Anna\tNull", "Anna\u0085", "\x7f"]
)
def test_a_control_character_in_a_name_is_a_422_naming_it_and_nothing_is_stored(
    api: Api, name: str
) -> None:
    api.agencies()
    youth = api.youth()
    before = api.tree_size()
    r = api.post("/v1/agencies", {"id": "ny", "name": name, "kind": "other"})
    assert (r.status_code, fields_named(r)) == (422, ["name"])
    r = api.post(f"/v1/youths/{youth}/guardians", {"name": name, "custody": "joint"}, "anna")
    assert (r.status_code, fields_named(r)) == (422, ["name"])
    assert "Null" not in r.text  # the value is not echoed back
    assert api.tree_size() == before


def test_a_control_character_in_an_id_is_a_422_naming_it(api: Api) -> None:
    api.agencies()
    r = api.post("/v1/agencies", {"id": "ny\u0000", "name": "Ny", "kind": "other"})
    assert (r.status_code, fields_named(r)) == (422, ["id"])
    r = api.post("/v1/cases", {"youth_id": "y", "form": "SIG", "agencies": ["a\n"]}, "anna")
    assert (r.status_code, fields_named(r)) == (422, ["agencies[0]"])


def test_a_control_character_in_a_query_or_path_is_a_422_naming_it(api: Api) -> None:
    """Found by the fuzz run (tests/e2e/test_fuzz.py) on PostgreSQL, which cannot store NUL:
    `GET /v1/disclosures?agency_id=q%00…` was a 500 (DataError)."""
    api.agencies()
    r = api.get("/v1/disclosures?include_refused=true&agency_id=q%00Kp", "ida")
    assert (r.status_code, fields_named(r)) == (422, ["query.agency_id"])
    r = api.get("/v1/youths/abc%00def", "ida")
    assert (r.status_code, fields_named(r)) == (422, ["path"])
    assert api.get("/v1/disclosures?agency_id=skola-x", "ida").status_code == 200


def test_notes_keep_tabs_and_line_breaks_but_no_other_control_character(api: Api) -> None:
    api.agencies()
    youth = api.youth("20070101")
    r = api.consent(youth, [{"party": "youth"}], notes="Rad ett\r\nRad två\tmed tabb")
    assert r.status_code == 201, r.text
    r = api.consent(youth, [{"party": "youth"}], notes="Ring\u0007klockan")
    assert (r.status_code, fields_named(r)) == (422, ["notes"])


# -- JSON -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        b'{"id": "ny", "id": "annan", "name": "Ny", "kind": "other"}',
        b'{"id": "ny", "name": "Ny", "kind": "other", "extra": {"a": 1, "a": 2}}',
        b'[{"x": 1}, {"x": 1, "x": 2}]',
    ],
)
def test_a_json_object_with_a_duplicate_key_is_a_422_naming_the_body(api: Api, body: bytes) -> None:
    r = raw(api, "/v1/agencies", body)
    assert r.status_code == 422 and is_problem(r)
    assert fields_named(r) == ["body"]
    assert api.get("/v1/agencies").json()["items"] == []


def test_json_that_is_not_json_or_nests_too_deeply_is_a_422_naming_the_body(api: Api) -> None:
    for body in [b"{not json", b'{"id": "a",}', b"[" * 200_000 + b"]" * 200_000]:
        r = raw(api, "/v1/agencies", body)
        assert r.status_code == 422 and is_problem(r)
        assert fields_named(r) == ["body"], r.text


# -- internal errors --------------------------------------------------------------------------
def test_an_internal_error_is_one_log_line_without_data_and_a_bare_problem_500(
    api: Api, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test client raises any exception that escapes the app (as the server would log its
    traceback): reaching the assertions means none did."""
    ledger = api.client.app.state.ledger  # type: ignore[attr-defined]

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Kim Andersson 20120315-1234")

    monkeypatch.setattr(ledger, "list_agencies", fail)
    with caplog.at_level(logging.DEBUG):
        r = api.get("/v1/agencies")
    assert r.status_code == 500 and is_problem(r)
    assert r.json()["type"].endswith("/internal-error")
    assert "Kim" not in r.text and "RuntimeError" not in r.text
    assert r.headers["x-content-type-options"] == "nosniff"
    lines = [rec for rec in caplog.records if rec.levelno >= logging.ERROR]
    assert [rec.getMessage() for rec in lines] == [
        "internal error on GET /v1/agencies: RuntimeError"
    ]
    assert all(rec.exc_info is None for rec in caplog.records)
    assert "Traceback" not in caplog.text and "Exception in ASGI application" not in caplog.text
    assert "Kim" not in caplog.text


def test_an_error_in_a_middleware_after_the_answer_is_contained_too(
    api: Api, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    metrics = api.client.app.state.metrics  # type: ignore[attr-defined]

    def fail(*args: object) -> None:
        raise KeyError("counting")

    monkeypatch.setattr(metrics, "count", fail)
    with caplog.at_level(logging.DEBUG):
        r = api.client.get("/healthz")
    assert r.status_code == 200  # the answer had gone out already
    assert [rec.getMessage() for rec in caplog.records if rec.levelno >= logging.ERROR] == [
        "internal error on GET /healthz: KeyError"
    ]
    assert "Traceback" not in caplog.text


# -- headers ----------------------------------------------------------------------------------
def test_every_answer_carries_nosniff_and_no_referrer(api: Api) -> None:
    api.agencies()
    answers = [
        api.client.get("/healthz"),
        api.client.get("/openapi.json"),
        api.client.get("/no-such-page"),
        api.client.get("/v1/agencies"),  # 401
        api.get("/v1/agencies"),
        api.post("/v1/agencies", {"id": "x"}),  # 422
        raw(api, "/v1/agencies", b"x" * (MAX_BODY_BYTES + 1)),  # 413
    ]
    for r in answers:
        assert r.headers["x-content-type-options"] == "nosniff", r.url
        assert r.headers["referrer-policy"] == "no-referrer", r.url


def test_every_v1_answer_and_every_page_is_not_stored_and_pages_allow_nothing_from_outside(
    api: Api,
) -> None:
    api.agencies()
    youth = api.youth()
    for r in [
        api.get("/v1/agencies"),
        api.client.get("/v1/agencies"),
        api.get(f"/v1/youths/{youth}", "anna"),
    ]:
        assert r.headers["cache-control"] == "no-store", r.url
        assert "content-security-policy" not in r.headers
    for r in [
        api.get(f"/v1/youths/{youth}/register-extract", "ida", headers={"Accept": "text/html"}),
        api.client.get("/docs"),
    ]:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert r.headers["cache-control"] == "no-store", r.url
        policy = r.headers["content-security-policy"]
        assert policy == CONTENT_SECURITY_POLICY
        assert {"default-src 'none'", "frame-ancestors 'none'", "script-src 'self'"} <= {
            p.strip() for p in policy.split(";")
        }
    assert "cache-control" not in api.client.get("/healthz").headers


def test_the_docs_page_works_offline_with_no_script_and_lists_every_call(api: Api) -> None:
    page = api.client.get("/docs").text
    assert "<script" not in page.lower() and "style=" not in page.lower()
    links = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert links and all(link.startswith(("/", "#")) for link in links), links
    for link in {link for link in links if link.startswith("/")}:
        assert api.client.get(link).status_code == 200, link
    assert api.client.get("/assets/ledger.css").headers["content-type"].startswith("text/css")
    for path, item in api.client.get("/openapi.json").json()["paths"].items():
        for method in item:
            assert (
                f'<span class="method">{method.upper()}</span> <span class="path">{path}</span>'
                in page
            )
    assert api.client.get("/redoc").status_code == 404


# -- on a real server -------------------------------------------------------------------------
def test_on_a_real_server_a_streamed_body_past_the_limit_is_a_413_and_the_log_holds_no_traceback(
    on_sqlite: Deployment,
) -> None:
    server = on_sqlite.start()
    auth = {"Authorization": f"Bearer {SERVED_ADMIN}", **JSON}

    def chunks() -> Iterator[bytes]:
        yield b'{"id": "ny", "kind": "other", "name": "'
        for _ in range(16):
            yield b"a" * 65_536
        yield b'"}'

    with httpx.Client(base_url=server.base, timeout=REQUEST_SECONDS) as client:
        r = client.post("/v1/agencies", content=chunks(), headers=auth)
        assert (r.status_code, is_problem(r)) == (413, True)
        assert r.headers["x-content-type-options"] == "nosniff"
        hostile = [
            b'{"id": "ny", "id": "nu", "name": "Ny", "kind": "other"}',
            b"[" * 100_000,
            b'{"id": "ny", "name": "Ny\\u0000", "kind": "other"}',
            b'{"agency_id": "a", "actor_id": "b", "roles": ["staff"], "expires_at": "0001-01-01T00:00:00+14:00"}',
        ]
        for body in hostile:
            r = client.post("/v1/agencies", content=body, headers=auth)
            assert r.status_code == 422, r.text
        r = client.post("/v1/tokens", content=hostile[-1], headers=auth)
        assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["expires_at"]
        assert client.get("/v1/agencies", headers=auth).json()["items"] == []
    log = server.log.read_text("utf-8", errors="replace")
    assert "Traceback" not in log and "Exception in ASGI application" not in log
