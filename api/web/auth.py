"""Sign in with a token, sign out, the language, the start page and the pages' static files."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from api.web.core import (
    LANG_COOKIE,
    LANGUAGES,
    WebRoute,
    clear_session,
    local_path,
    new_session,
    page_of,
    posted,
    redirect,
    write_session,
)
from ledger.errors import Unauthenticated

router = APIRouter(route_class=WebRoute, include_in_schema=False)
STATIC = Path(__file__).resolve().parent / "static"
STATIC_FILES = {"web.css": "text/css", "web.js": "text/javascript", "favicon.svg": "image/svg+xml"}


def start_page(roles: frozenset[str]) -> str:
    if "coordinator" in roles:
        return "/worklist"
    if "staff" in roles:
        return "/share"
    if "auditor" in roles:
        return "/review"
    if "admin" in roles:
        return "/admin"
    return "/integrity"


@router.get("/")
def home(request: Request) -> Response:
    page = page_of(request)
    assert page.actor is not None
    return redirect(start_page(page.actor.roles))


@router.get("/sign-in")
def sign_in_form(request: Request) -> Response:
    page = page_of(request, signed_in=False)
    if page.actor is not None:
        return redirect(start_page(page.actor.roles))
    response = page.render(
        "web/sign_in.html",
        next=local_path(request.query_params.get("next"), ""),
        ended=request.query_params.get("ended") == "1",
        signed_out=request.query_params.get("out") == "1",
        error=None,
    )
    write_session(request, response, page.session)  # the anonymous session the CSRF token binds
    return response


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    page, form = await posted(request, signed_in=False)
    token = form.get("token").strip()
    try:
        actor = page.ledger.authenticate(token)
    except Unauthenticated as e:
        return page.render(
            "web/sign_in.html",
            status=401,
            next=local_path(form.get("next"), ""),
            ended=False,
            signed_out=False,
            error=e.detail,
        )
    # a fresh id at sign-in: a session fixed beforehand is worth nothing
    session = new_session(request)
    session.token = token
    done = redirect(local_path(form.get("next"), start_page(actor.roles)))
    write_session(request, done, session)
    return done


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    await posted(request)
    response = redirect("/sign-in?out=1")
    clear_session(request, response)
    return response


@router.get("/language/{lang}")
def choose_language(lang: str, request: Request) -> Response:
    response = redirect(local_path(request.query_params.get("next"), "/"))
    if lang in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 24 * 3600,
            samesite="strict",
            secure=request.url.scheme == "https",
            httponly=True,
        )
    return response


@router.get("/favicon.ico")
def favicon() -> Response:
    return static("favicon.svg")


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name not in STATIC_FILES:
        return Response(status_code=404)
    return FileResponse(
        STATIC / name,
        media_type=STATIC_FILES[name],
        headers={"Cache-Control": "public, max-age=3600"},
    )
