"""Prometheus metrics through prometheus-client, one registry per app (so per worker process):
requests by route and status, request latency by route, decision outcomes by reason, and, read
at each scrape, the log size, the projection lag, the database pool and the store's breaker.
Labels are route templates, status codes and reason codes: never an id, a name or a number."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

disable_created_metrics()  # type: ignore[no-untyped-call]  # no `_created` series
CONTENT_TYPE = CONTENT_TYPE_LATEST
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "ledger_http_requests",
            "HTTP requests by method, route and status.",
            ["method", "route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "ledger_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.decisions = Counter(
            "ledger_decisions",
            "Sharing decisions (checks and disclosures) by kind, outcome and reason code.",
            ["kind", "outcome", "reason"],
            registry=r,
        )
        self.log_size = Gauge("ledger_log_size", "Events in the Merkle log.", registry=r)
        self.projection_lag = Gauge(
            "ledger_projection_lag_events",
            "Events in the log that the audit index does not hold yet.",
            registry=r,
        )
        self.store_up = Gauge(
            "ledger_store_up", "1 if the store answered this scrape, else 0.", registry=r
        )
        self.store_trips = Gauge(
            "ledger_store_unavailable_trips",
            "Times this process found the store away since it started (PostgreSQL).",
            registry=r,
        )
        self.pool = Gauge(
            "ledger_db_pool_connections",
            "Database connections of this process: open, in_use, max.",
            ["state"],
            registry=r,
        )
        self.pool_waiting = Gauge(
            "ledger_db_pool_waiting", "Requests waiting for a database connection.", registry=r
        )
        self.cache = Gauge(
            "ledger_aggregate_cache",
            "The aggregate cache of this process: events held, their bound, aggregates held.",
            ["what"],
            registry=r,
        )
        self.keys = Gauge(
            "ledger_data_key_cache",
            "The unwrapped data keys this process holds, and their bound.",
            ["what"],
            registry=r,
        )

    def count(self, method: str, path: str, status: int, seconds: float | None = None) -> None:
        self.requests.labels(method, path, str(status)).inc()
        if seconds is not None:
            self.latency.labels(method, path).observe(seconds)

    def decided(self, kind: str, decision: Any) -> None:
        """Count one decision (its JSON form) under each of its reason codes."""
        if not isinstance(decision, dict) or "allowed" not in decision:
            return
        outcome = "allowed" if decision["allowed"] else "refused"
        codes = [r.get("code") for r in decision.get("reasons") or [] if isinstance(r, dict)]
        for code in codes or ["NONE"]:
            self.decisions.labels(kind, outcome, str(code)).inc()

    def render(self, ledger: Any) -> bytes:
        """The text exposition; the store's figures are read now (absent if it does not answer)."""
        try:
            db = ledger.database
            size, lag = db.read(db.tables.size_and_lag)
            self.log_size.set(size)
            self.projection_lag.set(lag)
            self.store_up.set(1)
        except Exception:  # metrics answer even when the store does not
            self.store_up.set(0)
        try:
            stats = ledger.database.pool_stats()
            for state in ("open", "in_use", "max"):
                self.pool.labels(state).set(stats[state])
            self.pool_waiting.set(stats["waiting"])
            self.store_trips.set(ledger.database.breaker_trips)
        except Exception:  # a pool closed or of another kind: leave the last figures
            pass
        cache = ledger.repository.cache
        self.cache.labels("events").set(cache.events)
        self.cache.labels("max_events").set(cache.max_events)
        self.cache.labels("aggregates").set(len(cache))
        self.keys.labels("keys").set(ledger.keyring.held())
        self.keys.labels("max_keys").set(ledger.keyring.cache_size)
        return generate_latest(self.registry)


class CountRequests:
    """ASGI middleware counting and timing each HTTP request by method, route template and status
    (a plain ASGI wrapper: Starlette's BaseHTTPMiddleware costs a task and a stream per request)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # unless a response starts: an unhandled error
        started = time.perf_counter()

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.count(scope["method"], path, status, time.perf_counter() - started)
