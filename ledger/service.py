"""The ledger as one object, and how to open it on a store named by a URL."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import nullcontext
from datetime import datetime

from ledger.cache import DEFAULT_CACHE_EVENTS
from ledger.catalogue import Catalogue
from ledger.policy import DEFAULT_POLICY, ConsentPolicy
from ledger.store.database import postgres_setup, store_env
from ledger.usecases.forms import FormUseCases
from ledger.usecases.interventions import InterventionUseCases
from ledger.usecases.maintenance import MaintenanceUseCases
from ledger.usecases.meetings import MeetingUseCases
from ledger.usecases.retention import RetentionUseCases
from ledger.usecases.secrecy import SecrecyUseCases


class Ledger(
    FormUseCases,
    MeetingUseCases,
    InterventionUseCases,
    SecrecyUseCases,
    RetentionUseCases,
    MaintenanceUseCases,
):
    """Every use case of the consent ledger over one event store."""


def prepare_store(url: str) -> None:
    """The explicit set-up step: create the schema and tables once, before any worker starts
    (concurrent CREATE TABLE at start-up can fail on PostgreSQL)."""
    open_ledger(url, clock=_never, master_key=bytes(32)).close()


def open_ledger(
    url: str,
    *,
    clock: Callable[[], datetime],
    master_key: bytes,
    policy: ConsentPolicy = DEFAULT_POLICY,
    catalogue: Catalogue | None = None,
    create_tables: bool = True,
    extra_env: Mapping[str, str] | None = None,
    cache_events: int = DEFAULT_CACHE_EVENTS,
) -> Ledger:
    env = store_env(url)
    env["CREATE_TABLE"] = "y" if create_tables else "n"
    env.update(extra_env or {})
    postgres = env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    with postgres_setup(env) if create_tables and postgres else nullcontext():
        return Ledger(
            env,
            clock=clock,
            master_key=master_key,
            policy=policy,
            catalogue=catalogue,
            cache_events=cache_events,
        )


def _never() -> datetime:
    raise RuntimeError("the set-up step reads no clock")
