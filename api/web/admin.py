"""The admin's page: agencies and tokens, so that a ledger started with `make run` is set up in
the browser (Ledger.register_agency, issue_token, list_tokens, revoke_token: the use cases of
POST /v1/agencies and /v1/tokens, for the admin role alone)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.web.core import Form, Page, WebRoute, field_errors, page_of, posted, redirect
from ledger.access import require_role
from ledger.actor import ROLES
from ledger.errors import Conflict, Invalid

router = APIRouter(route_class=WebRoute, include_in_schema=False)
KINDS = (
    "social_services",
    "police",
    "school",
    "leisure",
    "child_psychiatry",
    "health_care",
    "employment",
    "probation",
    "civil_society",
    "other",
)


def _page(
    page: Page,
    form: Form | None = None,
    *,
    which: str = "",
    errors: dict[str, str] | None = None,
    new_token: str | None = None,
    status: int = 200,
) -> Response:
    assert page.actor is not None
    require_role(page.actor, "admin")
    values: dict[str, Any] = form.values() if form is not None else {}
    return page.render(
        "web/admin.html",
        status=status,
        agencies=page.ledger.list_agencies(),
        tokens=page.ledger.list_tokens(page.ctx),
        kinds=[(k, k) for k in KINDS],
        roles=[(r, page.t(f"roles.{r}")) for r in ROLES],
        agency_values=values if which == "agency" else {"kind": "social_services"},
        agency_errors=errors or {} if which == "agency" else {},
        token_values=values if which == "token" else {},
        token_errors=errors or {} if which == "token" else {},
        new_token=new_token,
    )


@router.get("/admin")
def admin_page(request: Request) -> Response:
    return _page(page_of(request))


@router.post("/admin/agencies")
async def register_agency(request: Request) -> Response:
    page, form = await posted(request)
    try:
        page.ledger.register_agency(
            page.command(),
            agency_id=form.get("id").strip(),
            name=form.get("name").strip(),
            kind=form.get("kind"),
            municipality=form.text("municipality"),
        )
    except Invalid as e:
        return _page(page, form, which="agency", errors=field_errors(e), status=422)
    except Conflict as e:
        return _page(page, form, which="agency", errors={"id": e.detail}, status=409)
    return redirect("/admin")


@router.post("/admin/tokens")
async def issue_token(request: Request) -> Response:
    page, form = await posted(request)
    roles = form.getlist("roles")
    errors: dict[str, str] = {} if roles else {"roles": "choose at least one role"}
    if not errors:
        try:
            _, body = page.ledger.issue_token(
                page.command(),
                agency_id=form.get("agency_id"),
                actor_id=form.get("actor_id").strip(),
                roles=roles,
                expires_at=None,
            )
        except Invalid as e:
            errors = field_errors(e)
        else:
            return _page(page, new_token=body["token"])
    return _page(page, form, which="token", errors=errors, status=422)


@router.post("/admin/tokens/{token_id}/revoke")
async def revoke_token(token_id: str, request: Request) -> Response:
    page, _ = await posted(request)
    page.ledger.revoke_token(page.command(), token_id)
    return redirect("/admin")
