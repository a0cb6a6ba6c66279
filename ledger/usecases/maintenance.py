"""Use cases of operations: crypto-shredding a youth's personal data, and rebuilding the derived
indexes (audit index, lookups) from the events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ledger.access import require_role
from ledger.application import Request
from ledger.entries import entry_meta
from ledger.errors import Invalid
from ledger.integrity import InconsistentLog
from ledger.personal import reveal
from ledger.store.integrity_sql import IntegritySql
from ledger.timeutil import iso
from ledger.usecases.sharing import SharingUseCases

ENTITY_KEYS: dict[str, tuple[str, str]] = {
    "Youth.GuardianAdded": ("guardian", "guardian_id"),
    "Youth.CaseOpened": ("case", "case_id"),
    "Youth.ConsentGranted": ("consent", "consent_id"),
    "Youth.DisclosureRecorded": ("disclosure", "disclosure_id"),
    "Youth.DisclosureRefused": ("disclosure", "disclosure_id"),
    "Youth.MeetingRecorded": ("meeting", "meeting_id"),
}


class MaintenanceUseCases(SharingUseCases):
    def erase(
        self,
        request: Request,
        youth_id: str,
        *,
        reason: str,
        approved_by: str | None = None,
        disposal_date: str | None = None,
    ) -> dict[str, Any]:
        """Crypto-shred: record the erasure, drop the personnummer lookup, destroy the data key.
        The events stay (and so does the Merkle log); their sealed personal fields become
        unreadable everywhere, including backups."""
        require_role(request.actor, "admin")
        if not reason.strip():
            raise Invalid.field("reason", "must not be empty")
        youth = self.youth(youth_id, for_update=True)
        if youth.erased is None:
            digits = reveal(youth.personal_number)
            unlookups = (self.personal_number_key(digits),) if digits else ()
            youth.erase(
                reason=reason.strip(),
                actor=request.actor,
                now=self.now(),
                approved_by=approved_by,
                disposal_date=disposal_date,
            )
            self.save(youth, unlookups=unlookups)
        self.keyring.destroy(str(youth.id))
        self.database.purge_destroyed_keys()
        assert youth.erased is not None
        return {"id": str(youth.id), "erased": True, "erased_at": iso(youth.erased.recorded_at)}

    def rebuild_indexes(
        self, progress: Callable[[int], None] | None = None, chunk: int = 2000
    ) -> int:
        """Derive the audit index and lookups again from every stored event, in log order.
        Each chunk is read first and then written in its own transaction (reads inside a write
        transaction would wait on it), so memory stays bounded; an interrupted rebuild is simply
        run again."""
        tables = self.database.tables
        events = IntegritySql(self.database)
        self.database.write(tables.clear_derived)
        size = events.tree_size()
        for start in range(0, size, chunk):
            derived = []
            for row in events.entries(start, min(start + chunk, size)):
                if row.stream_id is None or row.topic is None or row.state is None:
                    msg = f"position {row.position} has no stored event: run `ledger verify`"
                    raise InconsistentLog(msg)
                stored = StoredEvent(UUID(row.stream_id), row.version, row.topic, row.state)
                event = self.mapper.to_domain_event(stored)
                derived.append((row.position, event))
            with self.database.cursor(commit=True) as cur:
                for position, event in derived:
                    if type(event).__qualname__ == "Youth.PersonalNumberCorrected":
                        tables.unindex_youth(cur, str(event.originator_id), prefix="pnr:")
                    tables.reindex(cur, position, entry_meta(event), self._lookups_of(event))
                    if type(event).__qualname__ == "Youth.Erased":
                        tables.unindex_youth(cur, str(event.originator_id), prefix="pnr:")
            if progress:
                progress(min(start + chunk, size))
        return size

    def _lookups_of(self, event: Any) -> list[tuple[str, str]]:
        name = type(event).__qualname__
        youth_id = str(event.originator_id)
        if name in ("Youth.Registered", "Youth.PersonalNumberCorrected"):
            digits = reveal(event.personal_number)
            return [(self.personal_number_key(digits), youth_id)] if digits else []
        if name in ENTITY_KEYS:
            kind, attr = ENTITY_KEYS[name]
            return [(f"{kind}:{getattr(event, attr)}", youth_id)]
        return []
