"""No personal data in what the server writes or counts: a whole scenario against a real `ledger
serve` (registration, guardians, a consent with notes, look-ups by personnummer in the query, a
duplicate registration, checks, disclosures, a revocation, reads, bad input of every kind), and
then every line of the server's log, the metrics, and every error body are searched for the
personnummer, the names and the notes it used (issue 11). A traceback in the log fails it too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.e2e.conftest import personal_number
from tests.e2e.servers import ADMIN_TOKEN, Deployment, Server

YOUTH_NUMBER = personal_number("20140704", "397")
GUARDIAN_NUMBER = personal_number("19800212", "238")
SECRETS = [
    YOUTH_NUMBER,
    YOUTH_NUMBER.replace("-", ""),
    YOUTH_NUMBER[2:],  # the ten-digit form
    GUARDIAN_NUMBER,
    GUARDIAN_NUMBER.replace("-", ""),
    "Kim Hemlighetsson",
    "Hemlighetsson",
    "Maja Sekretessdotter",
    "muntligt-ja-vid-hembesok",
    "flyttar-till-moster",
    "Rektor Rosenqvist",
]


class Session:
    def __init__(self, server: Server) -> None:
        self.client = httpx.Client(base_url=server.base, timeout=30)
        self.tokens = {"admin": ADMIN_TOKEN}
        self.errors: list[str] = []

    def call(self, method: str, path: str, who: str, body: Any = None, **kw: Any) -> Any:
        r = self.client.request(
            method,
            path,
            json=body,
            headers={"Authorization": f"Bearer {self.tokens[who]}", **kw.pop("headers", {})},
            **kw,
        )
        assert r.status_code < 500, (method, path, r.status_code, r.text)
        if r.status_code >= 400:
            self.errors.append(r.text)
        return r

    def ok(self, method: str, path: str, who: str, body: Any = None, **kw: Any) -> Any:
        r = self.call(method, path, who, body, **kw)
        assert r.status_code < 300, (method, path, r.text[:3000])
        return r.json() if r.headers.get("content-type", "").endswith("json") else r.text


def scenario(s: Session) -> None:
    now = datetime.now(UTC)
    for agency_id, kind in (("soc-orebro", "social_services"), ("skola-x", "school")):
        s.ok("POST", "/v1/agencies", "admin", {"id": agency_id, "name": agency_id, "kind": kind})
    s.ok(
        "POST", "/v1/agencies", "admin", {"id": "soc-malmo", "name": "M", "kind": "social_services"}
    )
    for name, agency, role in (
        ("anna", "soc-orebro", "coordinator"),
        ("lars", "skola-x", "staff"),
        ("mia", "soc-malmo", "coordinator"),
        ("ida", "soc-orebro", "auditor"),
    ):
        body = {"agency_id": agency, "actor_id": name, "roles": [role]}
        s.tokens[name] = s.ok("POST", "/v1/tokens", "admin", body)["token"]

    youth = s.ok(
        "POST", "/v1/youths", "anna", {"personal_number": YOUTH_NUMBER, "name": "Kim Hemlighetsson"}
    )["id"]
    guardian = s.ok(
        "POST",
        f"/v1/youths/{youth}/guardians",
        "anna",
        {"name": "Maja Sekretessdotter", "personal_number": GUARDIAN_NUMBER, "custody": "sole"},
    )["guardian_id"]
    s.ok(
        "POST",
        "/v1/cases",
        "anna",
        {"youth_id": youth, "form": "SSPF", "agencies": ["soc-orebro", "skola-x"]},
    )
    consent = s.ok(
        "POST",
        "/v1/consents",
        "anna",
        {
            "youth_id": youth,
            "givers": [{"party": "guardian", "guardian_id": guardian}],
            "method": "oral",
            "notes": "muntligt-ja-vid-hembesok",
            "informed_of_revocation": True,
            "copy_given": True,
            "scope": {
                "agencies": ["soc-orebro", "skola-x"],
                "categories": ["school_attendance"],
                "purposes": ["crime_prevention"],
                "situations": ["network_meeting"],
            },
            "obtained_at": (now - timedelta(minutes=5)).isoformat(),
        },
    )["id"]
    question = {
        "from_agency": "skola-x",
        "to_agency": "soc-orebro",
        "youth_id": youth,
        "category": "school_attendance",
        "purpose": "crime_prevention",
        "situation": "network_meeting",
    }
    s.ok("POST", "/v1/decisions/check", "lars", question)
    disclosure = {
        "youth_id": youth,
        "from_agency": "skola-x",
        "to_agencies": ["soc-orebro"],
        "categories": ["school_attendance"],
        "purpose": "crime_prevention",
        "situation": "network_meeting",
        "recipient_person": "Rektor Rosenqvist",
    }
    s.ok("POST", "/v1/disclosures", "lars", disclosure)
    s.ok("GET", "/v1/youths", "lars", params={"personal_number": YOUTH_NUMBER})
    s.ok("GET", "/v1/youths", "mia", params={"personal_number": YOUTH_NUMBER})
    s.ok("GET", f"/v1/youths/{youth}", "anna")
    s.ok("GET", f"/v1/youths/{youth}/register-extract", "anna")
    s.ok("GET", f"/v1/youths/{youth}/register-extract", "ida", headers={"Accept": "text/html"})
    s.ok("POST", "/v1/reviews", "ida", {"youth_id": youth})
    s.ok(
        "POST",
        f"/v1/consents/{consent}/revocations",
        "anna",
        {
            "kind": "full",
            "revoked_by": {"party": "guardian", "guardian_id": guardian},
            "communicated": "oral",
            "notes": "flyttar-till-moster",
            "effective_at": now.isoformat(),
        },
    )
    refused = s.call("POST", "/v1/disclosures", "lars", disclosure)
    assert refused.status_code == 403 and refused.json()["decision"]["allowed"] is False

    # Bad input and refusals, each carrying personal data in the request.
    mistakes = [
        (
            "POST",
            "/v1/youths",
            "anna",
            {"personal_number": YOUTH_NUMBER, "name": "Kim Hemlighetsson"},
        ),
        (
            "POST",
            "/v1/youths",
            "mia",
            {"personal_number": YOUTH_NUMBER, "name": "Kim Hemlighetsson"},
        ),
        (
            "POST",
            "/v1/youths",
            "anna",
            {"personal_number": YOUTH_NUMBER[:-1] + "0", "name": "Kim Hemlighetsson"},
        ),
        (
            "POST",
            "/v1/youths",
            "anna",
            {"personal_number": YOUTH_NUMBER, "name": "Kim\u0000Hemlighetsson"},
        ),
        ("POST", "/v1/youths", "anna", {"personal_number": 201407043970, "name": "Hemlighetsson"}),
        ("POST", "/v1/youths", "lars", {"personal_number": YOUTH_NUMBER, "name": "Hemlighetsson"}),
        (
            "POST",
            f"/v1/youths/{youth}/guardians",
            "mia",
            {"name": "Maja Sekretessdotter", "custody": "joint"},
        ),
        (
            "POST",
            f"/v1/youths/{youth}/guardians",
            "anna",
            {"name": "Maja Sekretessdotter", "custody": "hemlig"},
        ),
        (
            "POST",
            "/v1/disclosures",
            "lars",
            {**disclosure, "recipient_person": ["Rektor Rosenqvist"]},
        ),
        ("GET", f"/v1/youths/{youth}", "mia", None),
    ]
    for method, path, who, body in mistakes:
        r = s.call(method, path, who, body)
        assert r.status_code >= 400, (path, r.text)
    s.call("GET", "/v1/youths", "lars", params={"personal_number": YOUTH_NUMBER[:-1] + "0"})


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def run(d: Deployment) -> None:
    server = d.start()
    session = Session(server)
    try:
        scenario(session)
        metrics = session.client.get("/metrics", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert metrics.status_code == 200, metrics.text
    finally:
        session.client.close()
        server.stop()
    log = server.log.read_text("utf-8", errors="replace")
    assert "POST /v1/disclosures" in log  # the access log was captured at all
    assert "Traceback" not in log and "Exception in ASGI" not in log, log[-3000:]
    for i, line in enumerate(log.splitlines()):
        assert not leaks(line), f"log line {i}: {line}"
    assert not leaks(metrics.text), "metrics"
    for body in session.errors:
        assert not leaks(body), f"error body: {body}"
    assert len(session.errors) >= 10


def test_on_sqlite_no_personal_data_reaches_the_log_the_metrics_or_an_error(
    on_sqlite: Deployment,
) -> None:
    run(on_sqlite)


def test_on_postgres_no_personal_data_reaches_the_log_the_metrics_or_an_error(
    on_postgres: Deployment,
) -> None:
    run(on_postgres)
