"""Record a consent as on the paper form, and the consent's page: its status and what it waits
for, a further signature, extension, revocation (full or partial) and annulment. Each is the
Ledger use case POST /v1/consents… calls, with the signed-in actor; a refused form is shown
again with the server's message beside each field it names and everything typed kept."""

from __future__ import annotations

from itertools import permutations
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.web.core import Form, Page, WebRoute, field_errors, page_of, posted, redirect
from api.web.forms import instant, local_input
from api.web.youths import agency_options, labels
from ledger.errors import Conflict, Invalid
from projections.receipt import consent_receipt

router = APIRouter(route_class=WebRoute, include_in_schema=False)
SCOPE_PARTS = ("agencies", "categories", "purposes", "situations")


def scope_options(page: Page) -> dict[str, Any]:
    catalogue = page.ledger.catalogue.as_json()
    agencies = agency_options(page)
    return {
        "agencies": agencies,
        "categories": labels(catalogue["categories"], page.lang),
        "purposes": labels(catalogue["purposes"], page.lang),
        "situations": labels(catalogue["situations"], page.lang),
        "directions": [(f"{a}>{b}", f"{a} → {b}") for (a, _), (b, _) in permutations(agencies, 2)],
    }


def scope_of(form: Form, prefix: str, *, whole: bool) -> dict[str, Any]:
    scope: dict[str, Any] = {part: form.getlist(f"{prefix}.{part}") for part in SCOPE_PARTS}
    pairs = [d.split(">", 1) for d in form.getlist(f"{prefix}.directions") if ">" in d]
    directions = [{"from": a, "to": b} for a, b in pairs]
    scope["directions"] = directions if directions else None
    if not whole:
        scope = {k: v for k, v in scope.items() if v}
    return scope


def giver_of(value: str) -> dict[str, Any]:
    if value.startswith("guardian:"):
        return {"party": "guardian", "guardian_id": value.split(":", 1)[1]}
    return {"party": value}


def giver_options(page: Page, youth: dict[str, Any]) -> list[tuple[str, str]]:
    out = [("youth", page.t("giver.youth") + (f" ({youth['name']})" if youth["name"] else ""))]
    for g in youth["guardians"]:
        if not g["ended_at"]:
            custody = page.t("custody." + g["custody"])
            out.append((f"guardian:{g['guardian_id']}", f"{g['name']} ({custody})"))
    return out


def assessment_of(form: Form, errors: dict[str, str]) -> dict[str, Any] | None:
    keys = ("assessed_by", "assessed_at", "rationale", "outcome")
    if not any(form.text(f"maturity_assessment.{k}") for k in keys if k != "assessed_by"):
        return None
    return {
        "assessed_by": form.text("maturity_assessment.assessed_by"),
        "assessed_at": instant(form, "maturity_assessment.assessed_at", errors),
        "rationale": form.text("maturity_assessment.rationale"),
        "outcome": form.text("maturity_assessment.outcome"),
    }


def _problem(errors: dict[str, str], e: Invalid | Conflict) -> dict[str, str]:
    if isinstance(e, Invalid):
        return {**errors, **field_errors(e)}
    return {**errors, "body": e.detail}


# -- record a consent ---------------------------------------------------------------------------
@router.get("/youths/{youth_id}/consents/new")
def consent_form(youth_id: str, request: Request) -> Response:
    page = page_of(request)
    page.may_write(page.ledger.youth(youth_id))
    youth = page.ledger.read_youth(page.ctx, youth_id)
    assert page.actor is not None
    values: dict[str, Any] = {
        "method": "written",
        "obtained_at": local_input(page.ledger.now()),
        "scope.agencies": [page.actor.agency_id],
        "maturity_assessment.assessed_by": page.actor.actor_id,
    }
    return _consent_page(page, youth, values, {})


