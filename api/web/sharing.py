"""Check before sharing (staff): the decision with its reasons in plain words, then "record this
disclosure", and "document a disclosure that already happened" (retrospective). The check and
the disclosure are Ledger.check and Ledger.disclose, as POST /v1/decisions/check and
POST /v1/disclosures are."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.web.core import Form, Page, WebRoute, field_errors, page_of, posted
from api.web.forms import instant
from api.web.i18n import reason
from api.web.youths import agency_options, labels
from ledger.errors import Invalid

router = APIRouter(route_class=WebRoute, include_in_schema=False)
FIELDS = (
    "youth",
    "to_agency",
    "category",
    "purpose",
    "situation",
    "at",
    "provision",
    "note",
    "concerns_others",
)


def options(page: Page) -> dict[str, Any]:
    catalogue = page.ledger.catalogue.as_json()
    assert page.actor is not None
    return {
        "agencies": [a for a in agency_options(page) if a[0] != page.actor.agency_id],
        "categories": labels(catalogue["categories"], page.lang),
        "purposes": labels(catalogue["purposes"], page.lang),
        "situations": labels(catalogue["situations"], page.lang),
        "provisions": labels(catalogue["provisions"], page.lang),
    }


@router.get("/share")
def share_page(request: Request) -> Response:
    page = page_of(request)
    values: dict[str, Any] = {"youth": request.query_params.get("youth_id", "")}
    return page.render(
        "web/share.html",
        values=values,
        errors={},
        decision=None,
        retro_values={},
        retro_errors={},
        outcome=None,
        **options(page),
    )


def youth_of(page: Page, form: Form, name: str, errors: dict[str, str]) -> str | None:
    """The youth by id or by personnummer (Ledger.find_youths, logged as a look-up)."""
    given = form.get(name).strip()
    if not given:
        errors[name] = "is required"
        return None
    try:
        return str(uuid.UUID(given))
    except ValueError:
        pass
    try:
        found = page.ledger.find_youths(page.ctx, given)
    except Invalid as e:
        errors[name] = "; ".join(m for _, m in e.errors)
        return None
    if not found:
        errors[name] = "no youth with this personal number is in the ledger"
        return None
    return str(found[0]["id"])


def _required(form: Form, names: tuple[str, ...], errors: dict[str, str]) -> None:
    for name in names:
        if not form.get(name).strip():
            errors.setdefault(name, "is required")


# The use cases name the API's fields; the form has one recipient and one category.
FORM_FIELD = {
    "youth_id": "youth",
    "to_agencies": "to_agency",
    "categories": "category",
    "from_agency": "youth",
    "basis.provision": "provision",
    "basis.note": "note",
}


def _beside_fields(e: Invalid) -> dict[str, str]:
    return {FORM_FIELD.get(k, k): m for k, m in field_errors(e).items()}


def _concerns(form: Form) -> bool | None:
    return {"yes": True, "no": False}.get(form.get("concerns_others"))


@router.post("/share/check")
async def check(request: Request) -> Response:
    page, form = await posted(request)
    assert page.actor is not None
    errors: dict[str, str] = {}
    youth_id = youth_of(page, form, "youth", errors)
    _required(form, ("to_agency", "category"), errors)
    at = instant(form, "at", errors)
    decision = None
    if not errors and youth_id is not None:
        q = {
            "from_agency": page.actor.agency_id,
            "to_agency": form.get("to_agency"),
            "youth_id": youth_id,
            "category": form.get("category"),
            "purpose": form.text("purpose"),
            "situation": form.text("situation"),
            "at": at,
            "provision": form.text("provision"),
            "note": form.text("note"),
            "concerns_others": _concerns(form),
        }
        try:
            decision = page.ledger.check(page.ctx, q)
        except Invalid as e:
            errors = _beside_fields(e)
    values = form.values()
    if youth_id:
        values["youth_id"] = youth_id
    return page.render(
        "web/share.html",
        status=422 if errors else 200,
        values=values,
        errors=errors,
        decision=_explained(decision, page.lang),
        retro_values={},
        retro_errors={},
        outcome=None,
        **options(page),
    )


def _explained(decision: dict[str, Any] | None, lang: str) -> dict[str, Any] | None:
    if decision is None:
        return None
    return {
        **decision,
        "explained": [
            {"code": r["code"], "words": reason(lang, r["code"]), "message": r["message"]}
            for r in decision["reasons"]
        ],
    }


@router.post("/share/disclose")
async def disclose(request: Request) -> Response:
    """Record a disclosure just checked, or (retrospective=on) one that already happened."""
    page, form = await posted(request)
    assert page.actor is not None
    retrospective = form.checked("retrospective")
    errors: dict[str, str] = {}
    youth_id = youth_of(page, form, "youth", errors)
    _required(form, ("to_agency", "category", "purpose"), errors)
    occurred_at = instant(form, "occurred_at" if retrospective else "at", errors)
    if retrospective and occurred_at is None:
        errors.setdefault("occurred_at", "is required for a disclosure that already happened")
    status, body = 0, None
    if not errors and youth_id is not None:
        provision = form.text("provision")
        cmd = {
            "from_agency": page.actor.agency_id,
            "to_agencies": [form.get("to_agency")],
            "youth_id": youth_id,
            "categories": [form.get("category")],
            "purpose": form.get("purpose"),
            "situation": form.text("situation"),
            "occurred_at": occurred_at,
            "retrospective": retrospective,
            "basis": {"kind": "statutory", "provision": provision, "note": form.text("note")}
            if provision
            else {"kind": "consent"},
            "channel": form.text("channel"),
            "recipient_person": form.text("recipient_person"),
            "concerns_others": _concerns(form),
        }
        try:
            status, body = page.ledger.disclose(page.command(), cmd)
        except Invalid as e:
            errors = _beside_fields(e)
    values = form.values()
    if errors:
        return page.render(
            "web/share.html",
            status=422,
            values={} if retrospective else values,
            errors={} if retrospective else errors,
            decision=None,
            retro_values=values if retrospective else {},
            retro_errors=errors if retrospective else {},
            outcome=None,
            **options(page),
        )
    assert body is not None
    decision = body["decision"]
    outcome = {"recorded": status < 400, "youth_id": youth_id, "id": body.get("id")}
    return page.render(
        "web/share.html",
        status=200 if status < 400 else 403,
        values={"youth": youth_id},
        errors={},
        decision=_explained(decision, page.lang),
        retro_values={},
        retro_errors={},
        outcome=outcome,
        **options(page),
    )
