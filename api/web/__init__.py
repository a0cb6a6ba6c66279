"""The web pages (issue 13): server-rendered, Swedish by default, on the same use cases and the
same access policy as the API (every page calls the Ledger's methods with the signed-in actor)."""

from __future__ import annotations

from fastapi import APIRouter

from api.web import admin, auth, consents, reports, sharing, worklist, youths

router = APIRouter(include_in_schema=False)
router.include_router(auth.router)
router.include_router(youths.router)
router.include_router(worklist.router)
router.include_router(sharing.router)
router.include_router(consents.router)
router.include_router(reports.router)
router.include_router(admin.router)