def _consent_page(
    page: Page,
    youth: dict[str, Any],
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    return page.render(
        "web/consent_new.html",
        status=status,
        youth=youth,
        values=values,
        errors=errors,
        givers=giver_options(page, youth),
        cases=[(c["id"], f"{c['form']} ({', '.join(c['agencies'])})") for c in youth["cases"]],
        **scope_options(page),
    )


@router.post("/youths/{youth_id}/consents")
async def grant(youth_id: str, request: Request) -> Response:
    page, form = await posted(request)
    errors: dict[str, str] = {}
    cmd = {
        "youth_id": youth_id,
        "case_id": form.text("case_id"),
        "givers": [giver_of(g) for g in form.getlist("givers")],
        "maturity_assessment": assessment_of(form, errors),
        "method": form.get("method"),
        "form_reference": form.text("form_reference"),
        "notes": form.text("notes"),
        "interpreter_used": form.checked("interpreter_used"),
        "informed_of_revocation": form.checked("informed_of_revocation"),
        "copy_given": form.checked("copy_given"),
        "scope": scope_of(form, "scope", whole=True),
        "obtained_at": instant(form, "obtained_at", errors),
        "valid_from": instant(form, "valid_from", errors),
        "valid_until": instant(form, "valid_until", errors),
    }
    if not errors:
        try:
            _, body = page.ledger.grant_consent(page.command(), cmd)
        except (Invalid, Conflict) as e:
            errors = _problem(errors, e)
        else:
            return redirect(f"/consents/{body['id']}")
    youth = page.ledger.read_youth(page.ctx, youth_id)
    return _consent_page(page, youth, form.values(), errors, status=422)


# -- the consent --------------------------------------------------------------------------------
def _consent_view(
    page: Page,
    consent_id: str,
    *,
    form: str | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    consent = page.ledger.read_consent(page.ctx, consent_id)
    youth = page.ledger.read_youth(page.ctx, consent["youth_id"])
    names = {g["guardian_id"]: g["name"] for g in youth["guardians"]}
    missing_givers = [
        (f"guardian:{m['guardian_id']}", names.get(m["guardian_id"]) or m["guardian_id"])
        if m.get("guardian_id")
        else ("youth", page.t("giver.youth"))
        for m in consent["missing"]
        if m.get("kind") == "giver" and (m.get("guardian_id") or m.get("party") == "youth")
    ]
    assert page.actor is not None
    defaults = {
        "method": "written",
        "communicated": "written",
        "kind": "full",
        "obtained_at": local_input(page.ledger.now()),
        "effective_at": local_input(page.ledger.now()),
        "giver": missing_givers[0][0] if missing_givers else "",
    }
    return page.render(
        f"web/consent_{form}.html" if form else "web/consent.html",
        status=status,
        consent=consent,
        youth=youth,
        names=names,
        missing_givers=missing_givers,
        givers=giver_options(page, youth),
        values=values if values is not None else defaults,
        errors=errors or {},
        may_write=page.actor.has("coordinator"),
        **scope_options(page),
    )


@router.get("/consents/{consent_id}")
def consent_page(consent_id: str, request: Request) -> Response:
    return _consent_view(page_of(request), consent_id)


@router.post("/consents/{consent_id}/signatures")
async def sign(consent_id: str, request: Request) -> Response:
    page, form = await posted(request)
    errors: dict[str, str] = {}
    cmd = {
        "giver": giver_of(form.get("giver")),
        "maturity_assessment": assessment_of(form, errors),
        "method": form.get("method"),
        "form_reference": form.text("form_reference"),
        "notes": form.text("notes"),
        "obtained_at": instant(form, "obtained_at", errors),
    }
    if not errors:
        try:
            page.ledger.sign_consent(page.command(), consent_id, cmd)
        except (Invalid, Conflict) as e:
            errors = _problem(errors, e)
        else:
            return redirect(f"/consents/{consent_id}")
    return _consent_view(page, consent_id, values=form.values(), errors=errors, status=422)


@router.get("/consents/{consent_id}/receipt")
def receipt_page(consent_id: str, request: Request) -> Response:
    """The person's receipt (issue 17), printable, reached from the consent's page: the same use
    case as GET /v1/consents/{id}/receipt."""
    page = page_of(request)
    body = consent_receipt(page.ledger, request.app.state.integrity, page.ctx, consent_id)
    return page.render("consent_receipt.html", r=body, printable=True)


@router.get("/consents/{consent_id}/{action}")
def action_form(consent_id: str, action: str, request: Request) -> Response:
    page = page_of(request)
    if action not in ("extend", "revoke", "annul"):
        return page.render("web/problem.html", status=404, title_key="not_found", detail=None)
    page.may_write(page.ledger.youth_of("consent", consent_id))
    return _consent_view(page, consent_id, form=action)


@router.post("/consents/{consent_id}/extensions")
async def extend(consent_id: str, request: Request) -> Response:
    page, form = await posted(request)
    errors: dict[str, str] = {}
    cmd = {
        "add": scope_of(form, "add", whole=False),
        "givers": [giver_of(g) for g in form.getlist("givers")],
        "method": form.get("method"),
        "form_reference": form.text("form_reference"),
        "notes": form.text("notes"),
        "obtained_at": instant(form, "obtained_at", errors),
    }
    return _run(page, form, consent_id, "extend", errors, page.ledger.extend_consent, cmd)


@router.post("/consents/{consent_id}/revocations")
async def revoke(consent_id: str, request: Request) -> Response:
    page, form = await posted(request)
    errors: dict[str, str] = {}
    kind = form.get("kind")
    cmd = {
        "kind": kind,
        "remove": scope_of(form, "remove", whole=False) if kind == "partial" else None,
        "revoked_by": giver_of(form.get("revoked_by")),
        "communicated": form.get("communicated"),
        "notes": form.text("notes"),
        "effective_at": instant(form, "effective_at", errors),
    }
    return _run(page, form, consent_id, "revoke", errors, page.ledger.revoke_consent, cmd)


@router.post("/consents/{consent_id}/annulments")
async def annul(consent_id: str, request: Request) -> Response:
    page, form = await posted(request)
    errors: dict[str, str] = {}
    if not errors:
        try:
            page.ledger.annul_consent(page.command(), consent_id, reason=form.get("reason"))
        except (Invalid, Conflict) as e:
            errors = _problem(errors, e)
        else:
            return redirect(f"/consents/{consent_id}")
    return _consent_view(
        page, consent_id, form="annul", values=form.values(), errors=errors, status=422
    )


def _run(
    page: Page,
    form: Form,
    consent_id: str,
    action: str,
    errors: dict[str, str],
    use_case: Any,
    cmd: dict[str, Any],
) -> Response:
    if not errors:
        try:
            use_case(page.command(), consent_id, cmd)
        except (Invalid, Conflict) as e:
            errors = _problem(errors, e)
        else:
            return redirect(f"/consents/{consent_id}")
    return _consent_view(
        page, consent_id, form=action, values=form.values(), errors=errors, status=422
    )
