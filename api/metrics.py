"""Prometheus text metrics: request counts by route and status, decision outcomes, tree size."""

from __future__ import annotations

import threading
from collections import Counter

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[tuple[str, str, int]] = Counter()

    def count(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self.requests[(method, path, status)] += 1

    def render(self, tree_size: int | None) -> str:
        lines = [
            "# HELP ledger_http_requests_total HTTP requests by method, route and status.",
            "# TYPE ledger_http_requests_total counter",
        ]
        with self._lock:
            for (method, path, status), n in sorted(self.requests.items()):
                lines.append(
                    f'ledger_http_requests_total{{method="{method}",route="{path}",status="{status}"}} {n}'
                )
        if tree_size is not None:
            lines += [
                "# HELP ledger_log_size Events in the Merkle log.",
                "# TYPE ledger_log_size gauge",
                f"ledger_log_size {tree_size}",
            ]
        return "\n".join(lines) + "\n"


class CountRequests:
    """ASGI middleware counting each HTTP request by method, route template and status (a plain
    ASGI wrapper: Starlette's BaseHTTPMiddleware costs a task and a stream per request)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # unless a response starts: an unhandled error

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.count(scope["method"], path, status)
