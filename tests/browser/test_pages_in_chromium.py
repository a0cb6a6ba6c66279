"""The issue's scenario in a real browser: Playwright driving Debian's Chromium (headless, never
a browser Playwright downloads) against a real `ledger serve` on SQLite. A coordinator signs in,
registers a youth with two joint-custody guardians, records a consent that stays pending until
the second guardian signs; a school staff member checks and records a disclosure and documents
one afterwards; the coordinator revokes, and the timeline, the worklist and the review change.
A staff member cannot reach a coordinator's form, and a forged post without the CSRF token is
refused. Every page is scanned with axe (axe-playwright-python): no serious or critical
violation. Screenshots of the main pages go to docs/screenshots/.

Skips with one line only where no Chromium or no Playwright can be had."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledger.identity import luhn_check_digit
from ledger.timeutil import STOCKHOLM
from tests.e2e.servers import ADMIN_TOKEN, Deployment, Server, deployment

# Debian's package (apt-get install chromium); LEDGER_TEST_CHROMIUM names another binary.
CHROMIUM = os.environ.get("LEDGER_TEST_CHROMIUM", "/usr/bin/chromium")
if not Path(CHROMIUM).is_file() and "LEDGER_TEST_CHROMIUM" not in os.environ:
    CHROMIUM = shutil.which("chromium") or CHROMIUM
# `make screenshots` sets LEDGER_SCREENSHOTS=1 and the pictures replace those of the README;
# otherwise they go to the test's own folder, so a test run leaves the work tree as it was.
README_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _why_no_browser() -> str | None:
    if not Path(CHROMIUM).is_file():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import axe_playwright_python  # noqa: F401
        import playwright  # noqa: F401
    except ImportError as e:
        return f"Playwright or axe-playwright-python is not installed ({e.name})"
    return None


REASON = _why_no_browser()
pytestmark = [pytest.mark.skipif(REASON is not None, reason=REASON or ""), pytest.mark.slow]


def pnr(birth: str, serial: str) -> str:
    return f"{birth}-{serial}{luhn_check_digit(birth[2:] + serial)}"


def local(moment: datetime) -> str:
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Server, dict[str, str]]]:
    """A served ledger with agencies and the people's tokens (set up over the API, by the
    admin), the browser's part starting at the sign-in page."""
    gen = deployment(tmp_path, f"sqlite:///{tmp_path / 'ledger.db'}")
    d: Deployment = next(gen)
    try:
        server = d.start()
        admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        with httpx.Client(base_url=server.base, headers=admin, timeout=20) as api:
            for agency_id, name, kind in [
                ("soc-orebro", "Socialtjänsten Örebro", "social_services"),
                ("polis-orebro", "Polisen Örebro", "police"),
                ("skola-x", "Västra skolan", "school"),
            ]:
                r = api.post("/v1/agencies", json={"id": agency_id, "name": name, "kind": kind})
                assert r.status_code == 201, r.text
            tokens = {}
            for who, agency, role in [
                ("anna", "soc-orebro", "coordinator"),
                ("lars", "skola-x", "staff"),
            ]:
                body = {"agency_id": agency, "actor_id": who, "roles": [role]}
                r = api.post("/v1/tokens", json=body)
                assert r.status_code == 201, r.text
                tokens[who] = r.json()["token"]
        yield server, tokens
    finally:
        d.stop()


