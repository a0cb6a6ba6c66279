"""Use cases of operations: crypto-shredding a youth's personal data, and rebuilding the derived
indexes (audit index, lookups) from the events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ledger.access import require_role
from ledger.application import Request
from ledger.entries import EntryMeta, entry_meta
from ledger.errors import Invalid
from ledger.integrity import InconsistentLog, topic_class
from ledger.personal import reveal
from ledger.sealing import SealingMapper
from ledger.store.integrity_sql import EntryRow, IntegritySql
from ledger.store.tables import DropKeys, LookupChange, PointKey
from ledger.timeutil import iso
from ledger.usecases.sharing import SharingUseCases

# The only events whose index rows need a personal value opened: the personnummer lookup.
PERSONAL_NUMBER_EVENTS = ("Youth.Registered", "Youth.PersonalNumberCorrected")
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
        self, progress: Callable[[int], None] | None = None, chunk: int = 8192
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
            stop = min(start + chunk, size)
            entries: list[tuple[int, EntryMeta]] = []
            lookups: list[LookupChange] = []
            rows = list(events.entries(start, stop))
            # the data keys of the chunk's personnummer events in one read, not one read each
            self.keyring.preload(
                str(UUID(row.stream_id)) for row in rows if _opens_personal_number(row)
            )
            for row in rows:
                event = self._indexed_event(row)
                entries.append((row.position, entry_meta(event)))
                lookups += self._lookup_changes(event)
            with self.database.cursor(commit=True) as cur:
                tables.reindex(cur, entries, lookups)
            if progress:
                progress(stop)
        return size

    def _indexed_event(self, row: EntryRow) -> Any:
        """The stored event at a log position, its personal values opened only where a lookup
        is derived from one (the personnummer): the index holds no personal data."""
        if row.stream_id is None or row.topic is None or row.state is None:
            msg = f"position {row.position} has no stored event: run `ledger verify`"
            raise InconsistentLog(msg)
        stored = StoredEvent(UUID(row.stream_id), row.version, row.topic, row.state)
        assert isinstance(self.mapper, SealingMapper)
        if _opens_personal_number(row):
            return self.mapper.to_domain_event(stored)
        return self.mapper.to_sealed_domain_event(stored)

    def _lookup_changes(self, event: Any) -> list[LookupChange]:
        """What the event changes in the lookup index, in order, as the writes changed it: a
        correction or an erasure drops the youth's personnummer keys first."""
        name = type(event).__qualname__
        youth_id = str(event.originator_id)
        changes: list[LookupChange] = []
        if name in ("Youth.PersonalNumberCorrected", "Youth.Erased"):
            changes.append(DropKeys(youth_id, "pnr:"))
        if name in PERSONAL_NUMBER_EVENTS:
            digits = reveal(event.personal_number)
            if digits:
                changes.append(PointKey(self.personal_number_key(digits), youth_id))
        elif name in ENTITY_KEYS:
            kind, attr = ENTITY_KEYS[name]
            changes.append(PointKey(f"{kind}:{getattr(event, attr)}", youth_id))
        return changes


def _opens_personal_number(row: EntryRow) -> bool:
    """Whether a rebuild opens this event's personal values: the personnummer the lookup needs."""
    return (
        row.stream_id is not None
        and row.topic is not None
        and topic_class(row.topic) in PERSONAL_NUMBER_EVENTS
    )
