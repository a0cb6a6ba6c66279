"""The string types of the API bodies: each has a documented maximum length, and none takes a
control character (Unicode category Cc, NUL included), except that notes keep tab and line breaks.
A hostile string is a 422 naming the field, never stored."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints
from pydantic_core import PydanticCustomError

_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINE_BREAKS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control(value: str) -> bool:
    return _ANY_CONTROL.search(value) is not None


def single_line(value: str) -> str:
    if has_control(value):
        raise PydanticCustomError(
            "control_character", "must not contain control characters (NUL, tab, line breaks…)"
        )
    return value


def multi_line(value: str) -> str:
    if _CONTROL_BUT_LINE_BREAKS.search(value):
        raise PydanticCustomError(
            "control_character",
            "must not contain control characters other than tab and line breaks",
        )
    return value


ID_MAX, CODE_MAX, NAME_MAX, TEXT_MAX = 200, 200, 300, 10_000

Id = Annotated[str, StringConstraints(min_length=1, max_length=ID_MAX), AfterValidator(single_line)]
"""An identifier of a youth, an agency, a guardian, a case or an actor."""
Code = Annotated[
    str, StringConstraints(min_length=1, max_length=CODE_MAX), AfterValidator(single_line)
]
"""A code of the catalogue: a category, purpose, situation or provision."""
Name = Annotated[
    str, StringConstraints(min_length=1, max_length=NAME_MAX), AfterValidator(single_line)
]
"""A person's or an agency's name, a form reference, a recipient."""
PersonalNumberText = Annotated[
    str, StringConstraints(min_length=10, max_length=13), AfterValidator(single_line)
]
"""A personnummer or samordningsnummer as written; the ledger checks it."""
Text = Annotated[
    str, StringConstraints(min_length=1, max_length=TEXT_MAX), AfterValidator(multi_line)
]
"""A reason or a rationale: required, several lines allowed."""
Note = Annotated[str, StringConstraints(max_length=TEXT_MAX), AfterValidator(multi_line)]
"""A free note, several lines allowed."""
