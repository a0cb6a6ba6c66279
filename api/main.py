"""The FastAPI application: wiring settings, the ledger, integrity and routes."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI

from api import docs, errors
from api.clock import system_clock
from api.headers import SecurityHeaders
from api.limits import BodyLimits
from api.logs import RequestIds
from api.metrics import CountRequests, Metrics
from api.routes import (
    admin,
    audit,
    consents,
    forms,
    integrity,
    meetings,
    ops,
    retention,
    secrecy,
    sharing,
    youths,
)
from api.routes.feed import router as feed_router
from api.routes.fhir import router as fhir_router
from api.routes.receipts import router as receipts_router
from api.settings import Settings
from api.web import router as web_router
from ledger.catalogue import load_catalogue
from ledger.integrity import IntegrityService
from ledger.keys import KeyDirectory
from ledger.policy import load_policy
from ledger.retention import load_retention
from ledger.service import Ledger, open_ledger

log = logging.getLogger("ledger.api")
BOOTSTRAP_AGENCY = "ledger-admin"


def build_ledger(
    settings: Settings, clock: Callable[[], datetime], *, create_tables: bool = True
) -> Ledger:
    keys = KeyDirectory(settings.key_dir)
    env = settings.key_env()
    path = settings.sqlite_path()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    ledger = open_ledger(
        settings.database_url,
        clock=clock,
        master_key=keys.master_key(env),
        policy=load_policy(settings.policy_file),
        catalogue=load_catalogue(settings.catalogue_file),
        create_tables=create_tables,
        cache_events=settings.cache_events,
    )
    ledger.token_lifetime = settings.token_lifetime
    ledger.retention = load_retention(settings.retention_file)
    ledger.documentation = settings.documentation
    return ledger


def build_integrity(settings: Settings, ledger: Ledger) -> IntegrityService:
    keys = KeyDirectory(settings.key_dir)
    env = settings.key_env()
    key_name, private_key = keys.signing_key(env)
    return IntegrityService(
        ledger.database,
        origin=settings.origin,
        key_name=key_name,
        private_key=private_key,
        retired_keys=keys.retired_keys(env),
        clock=ledger.clock,
    )


def create_app(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] = system_clock,
    create_tables: bool = True,
    ledger: Ledger | None = None,
) -> FastAPI:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = ledger is None
        app.state.ledger = ledger or build_ledger(settings, clock, create_tables=create_tables)
        app.state.integrity = build_integrity(settings, app.state.ledger)
        if settings.admin_token:
            app.state.ledger.bootstrap_token(
                settings.admin_token, agency_id=BOOTSTRAP_AGENCY, actor_id="admin", roles=["admin"]
            )
        stop = threading.Event()
        signer = threading.Thread(
            target=_sign_periodically, args=(app, settings, stop), daemon=True
        )
        signer.start()
        try:
            yield
        finally:
            stop.set()
            signer.join(timeout=5)
            if own:
                app.state.ledger.close()

    app = FastAPI(
        title="Consent ledger",
        version="1",
        summary="Consents and information sharing around young people in SIG and SSPF cooperation.",
        lifespan=lifespan,
        docs_url=None,  # the CDN-loaded Swagger UI: api/docs.py serves /docs instead
        redoc_url=None,
    )
    app.state.metrics = Metrics()
    app.state.ready_max_lag = settings.ready_max_lag
    # The last added runs first: errors are contained around everything else.
    app.add_middleware(BodyLimits)
    app.add_middleware(CountRequests, metrics=app.state.metrics)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(errors.ContainErrors)
    app.add_middleware(RequestIds)  # outermost: every log line of the request carries its id
    errors.install(app)
    for module in (
        ops,
        admin,
        youths,
        meetings,
        secrecy,
        retention,
        consents,
        forms,
        sharing,
        audit,
        integrity,
        docs,
    ):
        app.include_router(module.router)
    for router in (feed_router, fhir_router, receipts_router):  # issue 17: interoperability
        app.include_router(router)
    app.include_router(web_router)  # the pages (issue 13), on the same use cases
    return app


def worker_app() -> FastAPI:
    """For `ledger serve`: the tables were made by the serve command before workers started."""
    return create_app(Settings.from_env(), create_tables=False)


def _sign_periodically(app: FastAPI, settings: Settings, stop: threading.Event) -> None:
    interval = max(settings.checkpoint_interval.total_seconds(), 1.0)
    while not stop.wait(interval):
        try:
            app.state.integrity.maybe_checkpoint(settings.checkpoint_interval)
        except Exception as e:  # keep signing on the next tick; the log says why, without data
            log.error("periodic checkpoint failed: %s", type(e).__name__)
