"""Every word a page asks for exists in Swedish and in English, and every reason code of the
decision has plain words in both (api/web/i18n.py)."""

from __future__ import annotations

import re
from pathlib import Path

from api.web.i18n import EN, REASONS_EN, REASONS_SV, SV
from ledger import rules

TEMPLATES = Path(__file__).resolve().parents[2] / "api" / "templates" / "web"
PYTHON = Path(__file__).resolve().parents[2] / "api" / "web"


def test_swedish_and_english_have_the_same_words() -> None:
    assert set(SV) == set(EN)


def test_every_literal_key_a_page_uses_exists() -> None:
    used: set[str] = set()
    for path in [*TEMPLATES.glob("*.html"), *PYTHON.glob("*.py")]:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_.0-9]+)["']""", path.read_text("utf-8")))
        used |= set(
            re.findall(r"""text\(\s*lang,\s*["']([a-z_.0-9]+)["']""", path.read_text("utf-8"))
        )
    literal = {k for k in used if not k.endswith(".")}  # "status." ~ x: a family, below
    assert literal, "found no keys: the pattern is wrong"
    assert sorted(literal - set(SV)) == []


def test_every_member_of_a_family_of_words_exists() -> None:
    families = {
        "status.": (
            "active",
            "pending",
            "revoked",
            "partially_revoked",
            "annulled",
            "expired",
            "lapsed",
        ),
        "basis.": ("consent", "statutory"),
        "custody.": ("joint", "sole"),
        "method.": ("written", "oral"),
        "channel.": ("oral", "written", "meeting"),
        "roles.": ("admin", "coordinator", "staff", "auditor"),
        "sev.": ("violation", "deficiency", "notice"),
        "case.": ("open", "closed"),
    }
    missing = [p + m for p, members in families.items() for m in members if p + m not in SV]
    assert missing == []


def test_every_reason_code_has_plain_words() -> None:
    codes = {v for k, v in vars(rules).items() if k.isupper() and isinstance(v, str) and v == k}
    assert codes
    assert sorted(codes - set(REASONS_SV)) == []
    assert set(REASONS_SV) == set(REASONS_EN)
