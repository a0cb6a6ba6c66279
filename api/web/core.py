"""What every page shares: the session cookie, the CSRF token, form parsing, the language, the
templates, and one route class that turns the ledger's refusals into pages.

The session cookie holds the caller's token sealed (AES-GCM) under a key derived from the
ledger's master key, so every worker reads it and nobody can read or forge it; the token is
authenticated on every request (ledger.authenticate), so a session ends on the first request
after its token expires or is revoked. The cookie is HttpOnly, SameSite=Strict, Secure when the
request came over TLS, and the session has at most SESSION_HOURS.

Every form carries a CSRF token: an HMAC of the session's random id, so a form posted from
another site or without the token is refused (403) before anything is read or written. The
sign-in form has one too (an anonymous session is opened for it)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, StrictUndefined

from api.web.i18n import text
from ledger import access
from ledger.actor import Actor
from ledger.application import Request as LedgerRequest
from ledger.crypto import DecryptionError, derive_key, open_sealed, seal
from ledger.errors import (
    AlreadyExists,
    Conflict,
    Forbidden,
    Invalid,
    LedgerError,
    NotFound,
    Unauthenticated,
)
from ledger.service import Ledger
from ledger.timeutil import STOCKHOLM
from ledger.youth import Youth

COOKIE = "ledger_session"
LANG_COOKIE = "ledger_lang"
LANGUAGES = ("sv", "en")
SESSION_HOURS = 12
CSRF_FIELD = "csrf"
FORM_KEY = "form_key"
_AD = b"web-session"
TEMPLATE_ROOT = Path(__file__).resolve().parents[1] / "templates"


# -- templates ------------------------------------------------------------------------------------
def _local(value: str | datetime | None, with_time: bool = True) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


class _WebLoader(ChoiceLoader):
    """The web templates; the existing report templates (review, register extract) are reused
    as they are, with their `base.html` replaced by the web layout (nav, who is signed in)."""

    def __init__(self) -> None:
        own = FileSystemLoader(TEMPLATE_ROOT / "web")
        super().__init__(
            [PrefixLoader({"web": own}), _Rebased(own), FileSystemLoader(TEMPLATE_ROOT)]
        )


class _Rebased(FileSystemLoader):
    def __init__(self, own: FileSystemLoader) -> None:
        super().__init__(own.searchpath)

    def get_source(self, environment: Environment, template: str) -> Any:
        if template != "base.html":
            from jinja2 import TemplateNotFound

            raise TemplateNotFound(template)
        return super().get_source(environment, "layout.html")


TEMPLATES = Environment(
    loader=_WebLoader(),
    autoescape=True,  # everything typed by users is data, never markup
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.filters["local"] = _local


# -- the session ----------------------------------------------------------------------------------
@dataclass
class Session:
    sid: str
    token: str | None = None
    started: float = 0.0  # the ledger's clock (a POSIX time), set by new_session

    def to_json(self) -> str:
        return json.dumps({"sid": self.sid, "token": self.token, "started": self.started})


def _key(ledger: Ledger) -> bytes:
    # answers_key is itself derived from the master key; this is one more independent subkey
    return derive_key(ledger.answers_key, "web-session")


def read_session(request: Request) -> Session | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data = json.loads(open_sealed(_key(ledger_of(request)), base64.urlsafe_b64decode(raw), _AD))
        session = Session(str(data["sid"]), data.get("token"), float(data["started"]))
    except (DecryptionError, ValueError, KeyError, TypeError):
        return None
    if ledger_of(request).now().timestamp() - session.started > SESSION_HOURS * 3600:
        return None
    return session


def write_session(request: Request, response: Response, session: Session) -> None:
    sealed = seal(_key(ledger_of(request)), session.to_json(), _AD)
    response.set_cookie(
        COOKIE,
        base64.urlsafe_b64encode(sealed).decode(),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def clear_session(request: Request, response: Response) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )


def csrf_token(request: Request, session: Session) -> str:
    mac = hmac.new(_key(ledger_of(request)), b"csrf\x1f" + session.sid.encode(), hashlib.sha256)
    return mac.hexdigest()


def new_session(request: Request) -> Session:
    return Session(secrets.token_urlsafe(18), None, ledger_of(request).now().timestamp())


# -- forms ----------------------------------------------------------------------------------------
class Form:
    """An application/x-www-form-urlencoded body: repeated names (checkboxes) kept in order."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def get(self, name: str, default: str = "") -> str:
        return next((v for k, v in self.pairs if k == name), default)

    def text(self, name: str) -> str | None:
        """The field trimmed, or None when left empty."""
        value = self.get(name).strip()
        return value or None

    def getlist(self, name: str) -> list[str]:
        return [v for k, v in self.pairs if k == name and v != ""]

    def checked(self, name: str) -> bool:
        return self.get(name) in ("on", "true", "1", "yes")

    def values(self) -> dict[str, Any]:
        """For re-rendering a form: single values as strings, repeated ones as lists."""
        out: dict[str, Any] = {}
        for k, v in self.pairs:
            if k in (CSRF_FIELD, FORM_KEY):
                continue
            if k in out:
                out[k] = [*out[k], v] if isinstance(out[k], list) else [out[k], v]
            else:
                out[k] = v
        return out


