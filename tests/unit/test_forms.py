"""Consent forms as versions (issue 14, item 3): a coordinator registers a form (name, version,
text); its text is kept with its SHA-256 so that a reviewer sees exactly what was signed (seed 004:
"Samtyckesblankett (bilaga 1) bör användas och när blanketten används ska en hänvisning till
blanketten göras i journalen"); a consent may refer to it. A consent too general to be informed is
CONSENT_TOO_GENERAL (JO 7504-2018)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from ledger.errors import AlreadyExists, Forbidden, Invalid, NotFound
from ledger.service import Ledger
from tests.conftest import Clock
from tests.unit.jo_stories import COORDINATOR, EVERY_CATEGORY, EVERY_SITUATION, open_case
from tests.unit.test_review import AUDITOR, SCHOOL, World

TEXT = (
    "Samtycke till informationsutbyte inom SSPF\n"
    "Jag samtycker till att skola, socialtjänst och polis utbyter uppgifter om skolnärvaro."
)


@pytest.fixture
def world(memory_ledger: Ledger, clock: Clock) -> World:
    return World(memory_ledger, clock).setup()


def register(world: World, version: str = "2026-1", text: str = TEXT) -> dict[str, Any]:
    status, body = world.ledger.register_form(
        COORDINATOR, name="SSPF samtycke", version=version, text=text
    )
    assert status == 201, body
    return dict(body)


def test_a_form_keeps_its_text_with_the_sha256_of_exactly_that_text(world: World) -> None:
    form = register(world)
    read = world.ledger.read_form(SCHOOL, form["id"])
    assert read["text"] == TEXT
    assert read["sha256"] == hashlib.sha256(TEXT.encode()).hexdigest()
    assert read["intact"] is True
    assert (read["name"], read["version"]) == ("SSPF samtycke", "2026-1")


def test_a_version_is_registered_once_and_a_new_text_is_a_new_version(world: World) -> None:
    first = register(world)
    with pytest.raises(AlreadyExists):
        register(world, text=TEXT + " Ändrad.")
    second = register(world, version="2026-2", text=TEXT + " Ändrad.")
    assert second["sha256"] != first["sha256"]
    listed = world.ledger.list_forms(AUDITOR)
    assert [(f["version"], "text" in f) for f in listed] == [("2026-1", False), ("2026-2", False)]


def test_only_a_coordinator_registers_a_form_and_an_empty_one_is_refused(world: World) -> None:
    with pytest.raises(Forbidden):
        world.ledger.register_form(SCHOOL, name="X", version="1", text="T")
    with pytest.raises(Invalid) as raised:
        world.ledger.register_form(COORDINATOR, name="X", version="1", text="  ")
    assert [f for f, _ in raised.value.errors] == ["text"]
    with pytest.raises(NotFound):
        world.ledger.read_form(AUDITOR, "not-a-form")


def test_a_consent_refers_to_the_form_it_was_given_on_and_the_review_shows_its_text(
    world: World,
) -> None:
    form = register(world)
    youth = world.youth()
    consent = world.consent(youth, form_id=form["id"])
    view = world.ledger.read_consent(AUDITOR, consent)
    assert (view["form_id"], view["form_sha256"]) == (form["id"], form["sha256"])
    world.disclose(youth)
    report = world.review(youth_id=youth)
    assert report["forms"][form["id"]]["text"] == TEXT
    assert report["forms"][form["id"]]["sha256"] == form["sha256"]


def test_a_consent_naming_an_unknown_form_is_refused_naming_form_id(world: World) -> None:
    youth = world.youth()
    before = world.ledger.youth(youth).version
    with pytest.raises(Invalid) as raised:
        world.consent(youth, form_id="7d1f7e0e-0000-4000-8000-000000000000")
    assert [f for f, _ in raised.value.errors] == ["form_id"]
    assert world.ledger.youth(youth).version == before


def scope(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "agencies": ["soc-orebro", "polis-orebro", "skola-x"],
        "categories": ["school_attendance"],
        "purposes": ["crime_prevention"],
        "situations": ["network_meeting"],
    }
    return {**base, **over}


@pytest.mark.parametrize(
    ("case_agencies", "given", "general"),
    [
        # every category and every agency of the case: too general (JO 7504-2018)
        (["soc-orebro", "polis-orebro", "skola-x"], scope(categories=EVERY_CATEGORY), True),
        # every category, but not every agency of the case: specific enough about recipients
        (
            ["soc-orebro", "polis-orebro", "skola-x", "fritid-x"],
            scope(categories=EVERY_CATEGORY),
            False,
        ),
        # some categories, every agency: specific about what
        (["soc-orebro", "polis-orebro", "skola-x"], scope(), False),
        # no limit on situations
        (
            ["soc-orebro", "polis-orebro", "skola-x", "fritid-x"],
            scope(situations=EVERY_SITUATION),
            True,
        ),
    ],
)
def test_a_consent_too_general_to_be_informed_is_a_deficiency(
    world: World, case_agencies: list[str], given: dict[str, Any], general: bool
) -> None:
    youth = world.youth()
    case_id = open_case(world, youth, agencies=case_agencies)
    consent = world.consent(youth, case_id=case_id, scope=given)
    disclosure = world.disclose(youth)
    findings = world.review(youth_id=youth)["findings"]
    found = [f for f in findings if f["code"] == "CONSENT_TOO_GENERAL"]
    assert bool(found) is general
    if general:
        assert found[0]["consent_id"] == consent
        assert found[0]["severity"] == "deficiency"
        assert found[0]["disclosure_ids"] == [disclosure]
        assert "JO 7504-2018" in found[0]["message_sv"]


def test_a_consent_without_a_case_is_too_general_when_it_names_every_category(
    world: World,
) -> None:
    youth = world.youth()
    world.consent(youth, scope=scope(categories=EVERY_CATEGORY))
    world.disclose(youth)
    assert "CONSENT_TOO_GENERAL" in world.codes(youth)
