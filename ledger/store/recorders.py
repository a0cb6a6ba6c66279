"""Event-store recorders that write the ledger's own tables (tables.py) in the same transaction as
the events: SQLite (file or memory) and PostgreSQL. Selected by `APPLICATION_RECORDER_TOPIC`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore

from ledger.store.availability import guard_postgres
from ledger.store.tables import POSTGRES, SQLITE, Tables


class LedgerSQLiteRecorder(SQLiteApplicationRecorder):
    def __init__(
        self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"
    ) -> None:
        self.tables = Tables(SQLITE, events_table=events_table_name)
        super().__init__(datastore, events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *self.tables.create_statements()]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        if stored_events:
            self.tables.append(c, stored_events, **kwargs)
        return ids


class LedgerPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        guard_postgres(datastore)  # fail fast while the server is away
        from psycopg.sql import SQL

        self.tables = Tables(POSTGRES, datastore.schema, events_table=self.events_table_name)
        self.sql_create_statements.extend(SQL(s).format() for s in self.tables.create_statements())

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # No pipeline: the ledger's rows need the position computed under the table lock, which
        # `_insert_stored_events` takes, so the dense positions follow commit order.
        if not stored_events:
            return []
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._insert_stored_events(curs, stored_events, **kwargs)
            ids = self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
            self.tables.append(curs, stored_events, **kwargs)
            return ids