class CsrfRefused(Exception):
    pass


class SignInNeeded(Exception):
    def __init__(self, ended: bool = False) -> None:
        self.ended = ended


async def read_form(request: Request) -> Form:
    body = await request.body()
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=2000)
    except (UnicodeDecodeError, ValueError):
        pairs = []
    return Form(pairs)


# -- the page context -----------------------------------------------------------------------------
def ledger_of(request: Request) -> Ledger:
    ledger: Ledger = request.app.state.ledger
    return ledger


def language(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "sv")
    return lang if lang in LANGUAGES else "sv"


@dataclass
class Page:
    """One request to a page: who is signed in, their language, and how to render."""

    request: Request
    session: Session
    actor: Actor | None
    lang: str
    _labels: dict[str, str] | None = None
    _agencies: dict[str, str] | None = None

    @property
    def ledger(self) -> Ledger:
        return ledger_of(self.request)

    @property
    def ctx(self) -> LedgerRequest:
        """The use cases' context: the same actor and access policy as the API's."""
        assert self.actor is not None
        return LedgerRequest(self.actor)

    form: Form | None = None

    def command(self) -> LedgerRequest:
        """A command's context. Each rendering of a form carries its own key (FORM_KEY), used
        as the command's Idempotency-Key: the same form posted twice (a double click, a reload)
        records once and answers as the first time, as the API does for a repeated key."""
        assert self.actor is not None
        form = self.form
        key = form.get(FORM_KEY) if form is not None else ""
        if form is None or not key:
            return LedgerRequest(self.actor)
        body = sorted((k, v) for k, v in form.pairs if k not in (CSRF_FIELD, FORM_KEY))
        path = self.request.url.path
        fingerprint = LedgerRequest.fingerprint_of("POST", path, body)
        return LedgerRequest(self.actor, idempotency_key=f"web:{key}", fingerprint=fingerprint)

    def label(self, code: str) -> str:
        """A category, purpose or situation in the page's language (the catalogue's label)."""
        if self._labels is None:
            self._labels = {}
            catalogue = self.ledger.catalogue
            for entry in (*catalogue.categories, *catalogue.purposes, *catalogue.situations):
                self._labels[entry.id] = entry.label_en if self.lang == "en" else entry.label_sv
        return self._labels.get(code, code)

    def agency_name(self, agency_id: str) -> str:
        if self._agencies is None:
            self._agencies = {a["id"]: a["name"] for a in self.ledger.list_agencies()}
        return self._agencies.get(agency_id, agency_id)

    def may_write(self, youth: Youth) -> None:
        """A coordinator's form is shown only to whom the access policy lets write the youth
        (ledger/access.py, youth.write): the same rule the use case applies when it is posted."""
        assert self.actor is not None
        access.require(self.actor, "youth.write", youth)

    @property
    def csrf(self) -> str:
        return csrf_token(self.request, self.session)

    def t(self, message_key: str, /, **kw: Any) -> str:
        return text(self.lang, message_key, **kw)

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        agency_name = None
        if self.actor is not None:
            try:
                agency_name = self.ledger.agency(self.actor.agency_id).name
            except LedgerError:
                agency_name = None
        html = TEMPLATES.get_template(template).render(
            label=self.label,
            labels=lambda codes: ", ".join(self.label(c) for c in codes or []),
            agency=self.agency_name,
            agencies_of=lambda ids: ", ".join(self.agency_name(a) for a in ids or []),
            lang=self.lang,
            t=self.t,
            me=self.actor,
            my_agency_name=agency_name,
            my_roles=", ".join(self.t(f"roles.{r}") for r in sorted(self.actor.roles))
            if self.actor
            else "",
            csrf=self.csrf,
            csrf_field=CSRF_FIELD,
            form_key=secrets.token_urlsafe(16),
            path=self.request.url.path,
            here=_here(self.request),
            **context,
        )
        return HTMLResponse(html, status_code=status, headers={"Content-Language": self.lang})


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def page_of(request: Request, *, signed_in: bool = True) -> Page:
    """The page context; SignInNeeded when the page needs a session and there is none, or its
    token no longer holds (expired or revoked)."""
    session = read_session(request)
    lang = language(request)
    if session is None or session.token is None:
        if signed_in:
            raise SignInNeeded()
        return Page(request, session or new_session(request), None, lang)
    try:
        actor = ledger_of(request).authenticate(session.token)
    except Unauthenticated:
        if signed_in:
            raise SignInNeeded(ended=True) from None
        return Page(request, new_session(request), None, lang)
    return Page(request, session, actor, lang)


