"""The headers every answer carries: no MIME sniffing and no Referer anywhere; no caching of
anything under /v1 (it carries personal data) or of any HTML page; and on HTML pages a content
security policy that allows nothing from outside the ledger."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALWAYS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
NO_STORE = {"Cache-Control": "no-store"}
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def carries_personal_data(path: str) -> bool:
    return path == "/v1" or path.startswith("/v1/")


class SecurityHeaders:
    """Sets those headers on each response as it starts, over whatever the route set."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        personal = carries_personal_data(scope["path"])

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.update(ALWAYS)
                html = headers.get("content-type", "").lower().startswith("text/html")
                if personal or html:
                    headers.update(NO_STORE)
                if html:
                    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
            await send(message)

        await self.app(scope, receive, sending)
