"""Every time the API takes, in a body or a query, is an RFC 3339 string with a time and an
offset in the years 1900–2200: anything else is a 422 naming the field, never a 500. The walk
reads the fields from /openapi.json, so a time field added later is walked too."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from tests.e2e.conftest import Api

BAD_TIMES: list[Any] = [
    1764940000,  # a Unix time
    "2026-03-02",  # a date alone
    "2026-03-02T08:00:00",  # no offset
    "0001-01-01T00:00:00+14:00",  # UTC value before year 1
    "9999-12-31T23:59:59-14:00",  # UTC value after year 9999
    "1899-12-31T23:59:59Z",  # before 1900
]
Path = tuple[str | int, ...]


# -- reading the OpenAPI document -----------------------------------------------------------------
def resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        *_, name = schema["$ref"].split("/")
        schema = document["components"]["schemas"][name]
    return schema


def is_time(schema: dict[str, Any], document: dict[str, Any]) -> bool:
    schema = resolve(schema, document)
    options = schema.get("anyOf", [schema])
    return any(resolve(s, document).get("format") == "date-time" for s in options)


def time_fields(schema: dict[str, Any], document: dict[str, Any], at: Path = ()) -> Iterator[Path]:
    """The paths of the date-time fields in a body schema, through $refs, nested models,
    optional models and arrays (an array's first item)."""
    schema = resolve(schema, document)
    if is_time(schema, document):
        yield at
        return
    for option in schema.get("anyOf", []):
        if resolve(option, document).get("type") != "null":
            yield from time_fields(option, document, at)
    if schema.get("type") == "array":
        yield from time_fields(schema.get("items", {}), document, (*at, 0))
    for name, prop in schema.get("properties", {}).items():
        yield from time_fields(prop, document, (*at, name))


def field_name(at: Path) -> str:
    """A path as the problem documents name it: `maturity_assessment.assessed_at`, `a[0].b`."""
    out = ""
    for p in at:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


def with_value(body: dict[str, Any], at: Path, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(body)
    node: Any = out
    try:
        for p in at[:-1]:
            node = node[p]
    except (KeyError, IndexError):
        pytest.fail(f"the example holds no {field_name(at[:-1])}: add it, so {at[-1]} is walked")
    node[at[-1]] = value
    return out


# -- the ledger to call it on --------------------------------------------------------------------
def examples(api: Api) -> dict[tuple[str, str], tuple[str, str, dict[str, Any] | None]]:
    """For each operation that takes a time: who may call it, the path with real ids, and a body
    valid in every field, every time field present."""
    api.agencies()
    youth = api.youth("20120315")
    mother = api.guardian(youth, "Maria Andersson")
    father = api.guardian(youth, "Johan Andersson")
    givers = [
        {"party": "guardian", "guardian_id": mother},
        {"party": "guardian", "guardian_id": father},
    ]
    consent = api.consent(youth, givers).json()["id"]
    case = api.post(
        "/v1/cases", {"youth_id": youth, "form": "SSPF", "agencies": ["soc-orebro"]}, "anna"
    ).json()["id"]
    now = "2026-03-02T09:00:00+01:00"
    later = "2026-09-02T09:00:00+02:00"
    assessment = {
        "assessed_by": "anna",
        "assessed_at": now,
        "rationale": "Samtal med Kim.",
        "outcome": "mature",
    }
    scope = {
        "agencies": ["soc-orebro", "skola-x"],
        "categories": ["school_attendance"],
        "purposes": ["crime_prevention"],
        "situations": ["network_meeting"],
    }
    return {
        ("POST", "/v1/tokens"): (
            "admin",
            "/v1/tokens",
            {"agency_id": "soc-orebro", "actor_id": "nya", "roles": ["staff"], "expires_at": later},
        ),
        ("POST", "/v1/youths/{youth_id}/guardians"): (
            "anna",
            f"/v1/youths/{youth}/guardians",
            {"name": "Eva Andersson", "custody": "joint", "effective_at": now},
        ),
        ("POST", "/v1/youths/{youth_id}/guardians/{guardian_id}/end"): (
            "anna",
            f"/v1/youths/{youth}/guardians/{father}/end",
            {"reason": "Dom om vårdnad.", "effective_at": now},
        ),
        ("POST", "/v1/cases/{case_id}/close"): (
            "anna",
            f"/v1/cases/{case}/close",
            {"reason": "Insatsen avslutad.", "effective_at": now},
        ),
        ("POST", "/v1/consents"): (
            "anna",
            "/v1/consents",
            {
                "youth_id": youth,
                "givers": givers,
                "maturity_assessment": assessment,
                "method": "written",
                "scope": scope,
                "obtained_at": now,
                "valid_from": now,
                "valid_until": later,
            },
        ),
        ("POST", "/v1/consents/{consent_id}/signatures"): (
            "anna",
            f"/v1/consents/{consent}/signatures",
            {
                "giver": {"party": "youth"},
                "maturity_assessment": assessment,
                "method": "written",
                "obtained_at": now,
            },
        ),
        ("POST", "/v1/consents/{consent_id}/extensions"): (
            "anna",
            f"/v1/consents/{consent}/extensions",
            {
                "add": {"categories": ["police_incidents"]},
                "givers": givers,
                "method": "written",
                "obtained_at": now,
            },
        ),
        ("POST", "/v1/consents/{consent_id}/revocations"): (
            "anna",
            f"/v1/consents/{consent}/revocations",
            {
                "kind": "full",
                "revoked_by": givers[0],
                "communicated": "oral",
                "effective_at": now,
            },
        ),
        ("POST", "/v1/decisions/check"): (
            "lars",
            "/v1/decisions/check",
            {
                "from_agency": "skola-x",
                "to_agency": "soc-orebro",
                "youth_id": youth,
                "category": "school_attendance",
                "purpose": "crime_prevention",
                "situation": "network_meeting",
                "at": now,
                "known_at": now,
                "concerns_others": True,
                "others_consent": {"who": "Eva Andersson", "method": "oral", "obtained_at": now},
            },
        ),
        ("POST", "/v1/disclosures"): (
            "lars",
            "/v1/disclosures",
            {
                "from_agency": "skola-x",
                "to_agencies": ["soc-orebro"],
                "youth_id": youth,
                "categories": ["school_attendance"],
                "purpose": "crime_prevention",
                "situation": "network_meeting",
                "occurred_at": now,
                "concerns_others": True,
                "others_consent": {"who": "Eva Andersson", "method": "oral", "obtained_at": now},
            },
        ),
        ("POST", "/v1/reviews"): ("ida", "/v1/reviews", {"since": now, "until": later}),
        # issue 14: a bad time is refused by the body's shape, before any id is looked up
        ("POST", "/v1/cases/{case_id}/meetings"): (
            "anna",
            f"/v1/cases/{case}/meetings",
            {"held_at": now, "channel": "in_person", "agencies": ["soc-orebro"]},
        ),
        ("POST", "/v1/cases/{case_id}/intervention-consent"): (
            "anna",
            f"/v1/cases/{case}/intervention-consent",
            {"givers": [{"party": "youth"}], "method": "oral", "obtained_at": now},
        ),
        ("POST", "/v1/cases/{case_id}/intervention-consent/withdrawal"): (
            "anna",
            f"/v1/cases/{case}/intervention-consent/withdrawal",
            {"withdrawn_by": {"party": "youth"}, "communicated": "oral", "effective_at": now},
        ),
        ("POST", "/v1/youths/{youth_id}/secrecy-decisions"): (
            "anna",
            f"/v1/youths/{youth}/secrecy-decisions",
            {
                "item_kind": "consent",
                "item_id": consent,
                "audience": "guardians",
                "provision": "osl-12-3-2",
                "decided_by": "anna",
                "decided_at": now,
            },
        ),
        ("POST", "/v1/youths/{youth_id}/secrecy-decisions/{decision_id}/release"): (
            "anna",
            f"/v1/youths/{youth}/secrecy-decisions/x/release",
            {"released_at": now},
        ),
        ("GET", "/v1/disclosures"): ("ida", f"/v1/disclosures?youth_id={youth}", None),
        ("GET", "/v1/audit/actors/{actor_id}"): ("ida", "/v1/audit/actors/anna", None),
        ("GET", "/v1/audit/agencies/{agency_id}"): ("ida", "/v1/audit/agencies/soc-orebro", None),
    }


def fields_named(answer: Any) -> list[str]:
    return [e["field"] for e in answer.json().get("errors", [])]


def test_every_time_field_refuses_what_is_not_an_rfc3339_time_in_range_naming_it(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    table = examples(api)
    walked: set[tuple[str, str, str]] = set()
    failures: list[str] = []
    for template, item in document["paths"].items():
        for method, operation in item.items():
            key = (method.upper(), template)
            body_schema = (
                operation.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema")
            )
            in_body = list(time_fields(body_schema, document)) if body_schema else []
            in_query = [
                p["name"]
                for p in operation.get("parameters", [])
                if p["in"] == "query" and is_time(p.get("schema", {}), document)
            ]
            if not in_body and not in_query:
                continue
            assert key in table, f"{key} takes a time: give it an example in examples()"
            who, path, body = table[key]
            for at in in_body:
                assert body is not None
                name = field_name(at)
                walked.add((*key, name))
                for bad in BAD_TIMES:
                    r = api.post(path, with_value(body, at, bad), who)
                    if r.status_code != 422 or fields_named(r) != [name]:
                        failures.append(f"{key} {name}={bad!r}: {r.status_code} {r.text[:300]}")
            for name in in_query:
                walked.add((*key, name))
                for bad in BAD_TIMES:
                    joiner = "&" if "?" in path else "?"
                    r = api.get(f"{path}{joiner}{name}={bad}", who)
                    if r.status_code != 422 or fields_named(r) != [name]:
                        failures.append(f"{key} ?{name}={bad!r}: {r.status_code} {r.text[:300]}")
    assert not failures, "\n".join(failures)
    # The seven the issue found crashing, and the rest, are all in the walk.
    assert {
        ("POST", "/v1/decisions/check", "at"),
        ("POST", "/v1/consents", "obtained_at"),
        ("POST", "/v1/consents", "maturity_assessment.assessed_at"),
        ("POST", "/v1/youths/{youth_id}/guardians", "effective_at"),
        ("POST", "/v1/cases/{case_id}/close", "effective_at"),
        ("POST", "/v1/reviews", "since"),
        ("GET", "/v1/audit/actors/{actor_id}", "since"),
        ("POST", "/v1/tokens", "expires_at"),
        ("GET", "/v1/disclosures", "until"),
    } <= walked
    assert len(walked) >= 23  # as of v1.1


def test_every_time_field_of_a_body_is_documented_as_a_date_time(api: Api) -> None:
    """The walk above finds times by their format: a time field of a request body (`…In`) must
    not hide as a plain string."""
    document = api.client.get("/openapi.json").json()
    for name, schema in document["components"]["schemas"].items():
        if not name.endswith("In"):
            continue
        for prop_name, prop in schema.get("properties", {}).items():
            if prop_name.endswith("_at") or prop_name in {"at", "since", "until"}:
                options = prop.get("anyOf", [prop])
                times = [o for o in options if o.get("type") != "null"]
                if all("$ref" not in o and o.get("type") == "string" for o in times):
                    assert [o.get("format") for o in times] == ["date-time"], (name, prop_name)


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("2026-03-02T09:00:00+01:00", "2026-03-02T08:00:00+00:00"),
        ("2026-03-02T08:00:00Z", "2026-03-02T08:00:00+00:00"),
        ("2026-03-01T22:00:00.250-10:00", "2026-03-02T08:00:00.250000+00:00"),
    ],
)
def test_a_time_with_any_offset_is_taken_as_the_same_instant_in_utc(
    api: Api, written: str, stored: str
) -> None:
    api.agencies()
    youth = api.youth("20070101")  # of age: the youth alone consents
    r = api.consent(youth, [{"party": "youth"}], obtained_at=written)
    assert r.status_code == 201, r.text
    consent = api.get(f"/v1/consents/{r.json()['id']}", "anna").json()
    assert datetime.fromisoformat(consent["obtained_at"]) == datetime.fromisoformat(stored)
