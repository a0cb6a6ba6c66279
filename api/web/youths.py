"""Find and register a youth, add guardians, open a case, and the youth's overview with its
timeline. Every read and write is a Ledger use case with the signed-in actor."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.web import timeline
from api.web.core import Form, Page, WebRoute, field_errors, page_of, posted, redirect
from api.web.forms import instant
from ledger.errors import AlreadyExists, Invalid
from ledger.timeutil import turns

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def labels(entries: list[dict[str, Any]], lang: str) -> list[tuple[str, str]]:
    return [(e["id"], e["label_en"] if lang == "en" else e["label_sv"]) for e in entries]


def agency_options(page: Page) -> list[tuple[str, str]]:
    return [(a["id"], f"{a['name']} ({a['id']})") for a in page.ledger.list_agencies()]


@router.get("/youths")
def find_page(request: Request) -> Response:
    page = page_of(request)
    return _find(page, number="", found=None, searched=False, errors={})


@router.post("/youths/find")
async def find(request: Request) -> Response:
    """A look-up by personnummer is a post, so that the number stays out of addresses (the
    browser's history, bookmarks)."""
    page, form = await posted(request)
    number = form.get("personal_number").strip()
    errors: dict[str, str] = {}
    results: list[dict[str, Any]] = []
    try:
        results = page.ledger.find_youths(page.ctx, number)
    except Invalid as e:
        errors = field_errors(e)
    if results and "personal_number" in results[0]:
        return redirect(f"/youths/{results[0]['id']}")
    found = results[0] if results else None
    return _find(
        page,
        number=number,
        found=found,
        searched=not errors,
        errors=errors,
        status=422 if errors else 200,
    )


def _find(
    page: Page,
    *,
    number: str,
    found: dict[str, Any] | None,
    searched: bool,
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    return page.render(
        "web/find.html",
        status=status,
        number=number,
        found=found,
        searched=searched,
        errors=errors,
        values={"personal_number": number},
        reg_errors={},
        existing=None,
    )


@router.post("/youths")
async def register(request: Request) -> Response:
    page, form = await posted(request)
    try:
        _, body = page.ledger.register_youth(
            page.command(), personal_number=form.get("personal_number"), name=form.text("name")
        )
    except Invalid as e:
        return _find_again(page, form, reg_errors=field_errors(e))
    except AlreadyExists as e:
        return _find_again(page, form, existing=e.existing_id, status=409)
    return redirect(f"/youths/{body['id']}")


def _find_again(
    page: Page,
    form: Form,
    *,
    reg_errors: dict[str, str] | None = None,
    existing: str | None = None,
    status: int = 422,
) -> Response:
    return page.render(
        "web/find.html",
        status=status,
        number="",
        found=None,
        searched=False,
        errors={},
        values=form.values(),
        reg_errors=reg_errors or {},
        existing=existing,
    )


@router.get("/youths/{youth_id}")
def overview(youth_id: str, request: Request) -> Response:
    page = page_of(request)
    ctx = page.ctx
    youth = page.ledger.read_youth(ctx, youth_id)
    consents = page.ledger.list_consents(ctx, youth_id)
    disclosures = page.ledger.list_disclosures(
        ctx, youth_id=youth_id, agency_id=None, since=None, until=None, include_refused=True
    )
    disclosures.sort(key=lambda d: d["occurred_at"])
    now = page.ledger.now()
    picture = timeline.build(youth, consents, disclosures, now, page.lang)
    guardian_names = {g["guardian_id"]: g["name"] for g in youth["guardians"]}
    return page.render(
        "web/youth.html",
        youth=youth,
        consents=consents,
        disclosures=disclosures,
        tl=picture,
        eighteen=turns(datetime.fromisoformat(youth["birth_date"]).date(), 18),
        guardian_names=guardian_names,
        may_write=page.actor is not None and page.actor.has("coordinator"),
        may_review=page.actor is not None and page.actor.has("coordinator", "auditor"),
    )


@router.get("/youths/{youth_id}/guardians/new")
def guardian_form(youth_id: str, request: Request) -> Response:
    page = page_of(request)
    page.may_write(page.ledger.youth(youth_id))
    youth = page.ledger.read_youth(page.ctx, youth_id)
    return page.render("web/guardian_new.html", youth=youth, values={"custody": "joint"}, errors={})


@router.post("/youths/{youth_id}/guardians")
async def add_guardian(youth_id: str, request: Request) -> Response:
    page, form = await posted(request)
    errors: dict[str, str] = {}
    effective_at = instant(form, "effective_at", errors)
    if not errors:
        try:
            page.ledger.add_guardian(
                page.command(),
                youth_id,
                name=form.get("name"),
                personal_number=form.text("personal_number"),
                custody=form.get("custody"),
                effective_at=effective_at,
            )
        except Invalid as e:
            errors = field_errors(e)
    if errors:
        youth = page.ledger.read_youth(page.ctx, youth_id)
        return page.render(
            "web/guardian_new.html", status=422, youth=youth, values=form.values(), errors=errors
        )
    if form.get("again") == "on":
        return redirect(f"/youths/{youth_id}/guardians/new")
    return redirect(f"/youths/{youth_id}")


@router.get("/youths/{youth_id}/cases/new")
def case_form(youth_id: str, request: Request) -> Response:
    page = page_of(request)
    page.may_write(page.ledger.youth(youth_id))
    youth = page.ledger.read_youth(page.ctx, youth_id)
    assert page.actor is not None
    values = {"form": "SSPF", "agencies": [page.actor.agency_id]}
    return page.render(
        "web/case_new.html", youth=youth, values=values, errors={}, agencies=agency_options(page)
    )


@router.post("/youths/{youth_id}/cases")
async def open_case(youth_id: str, request: Request) -> Response:
    page, form = await posted(request)
    try:
        page.ledger.open_case(
            page.command(),
            youth_id=youth_id,
            form=form.get("form"),
            agencies=form.getlist("agencies"),
            coordinator_actor_id=form.text("coordinator_actor_id"),
        )
    except Invalid as e:
        youth = page.ledger.read_youth(page.ctx, youth_id)
        return page.render(
            "web/case_new.html",
            status=422,
            youth=youth,
            values=form.values(),
            errors=field_errors(e),
            agencies=agency_options(page),
        )
    return redirect(f"/youths/{youth_id}")
