"""Sign-in, the session cookie, CSRF, sign-out, and the headers of every page."""

from __future__ import annotations

from tests.e2e.conftest import Api
from tests.web.conftest import browser


def test_sign_in_shows_who_and_sets_a_strict_http_only_cookie(people: Api) -> None:
    b = browser(people)
    b.get("/sign-in")
    r = b.post("/sign-in", {"token": people.tokens["anna"]}, follow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain HTTP here; Secure over TLS (test below)
    assert people.tokens["anna"] not in cookie  # the token is sealed, not stored in clear
    page = b.get(r.headers["location"])
    assert page.status_code == 200
    assert "Inloggad som anna för Soc-Orebro (samordnare)" in b.text()


def test_every_page_sends_the_csp_and_no_store(people: Api) -> None:
    b = browser(people, "anna")
    for path in ("/sign-in", "/worklist", "/youths", "/share"):
        r = b.get(path)
        assert r.headers["cache-control"] == "no-store", path
        assert "default-src 'none'" in r.headers["content-security-policy"], path
        assert "script-src 'self'" in r.headers["content-security-policy"], path


def test_a_wrong_token_is_refused_beside_the_field(people: Api) -> None:
    b = browser(people)
    b.get("/sign-in")
    r = b.post("/sign-in", {"token": "not-a-token"})
    assert r.status_code == 401
    assert 'id="token-error"' in r.text and "unknown token" in r.text


def test_a_form_without_the_csrf_token_is_refused(people: Api) -> None:
    b = browser(people, "anna")
    r = b.client.post("/sign-out", data={}, follow_redirects=False)
    assert r.status_code == 403
    assert "CSRF" in r.text
    r = b.client.post("/sign-out", data={"csrf": "forged"}, follow_redirects=False)
    assert r.status_code == 403
    assert b.get("/worklist").status_code == 200  # still signed in


def test_sign_in_form_needs_its_csrf_token_too(people: Api) -> None:
    b = browser(people)
    r = b.client.post("/sign-in", data={"token": people.tokens["anna"]}, follow_redirects=False)
    assert r.status_code == 403


def test_sign_out_ends_the_session(people: Api) -> None:
    b = browser(people, "anna")
    b.get("/worklist")
    r = b.post("/sign-out", {}, follow_redirects=False)
    assert r.status_code == 303
    r = b.get("/worklist", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")


def test_the_session_ends_when_the_token_is_revoked(people: Api) -> None:
    b = browser(people, "anna")
    assert b.get("/worklist").status_code == 200
    tokens = people.get("/v1/tokens").json()["items"]
    anna = next(t for t in tokens if t["actor_id"] == "anna")
    assert people.post(f"/v1/tokens/{anna['id']}/revoke", {}).status_code == 200
    r = b.get("/worklist", follow_redirects=False)
    assert r.status_code == 303 and "ended=1" in r.headers["location"]
    assert b.get(r.headers["location"]).status_code == 200
    assert "återkallats" in b.text()


def test_the_session_ends_when_the_token_expires(people: Api) -> None:
    r = people.post(
        "/v1/tokens",
        {
            "agency_id": "soc-orebro",
            "actor_id": "tove",
            "roles": ["coordinator"],
            "expires_at": people.clock.advance(hours=0).replace(hour=10).isoformat(),
        },
    )
    assert r.status_code == 201, r.text
    people.tokens["tove"] = r.json()["token"]
    b = browser(people, "tove")
    assert b.get("/worklist").status_code == 200
    people.clock.advance(hours=3)
    r = b.get("/worklist", follow_redirects=False)
    assert r.status_code == 303 and "ended=1" in r.headers["location"]


def test_the_cookie_is_secure_over_tls(people: Api) -> None:
    b = browser(people)
    b.client.base_url = "https://testserver"  # type: ignore[assignment]
    b.get("/sign-in")
    r = b.post("/sign-in", {"token": people.tokens["anna"]}, follow_redirects=False)
    assert "Secure" in r.headers["set-cookie"]


def test_english_is_available_and_swedish_the_default(people: Api) -> None:
    b = browser(people)
    b.get("/sign-in")
    assert 'lang="sv"' in b.last.text and "Logga in" in b.last.text
    b.get("/language/en?next=/sign-in")
    assert 'lang="en"' in b.last.text and "Sign in" in b.last.text


def test_the_language_switch_never_redirects_off_site(people: Api) -> None:
    b = browser(people)
    r = b.get("/language/en?next=//evil.example/x", follow_redirects=False)
    assert r.headers["location"] == "/"


def test_sign_in_returns_to_the_page_asked_for(people: Api) -> None:
    b = browser(people)
    r = b.get("/share", follow_redirects=True)
    assert "/sign-in?next=%2Fshare" in str(r.url)
    r = b.post("/sign-in", {"token": people.tokens["lars"], "next": "/share"})
    assert str(r.url).endswith("/share")


def test_a_session_lasts_at_most_twelve_hours(people: Api) -> None:
    b = browser(people, "anna")
    assert b.get("/worklist", follow_redirects=False).status_code == 200
    people.clock.advance(hours=12, minutes=1)
    r = b.get("/worklist", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")


def test_a_tampered_cookie_is_no_session(people: Api) -> None:
    b = browser(people, "anna")
    value = b.client.cookies.get("ledger_session")
    assert value
    b.client.cookies.set(
        "ledger_session", value[:-4] + ("AAAA" if value[-4:] != "AAAA" else "BBBB")
    )
    r = b.get("/worklist", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")
