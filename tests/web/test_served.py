"""The pages as `ledger serve` serves them: the sign-in page at /sign-in, and the address and how
to get a first token printed at start."""

from __future__ import annotations

import httpx

from tests.e2e.servers import Deployment


def test_serve_prints_the_sign_in_page_and_serves_it(on_sqlite: Deployment) -> None:
    server = on_sqlite.start()
    assert f"Sign in at http://127.0.0.1:{server.port}/sign-in" in server.tail()
    assert "ledger token --agency ledger-admin --actor admin --role admin" in server.tail()
    r = httpx.get(f"{server.base}/", follow_redirects=True, timeout=20)
    assert r.status_code == 200 and r.url.path == "/sign-in"
    assert "Logga in" in r.text
    assert r.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    css = httpx.get(f"{server.base}/static/web.css", timeout=20)
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
