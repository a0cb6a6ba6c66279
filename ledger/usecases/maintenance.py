"""Use cases of operations: crypto-shredding a youth's personal data, and rebuilding the derived
indexes (audit index, lookups) from the events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from ledger.application import Request
from ledger.entries import entry_meta
from ledger.errors import Invalid
from ledger.personal import reveal
from ledger.timeutil import iso
from ledger.usecases.sharing import SharingUseCases

ENTITY_KEYS: dict[str, tuple[str, str]] = {
    "Youth.GuardianAdded": ("guardian", "guardian_id"),
    "Youth.CaseOpened": ("case", "case_id"),
    "Youth.ConsentGranted": ("consent", "consent_id"),
    "Youth.DisclosureRecorded": ("disclosure", "disclosure_id"),
    "Youth.DisclosureRefused": ("disclosure", "disclosure_id"),
}


class MaintenanceUseCases(SharingUseCases):
    def erase(self, request: Request, youth_id: str, *, reason: str) -> dict[str, Any]:
        """Crypto-shred: record the erasure, drop the personnummer lookup, destroy the data key.
        The events stay (and so does the Merkle log); their sealed personal fields become
        unreadable everywhere, including backups."""
        self.require(request.actor, "admin")
        if not reason.strip():
            raise Invalid.field("reason", "must not be empty")
        youth = self.youth(youth_id, for_update=True)
        if youth.erased is None:
            digits = reveal(youth.personal_number)
            unlookups = (self.personal_number_key(digits),) if digits else ()
            youth.erase(reason=reason.strip(), actor=request.actor, now=self.now())
            self.save(youth, unlookups=unlookups)
        self.keyring.destroy(str(youth.id))
        erased = self.youth(youth.id).erased
        assert erased is not None
        return {"id": str(youth.id), "erased": True, "erased_at": iso(erased.recorded_at)}

    def rebuild_indexes(self, progress: Callable[[int], None] | None = None) -> int:
        """Derive the audit index and lookups again from every stored event, in log order, in
        one transaction: readers see the old indexes or the new, never a half-built one."""
        tables = self.database.tables
        done = 0
        with self.database.cursor(commit=True) as cur:
            tables.clear_derived(cur)
            start = 0
            while True:
                rows = tables.log_rows(cur, start, 1000)
                if not rows:
                    break
                for row in rows:
                    stored = self.recorder.select_events(
                        UUID(row.originator_id),
                        gt=row.originator_version - 1,
                        lte=row.originator_version,
                    )
                    event = self.mapper.to_domain_event(stored[0])
                    tables.reindex(cur, row.position, entry_meta(event), self._lookups_of(event))
                    if type(event).__qualname__ == "Youth.Erased":
                        tables.unindex_youth(cur, str(event.originator_id), prefix="pnr:")
                    done += 1
                start = rows[-1].position + 1
                if progress:
                    progress(done)
        return done

    def _lookups_of(self, event: Any) -> list[tuple[str, str]]:
        name = type(event).__qualname__
        youth_id = str(event.originator_id)
        if name == "Youth.Registered":
            digits = reveal(event.personal_number)
            return [(self.personal_number_key(digits), youth_id)] if digits else []
        if name in ENTITY_KEYS:
            kind, attr = ENTITY_KEYS[name]
            return [(f"{kind}:{getattr(event, attr)}", youth_id)]
        return []
