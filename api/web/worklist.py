"""The coordinator's start page (projections/worklist.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.web.core import WebRoute, page_of
from projections.worklist import SECTIONS, worklist

router = APIRouter(route_class=WebRoute, include_in_schema=False)


@router.get("/worklist")
def worklist_page(request: Request) -> Response:
    page = page_of(request)
    work = worklist(page.ledger, page.ctx)
    return page.render("web/worklist.html", work=work, sections=SECTIONS)
