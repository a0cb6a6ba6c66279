"""The API's string types: bounded, and without control characters (notes keep tab and line
breaks)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from api.textfield import CODE_MAX, ID_MAX, NAME_MAX, TEXT_MAX, Code, Id, Name, Note, Text


class Body(BaseModel):
    id: Id | None = None
    code: Code | None = None
    name: Name | None = None
    text: Text | None = None
    note: Note | None = None


def refused(**fields: object) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as e:
        Body.model_validate(fields)
    return [(str(err["loc"][0]), err["type"]) for err in e.value.errors()]


@pytest.mark.parametrize(
    ("field", "longest"),
    [
        ("id", ID_MAX),
        ("code", CODE_MAX),
        ("name", NAME_MAX),
        ("text", TEXT_MAX),
        ("note", TEXT_MAX),
    ],
)
def test_every_string_has_a_maximum_length(field: str, longest: int) -> None:
    Body.model_validate({field: "å" * longest})
    assert refused(**{field: "å" * (longest + 1)}) == [(field, "string_too_long")]


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f", "\t", "\n", "\r"])
@pytest.mark.parametrize("field", ["id", "code", "name"])
def test_an_id_a_code_or_a_name_takes_no_control_character(field: str, char: str) -> None:
    assert refused(**{field: f"Anna{char}Null"}) == [(field, "control_character")]


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x0b", "\x0c", "\x1b", "\x7f", "\x85"])
@pytest.mark.parametrize("field", ["text", "note"])
def test_a_note_takes_no_control_character_but_tab_and_line_breaks(field: str, char: str) -> None:
    Body.model_validate({field: "Rad ett\r\nRad två\n\tindragen"})
    assert refused(**{field: f"Rad{char}ett"}) == [(field, "control_character")]


def test_letters_of_any_script_and_other_unicode_are_kept() -> None:
    body = Body(name="Åsa Öberg-Nguyễn 李 😀", note="Sagt: »ja« – 2 €")
    assert body.name == "Åsa Öberg-Nguyễn 李 😀"


def test_empty_is_refused_where_a_value_is_required_in_substance() -> None:
    assert refused(id="", name="", text="") == [
        ("id", "string_too_short"),
        ("name", "string_too_short"),
        ("text", "string_too_short"),
    ]
    assert Body(note="").note == ""
