"""An agency system's local table of "what I may share about whom", kept current from the consent
ledger's change feed (`GET /v1/feed` as Server-Sent Events, resumed with `Last-Event-ID`).

A sketch of an integration, not a part of the ledger: it needs only httpx. The table answers at
once, without a round trip, and refuses as soon as the feed tells it of a revocation (within a
second). What it answers is a first filter: the ledger's own `POST /v1/disclosures` still decides,
and records, each disclosure.

    table = ShareTable("https://ledger.example", token, agency_id="skola-x")
    table.start()
    if table.may_share(youth_id, to_agency="soc-orebro", category="school_attendance",
                       purpose="crime_prevention", situation="network_meeting"):
        ...
    table.stop()
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

LIVE = ("active", "partially_revoked")


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass
class Consent:
    """What the table keeps of one consent: its latest snapshot from the feed."""

    youth_id: str
    status: str
    scope: dict[str, Any]
    valid_from: datetime | None
    valid_until: datetime | None
    lapses_at: datetime | None
    ends_at: datetime | None = None  # a revocation's effective time

    def covers(
        self, from_agency: str, to_agency: str, category: str, purpose: str, situation: str
    ) -> bool:
        scope = self.scope
        agencies = set(scope.get("agencies") or ())
        if from_agency == to_agency or not {from_agency, to_agency} <= agencies:
            return False
        directions = scope.get("directions")
        if directions is not None and {"from": from_agency, "to": to_agency} not in directions:
            return False
        purposes, situations = scope.get("purposes"), scope.get("situations")
        # A consent that names no purposes or situations (a dict of exclusions) covers none.
        return (
            category in (scope.get("categories") or ())
            and isinstance(purposes, list)
            and purpose in purposes
            and isinstance(situations, list)
            and situation in situations
        )

    def holds_at(self, at: datetime) -> bool:
        if self.status not in LIVE:
            return False
        if self.valid_from is not None and at < self.valid_from:
            return False
        if self.valid_until is not None and at > self.valid_until:
            return False
        if self.lapses_at is not None and at >= self.lapses_at:
            return False
        return self.ends_at is None or at < self.ends_at


class ShareTable:
    """Follows the feed in a background thread and keeps one row per consent."""

    def __init__(self, base_url: str, token: str, *, agency_id: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.agency_id = agency_id
        self.consents: dict[str, Consent] = {}
        self.last_event_id: str | None = None
        self.applied = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the table --------------------------------------------------------------------------
    def may_share(
        self,
        youth_id: str,
        *,
        to_agency: str,
        category: str,
        purpose: str,
        situation: str,
        at: datetime | None = None,
    ) -> bool:
        at = at or datetime.now(UTC)
        with self._lock:
            rows = [c for c in self.consents.values() if c.youth_id == youth_id]
        return any(
            c.holds_at(at) and c.covers(self.agency_id, to_agency, category, purpose, situation)
            for c in rows
        )

    def apply(self, item: dict[str, Any]) -> None:
        """One feed item into the table."""
        consent_id = item.get("consent_id")
        snapshot = item.get("consent")
        with self._lock:
            self.last_event_id = item["id"]
            self.applied += 1
            if consent_id is None or snapshot is None:
                return  # a case or a disclosure: nothing to keep here
            row = Consent(
                youth_id=item["youth_id"],
                status=snapshot["status"],
                scope=snapshot["scope"],
                valid_from=_instant(snapshot.get("valid_from")),
                valid_until=_instant(snapshot.get("valid_until")),
                lapses_at=_instant(snapshot.get("lapses_at")),
            )
            if item["type"] == "consent.revoked":
                row.ends_at = _instant(item.get("occurred_at"))
            self.consents[consent_id] = row

    # -- following the feed -----------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._follow, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _follow(self) -> None:
        while not self._stop.is_set():
            # The server went away or the stream ended: reconnect where we were.
            with contextlib.suppress(httpx.HTTPError):
                self._read_stream()
            self._stop.wait(1.0)

    def _read_stream(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "text/event-stream"}
        if self.last_event_id is not None:
            headers["Last-Event-ID"] = self.last_event_id
        timeout = httpx.Timeout(10.0, read=30.0)
        with httpx.stream(
            "GET", f"{self.base_url}/v1/feed", headers=headers, timeout=timeout
        ) as response:
            response.raise_for_status()
            data: list[str] = []
            for line in response.iter_lines():
                if self._stop.is_set():
                    return
                if line == "":
                    if data:
                        self.apply(json.loads("\n".join(data)))
                    data = []
                elif line.startswith("data:"):
                    data.append(line[5:].lstrip(" "))


def wait_until(condition: Any, seconds: float, step: float = 0.02) -> float | None:
    """Seconds until `condition()` held, or None if it did not within `seconds`."""
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        if condition():
            return time.monotonic() - began
        time.sleep(step)
    return None