def showcase(base: str, tokens: dict[str, str], now: datetime) -> None:
    """Alex, 45 days from 18: a consent of Alex and both guardians that lapses at 18, a second
    one partly revoked, and disclosures of every kind: on consent, on a statute (a report of
    concern), one documented afterwards, and a refused attempt."""
    birth = (now + timedelta(days=45)).astimezone(STOCKHOLM).date()
    birth = birth.replace(year=birth.year - 18)
    anna = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {tokens['anna']}"})
    lars = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {tokens['lars']}"})

    def ok(r: httpx.Response) -> Any:
        assert r.status_code in (200, 201), r.text
        return r.json()

    number = pnr(birth.strftime("%Y%m%d"), "345")
    youth = ok(anna.post("/v1/youths", json={"personal_number": number, "name": "Alex Berg"}))
    givers: list[dict[str, str]] = [{"party": "youth"}]
    for name in ("Sara Berg", "Omar Berg"):
        g = ok(
            anna.post(
                f"/v1/youths/{youth['id']}/guardians", json={"name": name, "custody": "joint"}
            )
        )
        givers.append({"party": "guardian", "guardian_id": g["guardian_id"]})

    def consent(days_ago: int, categories: list[str]) -> str:
        body = {
            "youth_id": youth["id"],
            "givers": givers,
            "method": "written",
            "form_reference": f"SSPF-{days_ago}",
            "informed_of_revocation": True,
            "copy_given": True,
            "obtained_at": (now - timedelta(days=days_ago)).isoformat(),
            "scope": {
                "agencies": ["soc-orebro", "skola-x", "polis-orebro"],
                "categories": categories,
                "purposes": ["crime_prevention"],
                "situations": ["network_meeting"],
            },
        }
        return str(ok(anna.post("/v1/consents", json=body))["id"])

    consent(150, ["school_attendance", "family_situation"])
    second = consent(100, ["school_performance_support", "leisure_activities"])
    ok(
        anna.post(
            f"/v1/consents/{second}/revocations",
            json={
                "kind": "partial",
                "remove": {"categories": ["leisure_activities"]},
                "revoked_by": {"party": "youth"},
                "communicated": "oral",
                "notes": "i samtal",
                "effective_at": (now - timedelta(days=30)).isoformat(),
            },
        )
    )

    def disclose(days_ago: int, category: str, **extra: Any) -> httpx.Response:
        body = {
            "from_agency": "skola-x",
            "to_agencies": ["soc-orebro"],
            "youth_id": youth["id"],
            "categories": [category],
            "purpose": "crime_prevention",
            "situation": "network_meeting",
            "concerns_others": False,
            "occurred_at": (now - timedelta(days=days_ago)).isoformat(),
            **extra,
        }
        return lars.post("/v1/disclosures", json=body)

    ok(disclose(90, "school_attendance", channel="meeting"))
    ok(
        disclose(
            60, "school_attendance", basis={"kind": "statutory", "provision": "report-of-concern"}
        )
    )
    ok(disclose(40, "leisure_activities", retrospective=True, channel="meeting"))
    assert disclose(2, "police_incidents").status_code == 403  # a refused attempt, recorded
    anna.close()
    lars.close()


class Scanner:
    """axe on every page shown; a serious or critical violation fails the test with its rule."""

    def __init__(self) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.scanned: list[str] = []
        self.failures: list[str] = []

    def __call__(self, page: Any) -> None:
        results = self.axe.run(page)
        bad = [
            v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")
        ]
        path = re.sub(r"^https?://[^/]+", "", page.url)
        self.scanned.append(path)
        for v in bad:
            targets = [n["target"] for n in v["nodes"]][:3]
            self.failures.append(f"{path}: {v['id']} ({v['impact']}) {targets}")


