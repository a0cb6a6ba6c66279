"""/metrics through prometheus-client: request latency histograms by route, decision outcomes by
reason code, the log size, the projection lag and the database pool; in the Prometheus text
format, with no id or personal data in any label."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Clock
from tests.e2e.conftest import Api, api_on


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_count_latency_by_route_decisions_by_reason_and_the_store(api: Api) -> None:
    api.agencies()
    youth = api.youth("20060101")
    assert api.consent(youth, [{"party": "youth"}]).status_code == 201
    assert api.check(youth)["allowed"] is True
    refused = api.check(youth, category="social_services_assessment")  # outside the scope
    assert refused["allowed"] is False
    reason = refused["reasons"][0]["code"]
    r = api.client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    got = samples(r.text)
    route = (("method", "POST"), ("route", "/v1/decisions/check"))
    assert got[("ledger_http_request_duration_seconds_count", route)] == 2
    assert (
        "ledger_http_request_duration_seconds_bucket",
        (("le", "+Inf"), *route),
    ) in got
    assert (
        got[
            (
                "ledger_decisions_total",
                (("kind", "check"), ("outcome", "refused"), ("reason", reason)),
            )
        ]
        == 1
    )
    assert any(k[0] == "ledger_decisions_total" and ("outcome", "allowed") in k[1] for k in got)
    assert got[("ledger_log_size", ())] == api.tree_size()
    assert got[("ledger_projection_lag_events", ())] == 0
    assert got[("ledger_store_up", ())] == 1
    assert (
        1
        <= got[("ledger_data_key_cache", (("what", "keys"),))]
        <= got[("ledger_data_key_cache", (("what", "max_keys"),))]
    )
    assert got[("ledger_db_pool_connections", (("state", "max"),))] >= 1
    for _name, labels in got:  # labels are templates and codes, never an id
        for _, value in labels:
            assert youth not in value
    ready = api.client.get("/readyz").json()
    assert ready["projections_lag"] == 0 and ready["tree_size"] == api.tree_size()


def test_readyz_is_not_ready_while_an_index_is_behind_the_log_until_a_rebuild(api: Api) -> None:
    """API.md: /readyz is "store reachable, projections caught up within bounds". The indexes are
    written in the events' own transaction, so the bound is 0 unless LEDGER_READY_MAX_LAG says
    otherwise: a reviewer reading from an index that lacks rows would miss them."""
    api.agencies()
    api.youth("20060101")
    ledger = api.client.app.state.ledger  # type: ignore[attr-defined]
    db = ledger.database
    last = api.tree_size() - 1
    with db.cursor(commit=True) as cur:  # the audit index loses its last row, as after a fault
        cur.execute(db.tables.q("DELETE FROM {p}ledger_audit WHERE position = ?"), (last,))
    r = api.client.get("/readyz")
    assert r.status_code == 503
    assert r.json() == {"status": "behind", "tree_size": api.tree_size(), "projections_lag": 1}
    assert samples(api.client.get("/metrics").text)[("ledger_projection_lag_events", ())] == 1
    ledger.rebuild_indexes()
    r = api.client.get("/readyz")
    assert r.status_code == 200
    assert r.json()["status"] == "ready" and r.json()["projections_lag"] == 0


def test_readyz_tolerates_the_lag_that_ledger_ready_max_lag_allows(
    tmp_path: Path, clock: Clock
) -> None:
    with api_on("sqlite:///:memory:", tmp_path, clock, ready_max_lag=1) as api:
        client = api.client
        api.agencies()
        api.youth("20060101")
        db = client.app.state.ledger.database  # type: ignore[attr-defined]
        size = api.tree_size()
        with db.cursor(commit=True) as cur:
            cur.execute(db.tables.q("DELETE FROM {p}ledger_audit WHERE position = ?"), (size - 1,))
        assert client.get("/readyz").status_code == 200  # one behind: within the bound
        with db.cursor(commit=True) as cur:
            cur.execute(db.tables.q("DELETE FROM {p}ledger_audit WHERE position = ?"), (size - 2,))
        r = client.get("/readyz")
        assert r.status_code == 503 and r.json()["projections_lag"] == 2