async def posted(request: Request, *, signed_in: bool = True) -> tuple[Page, Form]:
    """A form post: the session and the CSRF token are checked before anything else is read."""
    form = await read_form(request)
    session = read_session(request)
    given = form.get(CSRF_FIELD)
    if session is None or not given or not hmac.compare_digest(given, csrf_token(request, session)):
        raise CsrfRefused()
    page = page_of(request, signed_in=signed_in)
    page.form = form
    return page, form


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def local_path(target: str | None, default: str = "/") -> str:
    """Only a path on this site (no scheme, no host, no //): never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def with_query(path: str, **params: str | None) -> str:
    clean = {k: v for k, v in params.items() if v}
    return path + ("?" + urlencode(clean) if clean else "")


def field_errors(error: Invalid) -> dict[str, str]:
    """The server's message for each field it names (several for one field joined)."""
    out: dict[str, str] = {}
    for given, message in error.errors:
        name = re.sub(r"\[\d+\].*$", "", given)  # givers[1].guardian_id: beside "givers"
        out[name] = f"{out[name]}; {message}" if name in out else message
    return out


# -- the route class ------------------------------------------------------------------------------
class WebRoute(APIRoute):
    """A page route: the ledger's refusals become pages (403, 404, 409), a missing or ended
    session a redirect to the sign-in page, a missing CSRF token a 403 page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInNeeded as e:
                target = with_query(
                    "/sign-in",
                    next=_here(request) if request.method == "GET" else None,
                    ended="1" if e.ended else None,
                )
                response = redirect(target)
                if e.ended:
                    clear_session(request, response)
                return response
            except CsrfRefused:
                return _problem_page(request, 403, "csrf_refused")
            except Forbidden as e:
                return _problem_page(request, 403, "forbidden", e.detail)
            except NotFound as e:
                return _problem_page(request, 404, "not_found", e.detail)
            except (AlreadyExists, Conflict) as e:
                return _problem_page(request, 409, "conflict", e.detail)
            except Invalid as e:
                return _problem_page(request, 422, "invalid", e.detail)

        return route


def _problem_page(request: Request, status: int, key: str, detail: str | None = None) -> Response:
    try:
        page = page_of(request, signed_in=False)
    except LedgerError:
        page = Page(request, new_session(request), None, language(request))
    return page.render("web/problem.html", status=status, title_key=key, detail=detail)