def test_the_scenario_in_chromium(served: tuple[Server, dict[str, str]], tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    keep = os.environ.get("LEDGER_SCREENSHOTS") == "1"
    SCREENSHOTS = README_SCREENSHOTS if keep else tmp_path / "screenshots"

    server, tokens = served
    base = server.base
    now = datetime.now(UTC)
    youth_pnr = pnr("20130510", "234")  # a 13-year-old: both guardians in joint custody sign
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    scan = Scanner()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="sv-SE")
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        failed: list[str] = []
        page.on(
            "response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None
        )

        def sign_in(token: str) -> None:
            page.goto(f"{base}/sign-in")
            page.get_by_label("Behörighetsnyckel (token)").fill(token)
            page.get_by_role("button", name="Logga in").click()

        def sign_out() -> None:
            page.get_by_role("button", name="Logga ut").click()
            expect(page.get_by_role("status")).to_contain_text("Du är utloggad")

        # -- the coordinator signs in and registers the youth and two guardians -------------
        page.goto(f"{base}/")
        expect(page).to_have_url(re.compile(r"/sign-in"))
        scan(page)
        page.screenshot(path=str(SCREENSHOTS / "sign-in.png"))
        sign_in(tokens["anna"])
        expect(page).to_have_url(re.compile(r"/worklist$"))
        expect(page.locator(".signed-in")).to_contain_text("anna")
        expect(page.locator(".signed-in")).to_contain_text("Socialtjänsten Örebro")
        scan(page)
        page.get_by_role("link", name="Sök ungdom").first.click()
        scan(page)
        form = page.locator("form[action='/youths'][method='post']")
        form.get_by_label("Personnummer").fill(youth_pnr)
        form.get_by_label("Namn").fill("Kim Andersson")
        form.get_by_role("button", name="Registrera").click()
        expect(page.locator("h1")).to_contain_text("Kim Andersson")
        youth_url = page.url
        for name in ("Maria Andersson", "Jonas Andersson"):
            page.get_by_role("link", name="Lägg till vårdnadshavare").click()
            page.get_by_label("Namn", exact=True).fill(name)
            page.get_by_label("gemensam").check()
            if name == "Maria Andersson":
                scan(page)
            page.get_by_role("button", name="Spara").click()
            expect(page.locator("main")).to_contain_text(name)

        # -- a consent signed by one guardian: pending, waiting for the other -------------------
        page.get_by_role("link", name="Registrera samtycke").click()
        page.get_by_label("Maria Andersson (gemensam)").check()
        page.get_by_label("Blankettens referens").fill("SSPF-2026-014")
        page.get_by_label("Informerad om att samtycket kan återkallas").check()
        page.get_by_label("Kopia lämnad").check()
        scope = page.locator("fieldset", has=page.locator("legend", has_text="Omfattning"))
        scope.get_by_label("Västra skolan (skola-x)").check()
        scope.get_by_label("Polisen Örebro (polis-orebro)").check()
        scope.get_by_label("Skolnärvaro").check()
        scope.get_by_label("Familjesituation").check()
        scope.locator("input[name='scope.purposes']").first.check()
        scope.locator("input[name='scope.situations']").first.check()
        obtained = now - timedelta(days=60)
        page.get_by_label("Inhämtat (datum och tid)").fill(local(obtained))
        scan(page)
        page.screenshot(path=str(SCREENSHOTS / "record-consent.png"), full_page=True)
        page.get_by_role("button", name="Spara").click()
        expect(page.locator("#consent-status")).to_have_text("väntar på underskrift")
        expect(page.locator("#missing")).to_contain_text("Jonas Andersson")
        consent_url = page.url
        scan(page)
        page.goto(f"{base}/worklist")
        expect(page.locator("#list-pending")).to_contain_text("Jonas Andersson")

        # the second guardian's signature
        page.goto(consent_url)
        page.get_by_label("Undertecknare").select_option(label="Jonas Andersson")
        page.locator("#sign-form").get_by_label("Blankettens referens").fill("SSPF-2026-014")
        page.locator("#sign-form").get_by_label("Inhämtat (datum och tid)").fill(
            local(obtained + timedelta(days=2))
        )
        page.get_by_role("button", name="Lägg till underskrift").click()
        expect(page.locator("#consent-status")).to_have_text("gällande")
        page.goto(f"{base}/worklist")
        expect(page.locator("#list-pending")).to_have_count(0)
        sign_out()

        # -- school staff: cannot reach the coordinator's form; check, record, document ----------
        sign_in(tokens["lars"])
        expect(page).to_have_url(re.compile(r"/share$"))
        youth_id = youth_url.rsplit("/", 1)[1]
        response = page.goto(f"{base}/youths/{youth_id}/consents/new")
        assert response is not None and response.status == 403
        expect(page.locator("h1")).to_contain_text("Du har inte behörighet")
        scan(page)
        page.goto(f"{base}/share")
        check = page.locator("#check-form")
        check.get_by_label("Personnummer / Ungdomens id").fill(youth_pnr)
        check.get_by_label("Mottagare").select_option("soc-orebro")
        check.get_by_label("Uppgift").select_option("school_attendance")
        check.get_by_label("Ändamål").select_option(index=1)
        check.get_by_label("Situation").select_option(index=1)
        check.get_by_label("nej").check()
        check.get_by_role("button", name="Pröva").click()
        expect(page.locator("#verdict")).to_have_text("Ja, du får lämna uppgiften.")
        scan(page)
        page.screenshot(path=str(SCREENSHOTS / "check-before-sharing.png"), full_page=True)
        page.locator("#record-form").get_by_label("Kanal").select_option("meeting")
        page.get_by_role("button", name="Registrera detta utlämnande").click()
        expect(page.locator("#outcome")).to_contain_text("Utlämnandet är registrerat")
        # a meeting's disclosure documented afterwards
        retro = page.locator("#retro-form")
        retro.get_by_label("Personnummer / Ungdomens id").fill(youth_pnr)
        retro.get_by_label("Mottagare").select_option("polis-orebro")
        retro.get_by_label("Uppgift").select_option("school_attendance")
        retro.get_by_label("Ändamål").select_option(index=1)
        retro.get_by_label("Skedde (datum och tid)").fill(local(now - timedelta(days=20)))
        retro.get_by_label("nej").check()
        retro.get_by_role("button", name="Dokumentera").click()
        expect(page.locator("#outcome")).to_contain_text("Utlämnandet är registrerat")
        # a forged post without the CSRF token (same cookies, no token) is refused
        forged = context.request.post(
            f"{base}/share/disclose",
            form={
                "youth": youth_pnr,
                "to_agency": "soc-orebro",
                "category": "school_attendance",
                "purpose": "crime_prevention",
            },
        )
        assert forged.status == 403
        sign_out()

        # -- the coordinator revokes; timeline, worklist and review change -----------------------
        sign_in(tokens["anna"])
        page.goto(f"{base}/review?youth_id={youth_id}")
        assert page.locator("tr[id^='d-']").count() == 2
        assert "AFTER_REVOCATION" not in page.locator("main").inner_text()
        page.goto(consent_url)
        page.get_by_role("link", name="Återkalla").click()
        scan(page)
        page.get_by_label("helt").check()
        page.get_by_label("Återkallat av").select_option(label="Maria Andersson (gemensam)")
        page.locator("#revoke-form").get_by_label("muntligt").check()
        page.get_by_label("Anteckningar").fill("Ringde och återkallade.")
        page.get_by_label("Gäller från (datum och tid)").fill(local(now - timedelta(days=1)))
        page.get_by_role("button", name="Återkalla").click()
        expect(page.locator("#consent-status")).to_have_text("återkallat")
        for action in ("extend", "annul"):
            page.goto(f"{consent_url}/{action}")
            scan(page)

        # a disclosure attempted after the revocation is refused and shows on the timeline
        sign_out()
        sign_in(tokens["lars"])
        check = page.locator("#check-form")
        check.get_by_label("Personnummer / Ungdomens id").fill(youth_pnr)
        check.get_by_label("Mottagare").select_option("soc-orebro")
        check.get_by_label("Uppgift").select_option("school_attendance")
        check.get_by_label("Ändamål").select_option(index=1)
        check.get_by_label("Situation").select_option(index=1)
        check.get_by_label("nej").check()
        check.get_by_role("button", name="Pröva").click()
        expect(page.locator("#verdict")).to_have_text("Nej, uppgiften får inte lämnas.")
        expect(page.locator("#answer")).to_contain_text("återkallat")
        sign_out()

        sign_in(tokens["anna"])
        page.goto(youth_url)
        expect(page.locator("svg .tl-cut")).to_have_count(1)
        expect(page.locator("svg .tl-mark")).to_have_count(2)
        expect(page.locator("svg .tl-mark.retro")).to_have_count(1)
        # keyboard: focus a mark and its words appear in the detail line
        page.locator("svg g.tl-item").first.focus()
        expect(page.locator("#timeline-detail")).to_contain_text("skola-x")
        scan(page)
        page.goto(f"{base}/worklist")
        expect(page.locator("#list-attempts")).to_contain_text("i efterhand")

        # a youth about to turn 18, set up over the API, for the pictures of the README
        showcase(base, tokens, now)
        page.goto(f"{base}/worklist")
        expect(page.locator("#list-turning18")).to_contain_text("Alex Berg")
        expect(page.locator("#list-attempts")).to_contain_text("stoppat försök")
        page.screenshot(path=str(SCREENSHOTS / "worklist.png"), full_page=True)
        page.locator("#list-turning18 a").first.click()
        expect(page.locator("svg .tl-18")).to_have_count(1)
        expect(page.locator("svg .tl-mark.refused")).to_have_count(1)
        expect(page.locator("svg .tl-mark.statutory")).to_have_count(1)
        expect(page.locator("svg .tl-bar.narrowed")).to_have_count(1)
        scan(page)
        page.locator("main").screenshot(path=str(SCREENSHOTS / "youth-timeline.png"))
        page.goto(f"{base}/review?youth_id={youth_id}")
        expect(page.locator("tr[id^='d-']")).to_have_count(2)
        # revoked from the day before the school's disclosure, registered after it
        expect(page.locator("#findings-violation")).to_contain_text("AFTER_REVOCATION")
        expect(page.locator("#findings-deficiency")).to_contain_text("REVOCATION_REGISTERED_LATE")
        scan(page)
        page.screenshot(path=str(SCREENSHOTS / "review.png"), full_page=True)
        page.goto(f"{base}/youths/{youth_id}/extract")
        expect(page.locator("main")).to_contain_text("Kim Andersson")
        expect(page.get_by_role("button", name="Skriv ut")).to_be_visible()
        scan(page)
        page.goto(f"{base}/youths/{youth_id}/cases/new")
        scan(page)
        page.goto(f"{base}/integrity?youth_id={youth_id}")
        expect(page.locator("#signature-status")).to_contain_text("✓")
        scan(page)
        page.goto(f"{base}/language/en?next=/worklist")
        expect(page.locator("h1")).to_have_text("Worklist")
        scan(page)
        page.get_by_role("button", name="Sign out").click()
        sign_in_en = page.get_by_label("Access token")
        sign_in_en.fill(ADMIN_TOKEN)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("h1")).to_have_text("Agencies and tokens")
        scan(page)
        context.close()
        browser.close()

    # no script error and no resource refused (by the CSP or otherwise), but the refusal asked for
    refused = [f for f in failed if not f.endswith("/consents/new")]
    assert refused == [], refused
    assert [e for e in errors if "status of 403" not in e] == [], errors
    assert scan.failures == [], "\n".join(scan.failures)
    assert len(scan.scanned) >= 15
    # and the server's log holds no personal data of the whole session
    log = server.log.read_text("utf-8", errors="replace")
    for personal in ("Kim Andersson", "Maria Andersson", "Alex Berg", youth_pnr, "20130510"):
        assert personal not in log, personal
