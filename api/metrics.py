"""Prometheus text metrics: request counts by route and status, decision outcomes, tree size."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Awaitable, Callable

from fastapi import Request, Response


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[tuple[str, str, int]] = Counter()

    async def middleware(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        with self._lock:
            self.requests[(request.method, path, response.status_code)] += 1
        return response

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
